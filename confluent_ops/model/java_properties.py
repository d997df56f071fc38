"""Java ``.properties`` text, read and written as ``java.util.Properties`` does.

``server.properties`` and a tool's ``--command-config`` file are read with
``Properties.load(InputStream)``: ISO-8859-1, where a backslash is an escape and ``=``, ``:``,
``#`` and ``!`` are syntax. A JAAS value full of backslashes and quotes, written raw, arrives
changed. The writer escapes like ``Properties.store`` (anything outside printable ASCII as
``\\uXXXX``, so the text is plain ASCII); the reader takes comments, ``=`` / ``:`` / space
separators, escapes and continued lines. Reading what was written gives back the same mapping.
"""

from __future__ import annotations

from collections.abc import Mapping

from confluent_ops.errors import MalformedFile

__all__ = ["java_properties_text", "read_java_properties"]

_SPECIAL = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}


def _escape(text: str, *, is_key: bool) -> str:
    out: list[str] = []
    for index, char in enumerate(text):
        if char in _SPECIAL:
            out.append(_SPECIAL[char])
        elif char in "\\=:#!":
            out.append("\\" + char)
        elif char == " " and (is_key or index == 0):
            out.append("\\ ")
        elif " " <= char <= "~":
            out.append(char)
        else:
            encoded = char.encode("utf-16-be")
            for offset in range(0, len(encoded), 2):
                out.append(f"\\u{int.from_bytes(encoded[offset : offset + 2], 'big'):04X}")
    return "".join(out)


def java_properties_text(properties: Mapping[str, str]) -> str:
    """``key=value`` lines, in the order given, escaped so Java reads back exactly these."""
    return "".join(
        f"{_escape(key, is_key=True)}={_escape(value, is_key=False)}\n"
        for key, value in properties.items()
    )


def read_java_properties(text: str, *, source: str | None = None) -> dict[str, str]:
    """Parse Java ``.properties`` text: comments, ``=`` / ``:`` / space separators, escapes,
    and lines continued with a trailing backslash (as ``java.util.Properties.load`` reads them).
    """
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.lstrip()
        if not pending and (not line or line[0] in "#!"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:
            pending += line[:-1]
            continue
        logical.append(pending + line)
        pending = ""
    if pending:
        logical.append(pending)
    properties: dict[str, str] = {}
    for line in logical:
        index = 0
        while index < len(line):
            char = line[index]
            if char == "\\" and index + 1 < len(line):
                index += 2
                continue
            if char in "=: \t":
                break
            index += 1
        key = _unescape_value(line[:index])
        rest = line[index:].lstrip(" \t")
        if rest[:1] in ("=", ":"):
            rest = rest[1:].lstrip(" \t")
        if not key:
            raise MalformedFile("a properties line has no key", path=source)
        properties[key] = _unescape_value(rest)
    return properties


def _unescape(char: str) -> str:
    return {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(char, char)


def _unescape_value(text: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            nxt = text[index + 1]
            if nxt == "u" and index + 5 < len(text) + 1:
                try:
                    out.append(chr(int(text[index + 2 : index + 6], 16)))
                    index += 6
                    continue
                except ValueError:
                    pass
            out.append(_unescape(nxt))
            index += 2
            continue
        out.append(char)
        index += 1
    # Java writes a character beyond U+FFFF as two \\u escapes (a surrogate pair): join them.
    return "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
