"""Where each move of a running reassignment stands, and how many bytes it has caught up.

A pure reading of a :class:`~confluent_ops.model.ClusterSnapshot` against the plan and what the
step has submitted: nothing here is remembered between runs, so a step that was killed and runs
again sees exactly what a fresh observer would. Bytes caught up come from the replicas' log
sizes (``DescribeLogDirs``): a new replica that is in the ISR has caught up the whole partition;
one still copying has caught up what its log holds.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping

import attrs

from confluent_ops.model import ClusterSnapshot, PartitionMove, ReassignmentPlan, TopicPartition

__all__ = [
    "MoveProgress",
    "MoveState",
    "ReassignmentProgress",
    "reassignment_progress",
    "seconds_to_next_done",
]


class MoveState(enum.Enum):
    """Where one move stands, read from the cluster."""

    DONE = "done"
    MOVING = "moving"
    WAITING = "waiting"
    FAILED = "failed"


@attrs.frozen
class MoveProgress:
    """One partition's move: its target, where it is now, and how far its copies have come."""

    partition: TopicPartition
    state: MoveState
    target: tuple[int, ...]
    replicas: tuple[int, ...]
    adding: tuple[int, ...] = ()
    caught_up: tuple[int, ...] = ()
    reason: str = ""
    bytes_total: int = 0
    bytes_copied: int = 0

    def describe(self) -> str:
        """One line, as ``reassign verify`` prints it."""
        head = f"{self.partition}: {self.state.value} target {list(self.target)}"
        if self.state is MoveState.MOVING:
            waiting = [b for b in self.adding if b not in self.caught_up]
            copied = (
                f", {self.bytes_copied:,} of {self.bytes_total:,} bytes" if self.bytes_total else ""
            )
            return (
                f"{head}, replicas now {list(self.replicas)}, in sync "
                f"{list(self.caught_up)} of new {list(self.adding)}{copied}"
                + (f", waiting for {waiting}" if waiting else ", completing")
            )
        if self.state is MoveState.FAILED:
            return f"{head}: {self.reason}"
        if self.state is MoveState.WAITING:
            return f"{head}: waiting for a free slot on its brokers"
        return head


@attrs.frozen
class ReassignmentProgress:
    """Every move's progress, and the figures a progress bar or a stall detector needs."""

    moves: tuple[MoveProgress, ...]

    def _count(self, state: MoveState) -> int:
        return sum(1 for m in self.moves if m.state is state)

    @property
    def done(self) -> int:
        return self._count(MoveState.DONE)

    @property
    def moving(self) -> int:
        return self._count(MoveState.MOVING)

    @property
    def waiting(self) -> int:
        return self._count(MoveState.WAITING)

    @property
    def failed(self) -> int:
        return self._count(MoveState.FAILED)

    @property
    def bytes_total(self) -> int:
        return sum(m.bytes_total for m in self.moves)

    @property
    def bytes_copied(self) -> int:
        return sum(m.bytes_copied for m in self.moves)

    @property
    def finished(self) -> bool:
        """Nothing moving and nothing waiting (every move done or failed)."""
        return not self.moving and not self.waiting

    @property
    def figure(self) -> tuple[int, int, int]:
        """A value that changes whenever the reassignment moved forward (for stall detection)."""
        return (self.done, self.failed, self.bytes_copied)

    def in_state(self, state: MoveState) -> tuple[MoveProgress, ...]:
        return tuple(m for m in self.moves if m.state is state)

    def summary(self) -> str:
        """One line: the counts and the bytes."""
        copied = (
            f"; {self.bytes_copied:,} of {self.bytes_total:,} bytes caught up"
            if self.bytes_total
            else ""
        )
        return (
            f"{self.done} done, {self.moving} moving, {self.waiting} waiting, "
            f"{self.failed} failed{copied}"
        )


