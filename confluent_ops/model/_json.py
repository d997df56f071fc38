"""Reading JSON documents strictly, with errors that name the file and the offending item.

Every JSON file the library reads (Kafka's reassignment JSON, brokers and log-dirs files,
state records) is parsed here, once, with the limits a hostile or broken file needs: nesting
too deep, integers of absurd length, ``NaN`` / ``Infinity`` and duplicate keys are refused with
a :class:`~confluent_ops.errors.MalformedFile`, never a traceback, and never silently (a
duplicate key is the classic hand edit that Python's ``json`` would resolve by keeping the last).
"""

from __future__ import annotations

import json
import math
from typing import Any

from confluent_ops.errors import MalformedFile

__all__ = [
    "MAX_INT32",
    "MAX_INTEGER_DIGITS",
    "MAX_SIGNED_64",
    "dump_compact",
    "load_json",
    "load_json_object",
    "require_int",
    "require_list",
    "require_number",
    "require_str",
    "require_version",
]

MAX_INTEGER_DIGITS = 20
"""Longer integers are refused while parsing: no value in our formats exceeds a signed long."""
MAX_SIGNED_64 = 2**63 - 1
"""The largest value of Java's ``long``: the ceiling of sizes, offsets and rates in Kafka."""
MAX_INT32 = 2**31 - 1
"""The largest value of Java's ``int``: the ceiling of broker ids and partition numbers."""


class _Refused(Exception):  # noqa: N818 - raised and caught here only
    """Raised inside the parser's hooks; turned into a MalformedFile by :func:`load_json`."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"the key {key!r} appears twice in one object")
            seen.add(key)
    return document


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _Refused(f"an integer of {len(text.lstrip('-'))} digits is not a plausible value")
    return int(text)


def _constant(text: str) -> float:
    raise _Refused(f"{text} is not a JSON number")


def load_json(text: str, *, source: str | None, what: str) -> Any:
    """Parse ``text`` as JSON within the limits above, or raise :class:`MalformedFile`."""
    try:
        return json.loads(
            text, object_pairs_hook=_pairs, parse_int=_integer, parse_constant=_constant
        )
    except json.JSONDecodeError as exc:
        raise MalformedFile(
            f"not valid JSON for {what} (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            path=source,
        ) from exc
    except _Refused as exc:
        raise MalformedFile(f"not acceptable as {what}: {exc}", path=source) from exc
    except RecursionError as exc:
        raise MalformedFile(f"not acceptable as {what}: nested too deeply", path=source) from exc


def load_json_object(text: str, *, source: str | None, what: str) -> dict[str, Any]:
    """Parse ``text`` as one JSON object, or raise :class:`MalformedFile` naming ``source``."""
    document = load_json(text, source=source, what=what)
    if not isinstance(document, dict):
        raise MalformedFile(f"{what} must be a JSON object", path=source)
    return document


def require_int(
    value: object,
    *,
    source: str | None,
    where: str,
    minimum: int | None = None,
    maximum: int = MAX_SIGNED_64,
) -> int:
    """An integer (not a bool, not a float) within bounds, or a MalformedFile naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedFile(f"{where} must be an integer, got {type(value).__name__}", path=source)
    if minimum is not None and value < minimum:
        raise MalformedFile(f"{where} must be >= {minimum}, got {value}", path=source)
    if value > maximum:
        raise MalformedFile(f"{where} must be <= {maximum}, got {value}", path=source)
    return value


def require_number(value: object, *, source: str | None, where: str) -> float:
    """A finite number of zero or more (an integer or a decimal, not a bool), as a float.

    The parser refuses ``NaN`` and ``Infinity`` but reads ``1e999`` as infinity, so finiteness
    is checked here too.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedFile(f"{where} must be a number, got {type(value).__name__}", path=source)
    number = float(value)
    if not math.isfinite(number):
        raise MalformedFile(f"{where} must be a finite number", path=source)
    if number < 0:
        raise MalformedFile(f"{where} must be >= 0, got {value}", path=source)
    return number


def require_list(value: object, *, source: str | None, where: str) -> list[Any]:
    """A JSON array or a MalformedFile naming ``where``."""
    if not isinstance(value, list):
        raise MalformedFile(f"{where} must be a JSON array", path=source)
    return value


def require_str(value: object, *, source: str | None, where: str) -> str:
    """A JSON string or a MalformedFile naming ``where``."""
    if not isinstance(value, str) or not value:
        raise MalformedFile(f"{where} must be a non-empty string", path=source)
    return value


def require_version(document: dict[str, Any], *, source: str | None, what: str) -> None:
    """Refuse a ``version`` other than the integer 1 (a missing version reads as 1).

    ``true`` equals 1 in Python, and ``null`` or a list are typos of a hand edit: all refused.
    """
    if "version" not in document:
        return
    version = document["version"]
    if isinstance(version, bool) or version != 1 or not isinstance(version, int):
        raise MalformedFile(
            f"unsupported {what} version {json.dumps(version)[:40]} (only 1 is known)",
            path=source,
        )


def dump_compact(document: object) -> str:
    """JSON as Kafka's own tools print it: one line, no spaces, then a newline."""
    return json.dumps(document, separators=(",", ":")) + "\n"
