"""What steps tell the world while they work: typed events, one union, consumed by anyone.

No step prints. Each emits events to a callable (``emit``) given by its caller; the progress
display of the commands, structured logging and Prometheus metrics
(:mod:`confluent_ops.reporting`) and a notebook are all consumers of the same events.

Every event has ``step`` (which step sent it: ``roll``, ``restart``, ``drain``, ``scale-out``,
``reassign``, ...), ``kind`` (a stable name: ``started``, ``waiting``, ``progress``, ``done``,
``failed`` and the step-specific ones), ``describe()`` (one line for a human, in the conditional
for a dry run) and ``to_dict()`` (plain JSON-ready data, for ``--json`` and logs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from confluent_ops.model import FrozenDict, frozen_dict

__all__ = [
    "BrokerStarted",
    "BrokerStopped",
    "Emit",
    "LeadershipMoved",
    "StepDone",
    "StepEvent",
    "StepFailed",
    "StepProgress",
    "StepStarted",
    "StepWaiting",
    "ignore",
]


@runtime_checkable
class StepEvent(Protocol):
    """What every event offers its consumers."""

    @property
    def step(self) -> str: ...

    @property
    def kind(self) -> str: ...

    def describe(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


Emit = Callable[[Any], None]
"""Where a step sends its events (any callable taking one event)."""


def ignore(event: object) -> None:
    """The default sink: events go nowhere."""


def _figures(values: Mapping[str, float]) -> FrozenDict[str, float]:
    return frozen_dict(values)


def _plain(event: object) -> dict[str, Any]:
    data = attrs.asdict(event, recurse=True)  # type: ignore[arg-type]
    data["kind"] = getattr(event, "kind", type(event).__name__)
    return {
        key: (dict(value) if isinstance(value, Mapping) else value) for key, value in data.items()
    }


@attrs.frozen
class StepStarted:
    """A step begins (or, in a dry run, would begin): what it will do, in order, and why."""

    step: str
    summary: str
    plan: tuple[str, ...] = ()
    estimated_seconds: float | None = None
    dry_run: bool = False
    kind = "started"

    def describe(self) -> str:
        verb = "would" if self.dry_run else "will"
        eta = (
            f" (about {self.estimated_seconds:.0f} s)" if self.estimated_seconds is not None else ""
        )
        return f"{self.step}: {verb} {self.summary}{eta}"

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@attrs.frozen
class StepWaiting:
    """The step waits ``seconds`` before looking again: for what, and what blocks it now."""

    step: str
    what: str
    blocker: str
    seconds: float
    kind = "waiting"

    def describe(self) -> str:
        return f"{self.step}: waiting for {self.what}: {self.blocker}"

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@attrs.frozen
class StepProgress:
    """How far the step has come: ``done`` of ``total`` units (brokers, moves), with figures."""

    step: str
    what: str
    done: int
    total: int
    figures: Mapping[str, float] = attrs.field(factory=FrozenDict, converter=_figures)
    kind = "progress"

    def describe(self) -> str:
        extra = "".join(f", {name} {value:g}" for name, value in self.figures.items())
        return f"{self.step}: {self.what} {self.done}/{self.total}{extra}"

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@attrs.frozen
class StepDone:
    """The step finished: a one-line summary, how long it took, and its figures."""

    step: str
    summary: str
    seconds: float
    figures: Mapping[str, float] = attrs.field(factory=FrozenDict, converter=_figures)
    dry_run: bool = False
    kind = "done"

    def describe(self) -> str:
        if self.dry_run:
            return f"{self.step}: dry run, nothing was changed: {self.summary}"
        return f"{self.step}: done in {self.seconds:.0f} s: {self.summary}"

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@attrs.frozen
class StepFailed:
    """The step stopped: why, and how to resume (running it again, as a rule)."""

    step: str
    error: str
    resume: str
    kind = "failed"

    def describe(self) -> str:
        return f"{self.step}: failed: {self.error}; {self.resume}"

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@attrs.frozen
class BrokerStopped:
    """A node was (or, in a dry run, would be) stopped for ``reason``."""

    step: str
    node: int
    reason: str
    dry_run: bool = False
    kind = "broker-stopped"

    def describe(self) -> str:
        verb = "would stop" if self.dry_run else "stopped"
        return f"{self.step}: {verb} node {self.node}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@attrs.frozen
class BrokerStarted:
    """A node was (or would be) started, on ``version`` when it changes."""

    step: str
    node: int
    version: str | None = None
    dry_run: bool = False
    kind = "broker-started"

    def describe(self) -> str:
        verb = "would start" if self.dry_run else "started"
        on = f" on Kafka {self.version}" if self.version else ""
        return f"{self.step}: {verb} node {self.node}{on}"

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@attrs.frozen
class LeadershipMoved:
    """Partitions whose leader was (or would be) moved: off a broker, or back to preferred."""

    step: str
    partitions: int
    detail: str
    dry_run: bool = False
    kind = "leadership-moved"

    def describe(self) -> str:
        verb = "would move" if self.dry_run else "moved"
        return (
            f"{self.step}: {verb} the leadership of {self.partitions} partition(s): {self.detail}"
        )

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)
