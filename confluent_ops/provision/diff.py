"""What applying would change, object by object, as a reviewer reads it: a unified YAML diff.

Both sides lose what the server rewrites on every write (``status``, ``managedFields``,
``resourceVersion``, ``uid``, timestamps), so the diff shows only what the spec changes. A
Secret's values never appear: each is shown as ``(hidden)``, or ``(hidden, changed)`` when the
new value differs, so a diff can be pasted into a review or a log.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

import yaml

__all__ = ["comparable", "object_diff"]

_VOLATILE_METADATA = (
    "managedFields",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "uid",
    "selfLink",
)


def comparable(obj: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An object without what the server changes on every write (for a diff or a compare)."""
    if obj is None:
        return None
    plain: dict[str, Any] = json.loads(json.dumps(obj))
    plain.pop("status", None)
    metadata = plain.get("metadata", {})
    for key in _VOLATILE_METADATA:
        metadata.pop(key, None)
    if not metadata.get("annotations"):
        metadata.pop("annotations", None)
    return plain


def _hidden(obj: dict[str, Any] | None, other: dict[str, Any] | None) -> dict[str, Any] | None:
    if obj is None or obj.get("kind") != "Secret":
        return obj
    theirs = (other or {}).get("data") or {}
    obj["data"] = {
        key: "(hidden)" if theirs.get(key) == value else "(hidden, changed)"
        for key, value in (obj.get("data") or {}).items()
    }
    return obj


def object_diff(live: Mapping[str, Any] | None, desired: Mapping[str, Any]) -> str:
    """The unified diff from the live object (``None``: absent) to the one applying makes."""
    before, after = comparable(live), comparable(desired)
    assert after is not None
    before_shown = _hidden(before, after)
    after_shown = _hidden(after, comparable(live))
    if before_shown is not None and before_shown.get("kind") == "Secret":
        before_shown["data"] = {key: "(hidden)" for key in (before or {}).get("data") or {}}
    metadata = after["metadata"]
    where = "/".join(part for part in (metadata.get("namespace"), metadata["name"]) if part)
    label = f"{after['kind']} {where}"

    def text(obj: dict[str, Any] | None) -> list[str]:
        if obj is None:
            return []
        return yaml.safe_dump(obj, sort_keys=True, width=100).splitlines(keepends=True)

    return "".join(
        difflib.unified_diff(
            text(before_shown), text(after_shown), f"live: {label}", f"applied: {label}"
        )
    )