def seconds_to_next_done(
    progress: ReassignmentProgress, throttle_bytes_per_second: int | None
) -> float | None:
    """When the first move in flight should have copied everything, at the throttle.

    Kafka's follower throttle is a rate per broker, shared by every throttled replica it
    fetches: a broker adding ``n`` replicas copies each at ``throttle / n``. None without a
    throttle (nothing bounds the copies) or when nothing copies.
    """
    if throttle_bytes_per_second is None:
        return None
    moving = progress.in_state(MoveState.MOVING)
    fetching: dict[int, int] = {}
    times: list[float] = []
    for move in moving:
        for broker in move.adding:
            if broker not in move.caught_up:
                fetching[broker] = fetching.get(broker, 0) + 1
    for move in moving:
        behind = [b for b in move.adding if b not in move.caught_up]
        if not behind:
            continue  # completing: Kafka finishes it when its replicas join the ISR
        share = min(throttle_bytes_per_second / fetching[b] for b in behind)
        remaining = max(0, move.bytes_total - move.bytes_copied) / len(behind)
        times.append(remaining / share)
    return min(times, default=None)


def reassignment_progress(
    plan: ReassignmentPlan,
    snapshot: ClusterSnapshot,
    *,
    submitted: Collection[TopicPartition] | None = None,
    refused: Mapping[TopicPartition, str] | None = None,
) -> ReassignmentProgress:
    """Classify every move of ``plan`` against ``snapshot``.

    ``plan`` holds each partition's replicas from before the reassignment (the step's record).
    ``submitted``: the moves sent to the cluster so far (None: all of them, as after Kafka's own
    tool); ``refused``: those the cluster refused, with its reason.
    """
    refused = refused or {}
    return ReassignmentProgress(
        tuple(
            _classify(move, snapshot, submitted is None or move.partition in submitted, refused)
            for move in plan
        )
    )


def _classify(
    move: PartitionMove,
    snapshot: ClusterSnapshot,
    sent: bool,
    refused: Mapping[TopicPartition, str],
) -> MoveProgress:
    tp = move.partition
    size = snapshot.sizes.size(tp)
    total = size * len(move.adding)
    current = snapshot.partitions.get(tp)

    def result(
        state: MoveState,
        *,
        adding: tuple[int, ...] = (),
        caught_up: tuple[int, ...] = (),
        reason: str = "",
        copied: int = 0,
    ) -> MoveProgress:
        replicas = current.replicas if current is not None else ()
        return MoveProgress(
            tp, state, move.after, replicas, adding, caught_up, reason, total, copied
        )

    if current is None:
        return result(MoveState.FAILED, reason="partition is gone")
    if current.reassigning and current.target_replicas != move.after:
        return result(
            MoveState.FAILED,
            reason=f"someone else is reassigning it to {list(current.target_replicas)}",
        )
    if tp in refused and not current.reassigning and current.replicas != move.after:
        return result(MoveState.FAILED, reason=f"the cluster refused it: {refused[tp]}")
    if current.reassigning or (sent and set(move.after) < set(current.replicas)):
        # In flight; or finished by the controller while this broker's metadata still lists
        # the removed replicas (completing, not failed: the next read settles it).
        adding = current.adding or tuple(b for b in move.after if b not in move.before)
        caught_up = tuple(b for b in adding if b in current.isr)
        copied = sum(
            size if b in caught_up else min(size, snapshot.log_dirs.size_on(tp, b) or 0)
            for b in adding
        )
        return result(
            MoveState.MOVING, adding=adding, caught_up=caught_up, copied=min(copied, total)
        )
    if current.replicas == move.after:
        return result(MoveState.DONE, copied=total)
    if sent:
        return result(
            MoveState.FAILED,
            reason=(
                f"no reassignment in flight and replicas are {list(current.replicas)}: "
                "the move was refused, cancelled or never started"
            ),
        )
    if current.replicas == move.before:
        return result(MoveState.WAITING)
    return result(
        MoveState.FAILED,
        reason=(
            f"its replicas changed to {list(current.replicas)} since the plan was made "
            f"(from {list(move.before)})"
        ),
    )
