"""docs/tutorial.md is a script: its Python blocks, joined in order, run the demo's story.

The fast test compiles the joined blocks and checks that every name they import from
confluent_ops exists where they import it from (a renamed export breaks the page here first);
the slow test runs the script on real Kafka and checks what it claims at its end.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from confluent_ops.testing.pytest_plugin import require_testbed

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _python_blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


def _imported_names(tree: ast.AST) -> list[tuple[str, str]]:
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith("confluent_ops")
        for alias in node.names
    ]


def test_the_tutorial_is_one_script_importing_only_what_exists():
    script = "\n".join(_python_blocks(DOCS / "tutorial.md"))
    tree = ast.parse(script, filename="tutorial.md")
    names = _imported_names(tree)
    assert len(names) > 10
    for module, name in names:
        assert hasattr(importlib.import_module(module), name), f"{module} has no {name}"


@pytest.mark.parametrize("page", sorted((DOCS / "howto").glob("*.md")), ids=lambda p: p.stem)
def test_every_python_block_of_the_how_tos_parses_and_imports_what_exists(page):
    for block in _python_blocks(page):
        for module, name in _imported_names(ast.parse(block, filename=page.name)):
            assert hasattr(importlib.import_module(module), name), f"{module} has no {name}"


@pytest.mark.slow
def test_the_tutorial_runs_its_story_on_real_kafka(tmp_path):
    require_testbed(kafka_versions=("3.9.1", "4.1.1"))
    script = tmp_path / "tutorial.py"
    script.write_text("\n".join(_python_blocks(DOCS / "tutorial.md")), encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "lost: 0 of" in result.stdout
    assert "throttles left: 0" in result.stdout
