"""``eventually``: what tests of real clusters wait with, instead of sleeping a fixed time."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from confluent_ops.waiting import Check, WaitPolicy, wait_for

__all__ = ["eventually"]

_T = TypeVar("_T")


def eventually(
    look: Callable[[], _T | None],
    *,
    what: str,
    timeout: float = 30.0,
    interval: float = 0.2,
) -> _T:
    """Call ``look`` until it returns something truthy; return that, or raise ``WaitTimedOut``.

    Brokers apply the metadata log one by one, a fenced broker is noticed when its session
    expires: a test states what it waits for (``what``) and how long it may take, and the one
    wait policy of the library (:mod:`confluent_ops.waiting`) does the rest.
    """
    seen: list[_T] = []

    def check() -> Check[None]:
        value = look()
        if value:
            seen.append(value)
        return Check(bool(value), blocker=f"last seen: {value!r}"[:500])

    wait_for(
        check,
        policy=WaitPolicy.bounded(timeout, interval=interval).evolve(max_interval=1.0),
        what=what,
    )
    return seen[-1]
