"""What every subcommand shares: exit codes, the argument types, reading and writing files.

The exit codes are one table (:data:`EXIT_CODES`): every failure a command can meet maps to a
documented code, printed as one line on stderr, never a traceback. A traceback would exit 1,
which ``health`` documents as "degraded" and ``reassign verify`` as "still moving": a script
polling them would read a crash as a verdict. ``docs/errors.md`` is generated from the table
(``python -m confluent_ops.cli.reference``) and a test keeps it so.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NoReturn

import attrs

from confluent_ops._files import PUBLIC, check_output, read_input_text, write_files
from confluent_ops.errors import (
    AuthenticationFailed,
    AuthorizationFailed,
    ClusterError,
    ClusterUnreachable,
    FileUnusable,
    InvalidInput,
    TestbedError,
    UnsafeOperation,
)
from confluent_ops.model import parse_bootstrap_servers
from confluent_ops.model._json import MAX_INT32, MAX_SIGNED_64

EX_OK = 0
EX_FAILURE = 1
EX_USAGE = 64  # sysexits: the command was used incorrectly
EX_DATAERR = 65  # sysexits: the input data was incorrect
EX_NOINPUT = 66  # sysexits: a file is missing or cannot be used
EX_UNAVAILABLE = 69  # sysexits: a service is unavailable
EX_SOFTWARE = 70  # sysexits: an internal error
EX_OSERR = 71  # sysexits: an operating-system error (a local process could not be run)
EX_TEMPFAIL = 75  # sysexits: a temporary failure; retrying may help
EX_NOPERM = 77  # sysexits: permission denied
EX_UNSAFE = 3
EX_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Raised by the parser instead of exiting, so that main() owns every exit code."""


@attrs.frozen
class ExitCode:
    """One row of the exit-code table: what fails, the code, and what the user should know."""

    error: type[BaseException]
    code: int
    meaning: str


EXIT_CODES: tuple[ExitCode, ...] = (
    ExitCode(
        UsageError,
        EX_USAGE,
        "the command line is wrong: an unknown option, a missing argument, a number out of "
        "range or not finite, a malformed --bootstrap",
    ),
    ExitCode(
        FileUnusable,
        EX_NOINPUT,
        "a file is missing, unreadable, a directory, too large, or an output cannot be written "
        "there; nothing was written",
    ),
    ExitCode(
        InvalidInput,
        EX_DATAERR,
        "an input was refused: a file's content (not UTF-8, not the JSON layout, out-of-range "
        "numbers, duplicate keys), a plan naming what the cluster lacks, a client setting the "
        "client library refuses",
    ),
    ExitCode(
        ClusterUnreachable,
        EX_UNAVAILABLE,
        "no server of --bootstrap answered within --timeout",
    ),
    ExitCode(AuthenticationFailed, EX_NOPERM, "the cluster refused our TLS handshake or login"),
    ExitCode(AuthorizationFailed, EX_NOPERM, "an ACL denied the operation"),
    ExitCode(
        UnsafeOperation,
        EX_UNSAFE,
        "a safety check refused the operation (it would take a partition below "
        "min.insync.replicas, or something not ours is in flight)",
    ),
    ExitCode(
        ClusterError,
        EX_TEMPFAIL,
        "the cluster failed a request, or did not settle in time; the message says how to "
        "resume, and running the command again is safe",
    ),
    ExitCode(TestbedError, EX_OSERR, "a local Kafka or ZooKeeper process could not be run"),
    ExitCode(KeyboardInterrupt, EX_INTERRUPTED, "interrupted (Ctrl-C); run it again to resume"),
    ExitCode(
        Exception,
        EX_SOFTWARE,
        "an internal error: a bug; the message names it, --verbose shows where",
    ),
)


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors exit with 64 and a single line on stderr."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def exit_code_for(error: BaseException) -> int:
    """The exit code a script can rely on for each kind of failure (:data:`EXIT_CODES`)."""
    for row in EXIT_CODES:
        if isinstance(error, row.error):
            return row.code
    return EX_SOFTWARE


def one_line(error: BaseException) -> str:
    """The one-line reason printed on stderr: never a traceback, never more than a line."""
    text = str(error) or type(error).__name__
    if isinstance(error, KeyboardInterrupt):
        text = "interrupted (Ctrl-C)"
    if exit_code_for(error) == EX_SOFTWARE:
        text = f"internal error ({type(error).__name__}: {text}); please report it"
    return " ".join(text.split())


