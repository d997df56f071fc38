"""A progress event's fields, read once and tolerantly, for the consumers that draw or count them.

Events are duck-typed: any object with ``step``, ``kind``, ``describe()`` and ``to_dict()`` is
one, and a step may add kinds of its own. A consumer must never fail on an event it cannot
read, so the fields of a ``progress`` event are checked here, in one place; an event that does
not have them is no progress report to these consumers and is shown as its line instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeGuard

import attrs

from confluent_ops.model import FrozenDict, frozen_dict
from confluent_ops.steps.events import StepEvent

__all__ = ["ProgressReading"]


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_figure(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _figures(value: object) -> FrozenDict[str, float]:
    if not isinstance(value, Mapping):
        return FrozenDict()
    return frozen_dict(
        {str(name): float(figure) for name, figure in value.items() if _is_figure(figure)}
    )


@attrs.frozen
class ProgressReading:
    """How far one piece of work of a step has come: ``done`` of ``total``, with figures.

    A step may report several pieces of work at once (brokers restarted, partitions moved);
    ``key`` tells them apart, so each gets its own bar and its own series.
    """

    step: str
    what: str
    done: int
    total: int
    figures: FrozenDict[str, float] = attrs.field(factory=FrozenDict)

    @classmethod
    def from_event(cls, event: StepEvent) -> ProgressReading | None:
        """The reading of a ``progress`` event; None for any other event or a malformed one."""
        if event.kind != "progress":
            return None
        what = getattr(event, "what", None)
        done = getattr(event, "done", None)
        total = getattr(event, "total", None)
        if not isinstance(what, str) or not _is_count(done) or not _is_count(total):
            return None
        return cls(event.step, what, done, total, _figures(getattr(event, "figures", None)))

    @property
    def key(self) -> tuple[str, str]:
        """Which piece of work this is: (step, what)."""
        return (self.step, self.what)

    @property
    def ratio(self) -> float:
        """``done / total`` within 0..1; 1 when there is nothing to do (``total`` 0)."""
        if self.total <= 0:
            return 1.0
        return min(1.0, max(0.0, self.done / self.total))
