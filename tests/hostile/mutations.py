"""How valid inputs are made hostile: bytes, encodings, JSON values, numbers, paths.

Each strategy starts from a valid document (so that most mutations get past the first check
and reach the deeper ones) and breaks one thing, the way hand edits, half-copied terminals,
other tools and wrong flags break them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

HOSTILE_LIST: list[Any] = [
    None,
    True,
    False,
    -1,
    0,
    2**31,
    2**63,
    -(2**63) - 1,
    1.5,
    "",
    "x" * 300,
    "é",
    "\u0000",
    "t-0",
    [],
    [None],
    [[]],
    {},
    {"x": 1},
]
HOSTILE_VALUES = st.sampled_from(HOSTILE_LIST)


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def _deleted(document: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return None
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return copy


@st.composite
def json_mutations(draw: st.DrawFn, valid: str) -> bytes:
    """One thing broken in ``valid`` (a JSON document, maybe after text lines)."""
    prefix, _, body = valid.rpartition("\n{") if "\n{" in valid else ("", "", valid)
    if prefix:
        body = "{" + body
    document = json.loads(body)
    paths = _paths(document)
    kind = draw(st.sampled_from(["replace", "delete", "duplicate", "version", "raw"]))
    if kind == "replace":
        mutated = json.dumps(
            _replaced(document, draw(st.sampled_from(paths)), draw(HOSTILE_VALUES))
        )
    elif kind == "delete":
        mutated = json.dumps(_deleted(document, draw(st.sampled_from(paths))))
    elif kind == "duplicate":
        mutated = body.replace("{", '{"version": 1, ', 1)
    elif kind == "version":
        version = draw(st.sampled_from(["null", "true", "2", "[1]", '"1"', "1.0", "0"]))
        mutated = json.dumps({**document, "version": "@@"}).replace('"@@"', version)
    else:
        mutated = draw(
            st.sampled_from(
                [
                    "[" * 10_000 + "]" * 10_000,
                    '{"version": 1, "partitions": ' + "9" * 5000 + "}",
                    body.replace("1", "NaN", 1),
                    body.replace("1", "Infinity", 1),
                    body[: len(body) // 2],
                    "",
                    "{}",
                    "null",
                    "[]",
                ]
            )
        )
    return ((prefix + "\n") if prefix else "").encode() + mutated.encode()


@st.composite
def byte_mutations(draw: st.DrawFn, valid: str) -> bytes:
    """The document in the wrong encoding, cut short, or replaced by bytes."""
    kind = draw(st.sampled_from(["latin1", "utf16", "utf16-bom", "binary", "truncate", "nul"]))
    accented = valid.replace('"t"', '"tö"').replace("t-", "tö-")
    if kind == "latin1":
        return accented.encode("latin-1", errors="replace")
    if kind == "utf16":
        return valid.encode("utf-16-le")
    if kind == "utf16-bom":
        return "\ufeff".encode("utf-16-le") + valid.encode("utf-16-le")[: draw(st.integers(0, 9))]
    if kind == "binary":
        return draw(st.binary(max_size=300))
    if kind == "nul":
        return valid.encode()[:5] + b"\x00" + valid.encode()[5:]
    return valid.encode()[: draw(st.integers(0, max(0, len(valid) - 1)))]


def file_contents(valid: str) -> st.SearchStrategy[bytes]:
    return st.one_of(json_mutations(valid), byte_mutations(valid))


def bad_path(folder: Path, kind: str) -> str:
    """A path that cannot be used as it is meant: each ``kind`` a way operators get it wrong."""
    if kind == "empty":
        return ""
    if kind == "missing":
        return str(folder / "no" / "such" / "file.json")
    if kind == "directory":
        target = folder / "a-directory"
        target.mkdir(exist_ok=True)
        return str(target)
    if kind == "parent-is-file":
        (folder / "plain-file").write_text("x")
        return str(folder / "plain-file" / "out.json")
    if kind == "too-long":
        return str(folder / ("n" * 300))
    if kind == "loop":
        loop = folder / "loop"
        if not loop.is_symlink():
            os.symlink(loop, loop)
        return str(loop)
    if kind == "unreadable":
        target = folder / "unreadable.json"
        target.write_text("{}")
        target.chmod(0)
        return str(target)
    raise ValueError(kind)


PATH_KINDS = ("empty", "missing", "directory", "parent-is-file", "too-long", "loop")

NAMED_NUMBERS = st.sampled_from(
    [
        "inf",
        "-inf",
        "nan",
        "1e-9",
        "1e309",
        "0",
        "-1",
        "-0",
        "2",
        str(2**31),
        str(2**63),
        str(2**70),
        "9" * 5000,
        "1.5",
        "",
        " ",
        "0x10",
        "1_000",
        "ten",
        "٣",
    ]
)

NUMBERS = st.one_of(
    NAMED_NUMBERS,
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=20),
)
"""Any text an option may be given; for options where any valid value is cheap to act on."""

BOOTSTRAPS = (
    st.sampled_from(
        [
            ":9092",
            "127.0.0.1",
            "[::1",
            "[::1]",
            "127.0.0.1:9092,",
            ",127.0.0.1:9092",
            "a:1,,b:2",
            "host:0",
            "host:65536",
            "host:port",
            "host name:1",
            "::1:9092",
            "",
            " ",
            "h" * 300 + ":1",
            "PLAINTEXT://",
        ]
    ).filter(bool)
    | st.text(max_size=40).map(lambda t: t + ":")
    | st.text(min_size=1, max_size=40).filter(lambda t: ":" not in t)
)
"""Bootstrap strings that are never well formed (an entry without host:port is always refused)."""


def write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


Maker = Callable[[Path], dict[str, Path]]
