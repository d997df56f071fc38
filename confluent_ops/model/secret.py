"""A value that must never be shown: passwords, keys, tokens."""

from __future__ import annotations

import attrs

__all__ = ["Secret"]


@attrs.frozen(repr=False, eq=True)
class Secret:
    """A string that keeps out of reprs, logs, f-strings and error messages.

    ``str(secret)`` and ``repr(secret)`` are both ``Secret('***')``; the value is read on purpose
    with :meth:`reveal`, at the one place that hands it to a file or a client library. Two
    secrets compare equal when their values do, so values holding them stay comparable.
    """

    _value: str = attrs.field(alias="value")

    def reveal(self) -> str:
        """The value itself, for the file or client that needs it. Never log the result."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return repr(self)

    def __bool__(self) -> bool:
        return bool(self._value)
