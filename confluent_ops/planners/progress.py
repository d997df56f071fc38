"""Where each move of a running reassignment stands, and how many bytes it has caught up.

A pure reading of a :class:`~confluent_ops.model.ClusterSnapshot` against the plan and what the
step has submitted: nothing here is remembered between runs, so a step that was killed and runs
again sees exactly what a fresh observer would. Bytes caught up come from the replicas' log
sizes (``DescribeLogDirs``): a new replica that is in the ISR has caught up the whole partition;
one still copying has caught up what its log holds. A move whose plan names log directories
(JBOD) is done only once each of those replicas lives in its directory with no *future* replica
(an intra-broker copy) left; such a copy has caught up what its future log holds.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping

import attrs

from confluent_ops.model import ClusterSnapshot, PartitionMove, ReassignmentPlan, TopicPartition

__all__ = [
    "DirMoveProgress",
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
class DirMoveProgress:
    """One replica's planned log directory: where its log is now, and the copy under way.

    ``current`` is the directory of its log (None: its broker does not report it yet);
    ``future`` the directory a future replica is being copied into (None: no copy under way).
    """

    broker: int
    target: str
    current: str | None = None
    future: str | None = None
    bytes_total: int = 0
    bytes_copied: int = 0

    @property
    def done(self) -> bool:
        return self.current == self.target and self.future is None

    def describe(self) -> str:
        where = f"broker {self.broker}"
        if self.done:
            return f"{where} in {self.target}"
        if self.future == self.target:
            copied = (
                f", {self.bytes_copied:,} of {self.bytes_total:,} bytes" if self.bytes_total else ""
            )
            return f"{where} copying from {self.current} to {self.target}{copied}"
        if self.current is None:
            return f"{where} not hosting it yet (to be created in {self.target})"
        if self.future is not None:
            return f"{where} copying to {self.future}, not the planned {self.target}"
        return f"{where} in {self.current}, planned {self.target}: not moved yet"


@attrs.frozen
class MoveProgress:
    """One partition's move: its target, where it is now, and how far its copies have come.

    ``dirs`` holds each replica with a planned log directory (JBOD), and where it is.
    """

    partition: TopicPartition
    state: MoveState
    target: tuple[int, ...]
    replicas: tuple[int, ...]
    adding: tuple[int, ...] = ()
    caught_up: tuple[int, ...] = ()
    reason: str = ""
    bytes_total: int = 0
    bytes_copied: int = 0
    dirs: tuple[DirMoveProgress, ...] = ()

    @property
    def dirs_placed(self) -> bool:
        """Whether every replica with a planned directory is in it, with no copy under way."""
        return all(d.done for d in self.dirs)

    def describe(self) -> str:
        """One line, as ``reassign verify`` prints it."""
        head = f"{self.partition}: {self.state.value} target {list(self.target)}"
        if self.state is MoveState.MOVING:
            pending = "; ".join(d.describe() for d in self.dirs if not d.done)
            if not self.adding:
                return f"{head}, log dirs: {pending}"
            waiting = [b for b in self.adding if b not in self.caught_up]
            copied = (
                f", {self.bytes_copied:,} of {self.bytes_total:,} bytes" if self.bytes_total else ""
            )
            return (
                f"{head}, replicas now {list(self.replicas)}, in sync "
                f"{list(self.caught_up)} of new {list(self.adding)}{copied}"
                + (f", waiting for {waiting}" if waiting else ", completing")
                + (f"; log dirs: {pending}" if pending else "")
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
    def figure(self) -> tuple[int, int, int, int]:
        """A value that changes whenever the reassignment moved forward (for stall detection)."""
        placed = sum(1 for m in self.moves for d in m.dirs if d.done)
        return (self.done, self.failed, self.bytes_copied, placed)

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


def _dir_progress(move: PartitionMove, snapshot: ClusterSnapshot) -> tuple[DirMoveProgress, ...]:
    """Where each replica with a planned directory is; an intra-broker move's bytes too."""
    found = []
    intra = set(move.intra_broker)
    for broker, target in move.dir_targets:
        log = snapshot.log_dirs.replica_log(move.partition, broker)
        future = snapshot.log_dirs.replica_log(move.partition, broker, future=True)
        total = copied = 0
        if broker in intra and log is not None:
            total = log.size
            if log.log_dir == target and future is None:
                copied = total
            elif future is not None and future.log_dir == target:
                copied = min(total, future.size)
        found.append(
            DirMoveProgress(
                broker,
                target,
                log.log_dir if log is not None else None,
                future.log_dir if future is not None else None,
                total,
                copied,
            )
        )
    return tuple(found)


def _classify(
    move: PartitionMove,
    snapshot: ClusterSnapshot,
    sent: bool,
    refused: Mapping[TopicPartition, str],
) -> MoveProgress:
    tp = move.partition
    size = snapshot.sizes.size(tp)
    dirs = _dir_progress(move, snapshot)
    total = size * len(move.adding) + sum(d.bytes_total for d in dirs)
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
            tp, state, move.after, replicas, adding, caught_up, reason, total, copied, dirs
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
        ) + sum(d.bytes_copied for d in dirs)
        return result(
            MoveState.MOVING, adding=adding, caught_up=caught_up, copied=min(copied, total)
        )
    if current.replicas == move.after:
        if not all(d.done for d in dirs):
            # the brokers are right; a replica is not in its planned directory yet
            intra = sum(d.bytes_copied for d in dirs)
            return result(MoveState.MOVING, copied=total - sum(d.bytes_total for d in dirs) + intra)
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
