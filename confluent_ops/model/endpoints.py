"""Addresses of Kafka servers as users type them: ``host:port[,host:port...]``.

A malformed bootstrap string (``:9092``, ``127.0.0.1`` without a port, ``[::1`` unclosed, a
trailing comma) is a typing mistake, not an unreachable cluster: it is refused here, naming the
bad entry, before any client is built, so that the command says "usage" (exit 64) rather than
waiting out a timeout and saying "unreachable" (exit 69).
"""

from __future__ import annotations

import ipaddress
import re

from confluent_ops.errors import InvalidInput

__all__ = ["parse_bootstrap_servers"]

_HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*\.?")
_SCHEME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*://")


def _entry(text: str) -> str:
    entry = text.strip()
    if not entry:
        raise InvalidInput("bootstrap servers hold an empty entry (a doubled or trailing comma?)")
    bare = _SCHEME.sub("", entry, count=1)
    if bare.startswith("["):
        host, bracket, rest = bare[1:].partition("]")
        if not bracket:
            raise InvalidInput(f"bootstrap entry {entry!r}: an IPv6 address needs its closing ]")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidInput(f"bootstrap entry {entry!r}: {host!r} is no IPv6 address") from None
        if not rest.startswith(":"):
            raise InvalidInput(f"bootstrap entry {entry!r} needs a port: [{host}]:9092")
        port = rest[1:]
    else:
        host, colon, port = bare.rpartition(":")
        if not colon:
            raise InvalidInput(f"bootstrap entry {entry!r} needs a port: {bare}:9092")
        if not host:
            raise InvalidInput(f"bootstrap entry {entry!r} needs a host before the port")
        if ":" in host:
            raise InvalidInput(f"bootstrap entry {entry!r}: write an IPv6 address as [addr]:port")
        if not _HOST_NAME.fullmatch(host):
            raise InvalidInput(f"bootstrap entry {entry!r}: {host!r} is not a host name")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise InvalidInput(f"bootstrap entry {entry!r}: the port must be a number in 1..65535")
    return entry


def parse_bootstrap_servers(text: str) -> str:
    """``text`` checked entry by entry and normalised (blanks around entries removed).

    Raises :class:`~confluent_ops.errors.InvalidInput` naming the first bad entry.
    """
    if not text.strip():
        raise InvalidInput("bootstrap servers are empty: give host:port[,host:port...]")
    return ",".join(_entry(part) for part in text.split(","))
