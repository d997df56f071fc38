"""The pages generated from the code are current, and the code names only files that exist."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from confluent_ops.cli.main import build_parser
from confluent_ops.cli.reference import _commands, render_cli_reference, render_errors_page

ROOT = Path(__file__).resolve().parent.parent


def test_the_cli_reference_is_generated_from_the_parser():
    assert (ROOT / "docs" / "cli.md").read_text() == render_cli_reference(), (
        "docs/cli.md is stale: run `python -m confluent_ops.cli.reference`"
    )


def test_the_errors_page_is_generated_from_the_exit_code_table():
    assert (ROOT / "docs" / "errors.md").read_text() == render_errors_page(), (
        "docs/errors.md is stale: run `python -m confluent_ops.cli.reference`"
    )


def _leaves():
    for path, parser in _commands(build_parser()):
        if path and not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions):
            yield " ".join(path), parser


@pytest.mark.parametrize(("command", "parser"), list(_leaves()), ids=lambda v: str(v)[:40])
def test_every_command_and_option_is_described(command, parser):
    assert parser.description, f"`{command}` has no description"
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help, f"`{command}` {action.option_strings or action.dest} has no help"


FILE_NAMES = re.compile(
    r"\b((?:docs|tools|examples|tests|benchmarks)/[\w./-]+\.(?:md|py|yaml|ipynb))"
)


def test_messages_and_docstrings_name_only_files_that_exist():
    missing = []
    for source in sorted((ROOT / "confluent_ops").rglob("*.py")):
        for name in FILE_NAMES.findall(source.read_text()):
            if not (ROOT / name).exists():
                missing.append(f"{source.relative_to(ROOT)} names {name}")
    assert not missing
