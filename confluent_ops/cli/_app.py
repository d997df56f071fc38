"""What every subcommand shares: exit codes, the argument parser, error rendering."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from confluent_ops._files import write_atomically
from confluent_ops.errors import ConfluentOpsError, InvalidInput

EX_OK = 0
EX_USAGE = 64  # sysexits: the command was used incorrectly
EX_DATAERR = 65  # sysexits: the input data was incorrect
EX_NOINPUT = 66  # sysexits: an input file did not exist or was not readable
EX_SOFTWARE = 70  # sysexits: an internal error
EX_FAILURE = 1

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Raised by the parser instead of exiting, so that main() owns every exit code."""


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors exit with 64 and a single line on stderr."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _whole_number(text: str, *, minimum: int, wanted: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a number {wanted}, got {value}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number above zero (a usage error, exit 64, otherwise)."""
    return _whole_number(text, minimum=1, wanted="> 0")


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number, zero or more."""
    return _whole_number(text, minimum=0, wanted=">= 0")


def positive_seconds(text: str) -> float:
    """An argparse type: a duration in seconds above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected seconds > 0, got {text!r}")
    return value


def broker_ids(text: str) -> list[int]:
    """An argparse type: broker ids separated by commas, like ``6,7``."""
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected broker ids like 6,7, got {text!r}") from None
    if not ids:
        raise argparse.ArgumentTypeError("expected at least one broker id")
    return ids


def exit_code_for(error: BaseException) -> int:
    """The exit code a script can rely on for each kind of failure."""
    if isinstance(error, UsageError):
        return EX_USAGE
    if isinstance(error, FileNotFoundError | IsADirectoryError | PermissionError):
        return EX_NOINPUT
    if isinstance(error, InvalidInput):
        return EX_DATAERR
    if isinstance(error, ConfluentOpsError):
        return EX_FAILURE
    return EX_SOFTWARE


def one_line(error: BaseException) -> str:
    """The one-line reason printed on stderr: never a traceback, never more than a line."""
    if isinstance(error, FileNotFoundError | IsADirectoryError | PermissionError):
        name = error.filename if error.filename is not None else ""
        text = f"{error.strerror or type(error).__name__}: {name}"
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.split())


def fail(error: BaseException) -> int:
    """Print the reason for ``error`` on stderr and return its exit code."""
    print(f"confluent-ops: error: {one_line(error)}", file=sys.stderr)
    return exit_code_for(error)


def read_text(path: str) -> str:
    """Read an input file; a missing file surfaces as FileNotFoundError (exit 66)."""
    return Path(path).read_text(encoding="utf-8")


def write_output(path: str | None, text: str) -> None:
    """Write ``text`` to ``path`` atomically (or to stdout when no path is given).

    The file appears whole or not at all: we write beside it and rename, so a failure never
    leaves a half-written plan that a later ``reassign execute`` could pick up.
    """
    if path is None or path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_atomically(Path(path), text)
