"""The entry point of ``confluent-ops`` and ``python -m confluent_ops``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from confluent_ops import __version__
from confluent_ops.cli import _certs, _demo, _health, _plan, _reassign, _testbed
from confluent_ops.cli._app import EX_OK, EX_USAGE, CommandParser, UsageError, fail
from confluent_ops.errors import ConfluentOpsError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree; each subcommand module registers its own part."""
    parser = CommandParser(
        prog="confluent-ops",
        description="Operational primitives for Apache Kafka: plan, secure, test and operate.",
    )
    parser.add_argument("--version", action="version", version=f"confluent-ops {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    commands.required = True
    # Each subcommand module adds its own parsers here, in the order `--help` lists them.
    _plan.register(commands)
    _certs.register(commands)
    _demo.register(commands)
    _testbed.register(commands)
    _reassign.register(commands)
    _health.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code (0 ok, 64 usage, 65 bad data, 66 missing file)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        code: int = args.handler(args)
    except BrokenPipeError:
        return EX_OK  # the reader (a pager, `head`) has all it wanted
    except UsageError as error:
        print(error, file=sys.stderr)
        return EX_USAGE
    except (ConfluentOpsError, OSError) as error:
        return fail(error)
    return code
