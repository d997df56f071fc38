"""A mapping that cannot change once built: what frozen values hold instead of plain dicts.

A frozen attrs class holding a ``dict`` is frozen in name only: ``snapshot.partitions[tp] = x``
would change a value that others hold and have trusted, and ``hash(snapshot)`` would raise.
:class:`FrozenDict` keeps a dict's speed and its JSON form (it is a ``dict`` to ``json`` and to
C code) while refusing every change, and hashes by its items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn, TypeVar

__all__ = ["FrozenDict", "frozen_dict"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(dict[K, V]):
    """An immutable, hashable ``dict``; every mutating method raises ``TypeError``."""

    __slots__ = ("_hash",)
    _hash: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(self):
            self._refuse()
        super().__init__(*args, **kwargs)

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError(f"{type(self).__name__} cannot change; build a new value instead")

    def __setitem__(self, key: K, value: V) -> NoReturn:
        self._refuse()

    def __delitem__(self, key: K) -> NoReturn:
        self._refuse()

    def __ior__(self, other: object) -> NoReturn:  # type: ignore[misc]
        self._refuse()

    def clear(self) -> NoReturn:
        self._refuse()

    def pop(self, *args: object) -> NoReturn:
        self._refuse()

    def popitem(self) -> NoReturn:
        self._refuse()

    def setdefault(self, *args: object) -> NoReturn:
        self._refuse()

    def update(self, *args: object, **kwargs: object) -> NoReturn:
        self._refuse()

    def copy(self) -> FrozenDict[K, V]:
        return self

    def __hash__(self) -> int:  # type: ignore[override]
        try:
            return self._hash
        except AttributeError:
            self._hash = hash(frozenset(self.items()))
            return self._hash

    def __reduce__(self) -> tuple[type[FrozenDict[K, V]], tuple[dict[K, V]]]:
        return type(self), (dict(self),)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"


def frozen_dict(values: Mapping[K, V] | Iterable[tuple[K, V]]) -> FrozenDict[K, V]:
    """``values`` as a :class:`FrozenDict` (returned as is when it already is one).

    The converter frozen attrs fields use, so that a value built from a plain dict owns an
    immutable copy of it.
    """
    if isinstance(values, FrozenDict):
        return values
    return FrozenDict(values)
