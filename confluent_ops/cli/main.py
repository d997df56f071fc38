"""The entry point of ``confluent-ops`` and ``python -m confluent_ops``."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence

from confluent_ops import __version__
from confluent_ops.cli import (
    _certs,
    _cluster,
    _demo,
    _health,
    _operate,
    _plan,
    _provision,
    _reassign,
    _testbed,
)
from confluent_ops.cli._app import EX_OK, EX_USAGE, CommandParser, UsageError, fail

__all__ = ["build_parser", "main"]

_VERBOSE_HANDLER = "confluent-ops --verbose"


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
    _cluster.register(commands)
    _provision.register(commands)
    _certs.register(commands)
    _demo.register(commands)
    _testbed.register(commands)
    _reassign.register(commands)
    _operate.register(commands)
    _health.register(commands)
    _add_verbose(parser)
    return parser


def _add_verbose(parser: argparse.ArgumentParser) -> None:
    """``-v/--verbose`` on every command, wherever the user types it."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="show the client libraries' log lines (-vv: debug) and, on an internal error, "
        "the traceback",
    )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                _add_verbose(child)


def _configure_logging(verbose: int) -> None:
    """Quiet by default: client libraries log to our loggers, and nothing reaches stderr.

    librdkafka's and kafka-python's own lines (connection refused, SASL failures, retries) are
    noise beside the one-line reason a failing command prints; ``--verbose`` shows them.
    """
    root = logging.getLogger()
    if verbose:
        if not any(h.get_name() == _VERBOSE_HANDLER for h in root.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.set_name(_VERBOSE_HANDLER)
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s")
            )
            root.addHandler(handler)
        root.setLevel(logging.INFO if verbose == 1 else logging.DEBUG)
    elif not root.handlers:
        root.addHandler(logging.NullHandler())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code (see ``EXIT_CODES`` and docs/errors.md)."""
    parser = build_parser()
    verbose = 0
    try:
        args = parser.parse_args(argv)
        verbose = int(getattr(args, "verbose", 0))
        _configure_logging(verbose)
        code: int = args.handler(args)
    except BrokenPipeError:
        return EX_OK  # the reader (a pager, `head`) has all it wanted
    except UsageError as error:
        print(" ".join(str(error).split()), file=sys.stderr)  # a value may hold a newline
        return EX_USAGE
    except (Exception, KeyboardInterrupt) as error:
        if verbose:
            traceback.print_exc()
        return fail(error)
    return code
