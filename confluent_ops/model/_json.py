"""Reading JSON documents with errors that name the file and the offending item."""

from __future__ import annotations

import json
from typing import Any

from confluent_ops.errors import MalformedFile


def load_json_object(text: str, *, source: str | None, what: str) -> dict[str, Any]:
    """Parse ``text`` as one JSON object, or raise :class:`MalformedFile` naming ``source``."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedFile(
            f"not valid JSON for {what} (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            path=source,
        ) from exc
    if not isinstance(document, dict):
        raise MalformedFile(f"{what} must be a JSON object", path=source)
    return document


def require_int(value: object, *, source: str | None, where: str) -> int:
    """An integer (not a bool, not a float) or a MalformedFile naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedFile(f"{where} must be an integer, got {type(value).__name__}", path=source)
    return value


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


def dump_compact(document: object) -> str:
    """JSON as Kafka's own tools print it: one line, no spaces, then a newline."""
    return json.dumps(document, separators=(",", ":")) + "\n"
