"""Events for the reporting tests: a rolling restart told with the real event classes, and
events of shapes the consumers do not know, which they must show and never fail on."""

from __future__ import annotations

from typing import Any

import attrs

from confluent_ops.steps.events import (
    BrokerStarted,
    BrokerStopped,
    LeadershipMoved,
    StepDone,
    StepFailed,
    StepProgress,
    StepStarted,
    StepWaiting,
)

GiB = 2**30


@attrs.frozen
class QuorumResized:
    """A kind no consumer knows, as a step may add: it has only the protocol."""

    step: str
    voters: int
    kind = "quorum-resized"

    def describe(self) -> str:
        return f"{self.step}: the controller quorum now has {self.voters} voters"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "step": self.step, "voters": self.voters}


@attrs.frozen
class ProgressWithoutCounts:
    """Says it is progress but has no counts: shown as its line, never drawn as a bar."""

    step: str
    kind = "progress"

    def describe(self) -> str:
        return f"{self.step}: some progress, uncounted"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "step": self.step}


def rolling_restart() -> list[Any]:
    """A roll of three brokers: one wait (polled twice), progress, a leadership move, done."""
    return [
        StepStarted("roll", "restart brokers 1, 2, 3 one at a time", estimated_seconds=600),
        StepProgress("roll", "brokers", 0, 3),
        LeadershipMoved("roll", 12, "off broker 1"),
        BrokerStopped("roll", 1, "restart"),
        BrokerStarted("roll", 1, version="4.1.1"),
        StepWaiting("roll", "no under-replicated partitions", "4 under-replicated", 5),
        StepWaiting("roll", "no under-replicated partitions", "4 under-replicated", 5),
        StepProgress("roll", "brokers", 1, 3),
        StepProgress("roll", "brokers", 3, 3),
        StepDone("roll", "3 brokers restarted", seconds=412.0),
    ]


def copying(done: int, total: int, copied: float) -> StepProgress:
    """A reassignment's progress: moves done, and bytes copied of 8 GiB."""
    return StepProgress(
        "reassign", "partitions", done, total, {"bytes_copied": copied, "bytes_total": 8 * GiB}
    )


def failure() -> StepFailed:
    return StepFailed("roll", "broker 2 did not come back", "run the roll again to resume")