def fail(error: BaseException) -> int:
    """Print the reason for ``error`` on stderr and return its exit code."""
    print(f"confluent-ops: error: {one_line(error)}", file=sys.stderr)
    return exit_code_for(error)


# -- argument types: every numeric option has a range, and is finite ------------------------


def integer(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number in ``minimum..maximum`` (a usage error otherwise)."""

    def parse(text: str) -> int:
        stripped = text.strip()
        digits = stripped.lstrip("+-")
        if not (digits.isascii() and digits.isdigit()) or len(stripped) - len(digits) > 1:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:40]!r}")
        value = int(stripped) if len(digits) <= 20 else None
        if value is None or not minimum <= value <= maximum:
            shown = (
                stripped if len(stripped) <= 24 else f"{stripped[:20]}... ({len(digits)} digits)"
            )
            raise argparse.ArgumentTypeError(
                f"expected a whole number in {minimum}..{maximum}, got {shown}"
            )
        return value

    parse.__name__ = "integer"
    return parse


def number(minimum: float, maximum: float, *, unit: str = "a number") -> Callable[[str], float]:
    """An argparse type: a finite number in ``[minimum, maximum]``; ``unit`` names what it is."""

    def parse(text: str) -> float:
        if not _DECIMAL.fullmatch(text.strip()):  # float() takes "1_000", "inf" and "٣" too
            raise argparse.ArgumentTypeError(f"expected {unit}, got {text[:40]!r}")
        value = float(text)
        if not math.isfinite(value) or not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"expected {unit} in {minimum:g}..{maximum:g}, got {text[:40]!r}"
            )
        return value

    parse.__name__ = "number"
    return parse


_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

positive_int = integer(1, MAX_SIGNED_64)
"""A whole number above zero (bytes per second, counts)."""
non_negative_int = integer(0, MAX_SIGNED_64)
"""A whole number, zero or more."""
seconds = number(0.1, 86_400.0, unit="seconds")
"""A duration: from a tenth of a second to a day."""


def broker_ids(text: str) -> list[int]:
    """An argparse type: broker ids separated by commas, like ``6,7``."""
    parse = integer(0, MAX_INT32)
    parts = [part for part in text.split(",") if part.strip()]
    if not parts:
        raise argparse.ArgumentTypeError("expected at least one broker id, like 6,7")
    try:
        return [parse(part) for part in parts]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected broker ids in 0..{MAX_INT32} like 6,7, got {text!r}"
        ) from None


def bootstrap(text: str) -> str:
    """An argparse type: ``host:port[,host:port...]``, each entry checked (a usage error)."""
    try:
        return parse_bootstrap_servers(text)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# -- files -----------------------------------------------------------------------------------


def read_text(path: str, *, what: str) -> str:
    """Read an input file through the one reading path (typed errors, never a traceback)."""
    return read_input_text(path, what=what)


@attrs.frozen
class Outputs:
    """The files a command will write, checked before any work and written as one unit.

    ``None`` or ``-`` means standard output. A command declares its outputs first (so that a
    folder that does not exist fails at once, before a cluster is touched), then writes them all
    with :meth:`write`: either every file appears, whole, or none does.
    """

    paths: Mapping[str, Path | None]

    @classmethod
    def check(cls, **named: tuple[str | None, str]) -> Outputs:
        """``name=(path or None, what)`` for each output; refuses unusable locations now."""
        paths: dict[str, Path | None] = {}
        for name, (path, what) in named.items():
            paths[name] = None if path is None or path == "-" else check_output(path, what=what)
        return cls(paths)

    def write(self, **texts: str) -> None:
        """Write each named output's text; files together, then standard output."""
        files: dict[Path, tuple[bytes | str, int]] = {}
        to_stdout = []
        for name, text in texts.items():
            path = self.paths[name]
            if path is None:
                to_stdout.append(text)
            else:
                files[path] = (text, PUBLIC)
        if files:
            write_files(files)
        for text in to_stdout:
            sys.stdout.write(text)
        sys.stdout.flush()


def write_output(path: str | None, text: str) -> None:
    """Write one output (see :class:`Outputs`): a file whole or not at all, or stdout."""
    outputs = Outputs.check(output=(path, "output"))
    outputs.write(output=text)
