"""Java ``.properties`` text, escaped as ``java.util.Properties.load`` reads it back.

``server.properties`` and a tool's ``--command-config`` file are read with
``Properties.load(InputStream)``: ISO-8859-1, where a backslash is an escape and ``=``, ``:``,
``#`` and ``!`` are syntax. A JAAS value full of backslashes and quotes, written raw, arrives
changed. This writer escapes like ``Properties.store`` (non-Latin-1 text as ``\\uXXXX``).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["java_properties_text"]

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
