"""Execute, verify and cancel a reassignment plan, owning the throttles it sets.

The three operations of ``kafka-reassign-partitions``, as steps over the
:class:`~confluent_ops.ports.KafkaAdmin` port, with two differences:

- **Throttle ownership.** ``execute`` records the replication throttles in force on the brokers
  and topics it touches before changing them, in a state file the next run finds (by default
  ``<plan>.state.json`` beside the plan, written atomically before any change). ``verify``, once
  no move is in flight, and ``cancel`` restore exactly those values and remove only the
  throttled-replica entries ``execute`` added; then the state file is deleted. Kafka's tool
  clears every throttle instead, including those it did not set.
- **Exit codes from the cluster.** Where each move stands is read from the cluster every time
  (in flight, complete, or neither: failed), so running a step again resumes it: a second
  ``execute`` after a crash reuses the record it finds rather than recording its own throttles
  as the "prior" values.

Every step validates the plan against a fresh snapshot (unknown partitions or brokers are
refused before anything is sent), has a dry run that changes nothing, and reports what it does
as typed events passed to ``emit``; no step prints.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs

from confluent_ops._files import PRIVATE, write_atomically
from confluent_ops.errors import (
    InvalidInput,
    MalformedFile,
    ReassignmentRefused,
    StepStateConflict,
    UnknownBroker,
)
from confluent_ops.model import (
    FOLLOWER_THROTTLED_REPLICAS,
    LEADER_THROTTLED_REPLICAS,
    ClusterAssignment,
    ClusterSnapshot,
    PartitionMove,
    ReassignmentPlan,
    TopicPartition,
)
from confluent_ops.planners.throttle_ownership import (
    RATE_NAMES,
    REPLICA_LIST_NAMES,
    ThrottleChanges,
    ThrottleRecord,
    apply_changes,
    brokers_touched,
    restore_changes,
)
from confluent_ops.ports import KafkaAdmin

__all__ = [
    "CancelResult",
    "Event",
    "ExecuteResult",
    "MoveProgress",
    "MoveState",
    "PartitionsCancelled",
    "PartitionsSubmitted",
    "Reassignment",
    "ReassignmentState",
    "ThrottlesApplied",
    "ThrottlesRecorded",
    "ThrottlesRestored",
    "VerifyResult",
    "default_state_path",
]

STATE_VERSION = 1


# -- events ----------------------------------------------------------------------------------


@attrs.frozen
class ThrottlesRecorded:
    """The throttles in force before this reassignment, stored at ``path`` (or found there)."""

    record: ThrottleRecord
    path: Path
    resumed: bool


@attrs.frozen
class ThrottlesApplied:
    """Throttle changes ``execute`` made (or, in a dry run, would make)."""

    changes: ThrottleChanges
    dry_run: bool


@attrs.frozen
class PartitionsSubmitted:
    """Partitions sent to the cluster to move (or, in a dry run, that would be)."""

    partitions: tuple[TopicPartition, ...]
    dry_run: bool


@attrs.frozen
class PartitionsCancelled:
    """Partitions whose in-flight reassignment was cancelled."""

    partitions: tuple[TopicPartition, ...]
    dry_run: bool


@attrs.frozen
class ThrottlesRestored:
    """The recorded throttles were put back; the state file is gone."""

    changes: ThrottleChanges
    dry_run: bool


class MoveState(enum.Enum):
    """Where one move stands, read from the cluster."""

    DONE = "done"
    MOVING = "moving"
    FAILED = "failed"


@attrs.frozen
class MoveProgress:
    """One partition's move: its target, where it is now, and which new replicas caught up."""

    partition: TopicPartition
    state: MoveState
    target: tuple[int, ...]
    replicas: tuple[int, ...]
    adding: tuple[int, ...] = ()
    caught_up: tuple[int, ...] = ()
    reason: str = ""

    def describe(self) -> str:
        """One line, as ``reassign verify`` prints it."""
        head = f"{self.partition}: {self.state.value} target {list(self.target)}"
        if self.state is MoveState.MOVING:
            waiting = [b for b in self.adding if b not in self.caught_up]
            return (
                f"{head}, replicas now {list(self.replicas)}, in sync "
                f"{list(self.caught_up)} of new {list(self.adding)}"
                + (f", waiting for {waiting}" if waiting else ", completing")
            )
        if self.state is MoveState.FAILED:
            return f"{head}: {self.reason}"
        return head


Event = (
    ThrottlesRecorded
    | ThrottlesApplied
    | PartitionsSubmitted
    | PartitionsCancelled
    | ThrottlesRestored
    | MoveProgress
)


def _ignore(event: Event) -> None:
    """The default event sink."""


# -- results ---------------------------------------------------------------------------------


@attrs.frozen
class ExecuteResult:
    """What ``execute`` did: the partitions it submitted and those already in flight or done."""

    submitted: tuple[TopicPartition, ...]
    already_moving: tuple[TopicPartition, ...]
    already_done: tuple[TopicPartition, ...]
    record: ThrottleRecord
    dry_run: bool


@attrs.frozen
class VerifyResult:
    """Every move's progress and whether this reassignment's throttles are restored."""

    moves: tuple[MoveProgress, ...]
    throttles_restored: bool

    @property
    def exit_code(self) -> int:
        """0 all done and throttles restored, 1 still moving, 2 a move failed."""
        if any(m.state is MoveState.FAILED for m in self.moves):
            return 2
        if any(m.state is MoveState.MOVING for m in self.moves) or not self.throttles_restored:
            return 1
        return 0


@attrs.frozen
class CancelResult:
    """The partitions cancelled, those refused, and whether throttles were restored."""

    cancelled: tuple[TopicPartition, ...]
    refused: Mapping[TopicPartition, str]
    throttles_restored: bool


# -- state kept between runs -----------------------------------------------------------------


def default_state_path(plan_path: str | Path) -> Path:
    """Where a plan's reassignment state lives unless told otherwise: beside the plan."""
    path = Path(plan_path)
    return path.with_name(f"{path.name}.state.json")


@attrs.frozen
class ReassignmentState:
    """What ``execute`` stores for ``verify`` and ``cancel``: the moves and the throttle record.

    The moves keep each partition's replicas from before the reassignment, which the cluster
    no longer shows once a move completes; the throttled-replica entries to remove are derived
    from them.
    """

    plan: ReassignmentPlan
    record: ThrottleRecord

    def dumps(self) -> str:
        document = {
            "version": STATE_VERSION,
            "moves": [
                {
                    "topic": m.partition.topic,
                    "partition": m.partition.partition,
                    "before": list(m.before),
                    "after": list(m.after),
                }
                for m in self.plan
            ],
            "throttles": self.record.to_json(),
        }
        return json.dumps(document, indent=2, sort_keys=True) + "\n"

    @classmethod
    def loads(cls, text: str, *, source: str | None = None) -> ReassignmentState:
        try:
            document = json.loads(text)
            if document.get("version") != STATE_VERSION:
                raise ValueError(f"unsupported version {document.get('version')!r}")
            moves = tuple(
                PartitionMove(
                    TopicPartition(str(m["topic"]), int(m["partition"])),
                    tuple(int(b) for b in m["before"]),
                    tuple(int(b) for b in m["after"]),
                )
                for m in document["moves"]
            )
            record = ThrottleRecord.from_json(document["throttles"], source=source)
        except (ValueError, KeyError, TypeError, AttributeError, InvalidInput) as exc:
            if isinstance(exc, MalformedFile):
                raise
            raise MalformedFile(f"not a reassignment state file ({exc})", path=source) from exc
        return cls(ReassignmentPlan(moves), record)

    def write(self, path: Path) -> None:
        """Write atomically with mode 0600: the record must survive a crash whole or not at all."""
        write_atomically(path, self.dumps(), mode=PRIVATE)

    @classmethod
    def read(cls, path: Path) -> ReassignmentState | None:
        if not path.exists():
            return None
        return cls.loads(path.read_text(encoding="utf-8"), source=str(path))


# -- the step --------------------------------------------------------------------------------


def _original_assignment(snapshot: ClusterSnapshot) -> ClusterAssignment:
    """Replicas as they were before any in-flight reassignment (adding replicas left out)."""
    return ClusterAssignment({tp: p.original_replicas for tp, p in snapshot.partitions.items()})


class Reassignment:
    """A reassignment plan (Kafka's JSON) to run against one cluster, with its state file.

    ``plan_text`` is read against the cluster as it is: partitions it names must exist, and the
    brokers it places replicas on must be live, or :class:`~confluent_ops.errors.InvalidInput`
    is raised before anything is sent.
    """

    def __init__(
        self,
        admin: KafkaAdmin,
        plan_text: str,
        *,
        state_path: Path,
        source: str | None = None,
        emit: Callable[[Event], None] = _ignore,
    ) -> None:
        self.admin = admin
        self.plan_text = plan_text
        self.state_path = state_path
        self.source = source
        self.emit = emit

    def _read_plan(self, snapshot: ClusterSnapshot) -> ReassignmentPlan:
        plan = ReassignmentPlan.from_kafka_json(
            self.plan_text, _original_assignment(snapshot), source=self.source
        )
        if not plan.moves:
            raise InvalidInput("the plan moves no partition")
        live = set(snapshot.broker_ids)
        for move in plan:
            for broker in move.after:
                if broker not in live:
                    raise UnknownBroker(broker, f"the plan places partition {move.partition} there")
        return plan

    def _state(self, plan: ReassignmentPlan) -> ReassignmentState | None:
        state = ReassignmentState.read(self.state_path)
        if state is None:
            return None
        stored = {m.partition: m.after for m in state.plan}
        wanted = {m.partition: m.after for m in plan}
        if stored != wanted:
            raise StepStateConflict(
                str(self.state_path),
                "holds the state of a different plan; finish it (reassign verify/cancel with "
                "that plan) or pass another --state",
            )
        return state

    def execute(self, *, throttle: int | None = None, dry_run: bool = False) -> ExecuteResult:
        """Record throttles, set them, and submit every move that is not in flight or done."""
        if throttle is not None and throttle <= 0:
            raise InvalidInput(f"--throttle must be a positive number of bytes/s, not {throttle}")
        snapshot = self.admin.snapshot(sizes=False)
        plan = self._read_plan(snapshot)
        state = self._state(plan)
        moving, done, submit = [], [], []
        for move in plan:
            current = snapshot.partition(move.partition)
            if current.reassigning:
                if current.target_replicas != move.after:
                    raise InvalidInput(
                        f"partition {move.partition} is already being reassigned to "
                        f"{list(current.target_replicas)} by someone else; cancel that first"
                    )
                moving.append(move.partition)
            elif current.replicas == move.after:
                done.append(move.partition)
            else:
                submit.append(move)
        if state is not None:
            plan = state.plan
            record = attrs.evolve(state.record, rate=throttle or state.record.rate)
            resumed = True
        else:
            touched = brokers_touched(plan)
            topics = sorted({m.partition.topic for m in plan})
            record = ThrottleRecord.observe(
                self.admin.broker_configs(touched, RATE_NAMES),
                self.admin.topic_configs(topics, REPLICA_LIST_NAMES),
                rate=throttle,
            )
            resumed = False
        if not dry_run:
            ReassignmentState(plan, record).write(self.state_path)
        self.emit(ThrottlesRecorded(record, self.state_path, resumed))
        current_lists = {
            topic: {
                LEADER_THROTTLED_REPLICAS: topic_state.leader_throttled_replicas,
                FOLLOWER_THROTTLED_REPLICAS: topic_state.follower_throttled_replicas,
            }
            for topic, topic_state in snapshot.topics.items()
        }
        # Nothing left to copy (every move done): no throttle is needed, so none is set.
        changes = (
            apply_changes(plan, record, current_lists) if submit or moving else ThrottleChanges()
        )
        if not dry_run:
            self.admin.alter_broker_configs(changes.brokers)
            self.admin.alter_topic_configs(changes.topics)
        self.emit(ThrottlesApplied(changes, dry_run))
        submitted = tuple(m.partition for m in submit)
        if submit and not dry_run:
            outcome = self.admin.alter_reassignments({m.partition: m.after for m in submit})
            refused = {str(tp): why for tp, why in outcome.items() if why is not None}
            if refused:
                if len(refused) == len(submit) and not moving:
                    self._restore(plan, record, dry_run=False)
                raise ReassignmentRefused(refused)
        self.emit(PartitionsSubmitted(submitted, dry_run))
        return ExecuteResult(submitted, tuple(moving), tuple(done), record, dry_run)

    def _progress(
        self, snapshot: ClusterSnapshot, plan: ReassignmentPlan
    ) -> tuple[MoveProgress, ...]:
        moves = []
        for move in plan:
            current = snapshot.partitions.get(move.partition)
            if current is None:
                progress = MoveProgress(
                    move.partition, MoveState.FAILED, move.after, (), reason="partition is gone"
                )
            elif current.reassigning:
                progress = MoveProgress(
                    move.partition,
                    MoveState.MOVING,
                    move.after,
                    current.replicas,
                    current.adding,
                    tuple(b for b in current.adding if b in current.isr),
                )
            elif current.replicas == move.after:
                progress = MoveProgress(
                    move.partition, MoveState.DONE, move.after, current.replicas
                )
            elif set(move.after) < set(current.replicas):
                # The controller has finished the move but this broker's metadata still lists
                # the removed replicas: completing, not failed (the next read settles it).
                adding = tuple(b for b in move.after if b not in move.before)
                progress = MoveProgress(
                    move.partition,
                    MoveState.MOVING,
                    move.after,
                    current.replicas,
                    adding,
                    tuple(b for b in adding if b in current.isr),
                )
            else:
                progress = MoveProgress(
                    move.partition,
                    MoveState.FAILED,
                    move.after,
                    current.replicas,
                    reason=(
                        f"no reassignment in flight and replicas are {list(current.replicas)}: "
                        "the move was refused, cancelled or never started"
                    ),
                )
            self.emit(progress)
            moves.append(progress)
        return tuple(moves)

    def verify(self, *, dry_run: bool = False) -> VerifyResult:
        """Each move's progress; once none is in flight, restore the recorded throttles."""
        snapshot = self.admin.snapshot(sizes=False)
        plan = self._read_plan(snapshot)
        state = self._state(plan)
        if state is not None:
            plan = state.plan
        moves = self._progress(snapshot, plan)
        restored = state is None
        if state is not None and not any(m.state is MoveState.MOVING for m in moves):
            self._restore(plan, state.record, dry_run=dry_run, snapshot=snapshot)
            restored = not dry_run
        return VerifyResult(moves, restored)

    def cancel(self, *, dry_run: bool = False) -> CancelResult:
        """Cancel this plan's in-flight moves and restore the recorded throttles."""
        snapshot = self.admin.snapshot(sizes=False)
        plan = self._read_plan(snapshot)
        state = self._state(plan)
        if state is not None:
            plan = state.plan
        in_flight = tuple(
            m.partition
            for m in plan
            if (p := snapshot.partitions.get(m.partition)) is not None and p.reassigning
        )
        refused: dict[TopicPartition, str] = {}
        if in_flight and not dry_run:
            outcome = self.admin.alter_reassignments(dict.fromkeys(in_flight))
            refused = {tp: why for tp, why in outcome.items() if why is not None}
        cancelled = tuple(tp for tp in in_flight if tp not in refused)
        self.emit(PartitionsCancelled(cancelled, dry_run))
        restored = state is None
        if state is not None and not refused:
            self._restore(plan, state.record, dry_run=dry_run)
            restored = not dry_run
        return CancelResult(cancelled, refused, restored)

    def _restore(
        self,
        plan: ReassignmentPlan,
        record: ThrottleRecord,
        *,
        dry_run: bool,
        snapshot: ClusterSnapshot | None = None,
    ) -> None:
        """Put the recorded throttles back, then (and only then) delete the state file."""
        if snapshot is None:
            snapshot = self.admin.snapshot(sizes=False)
        current = {
            topic: {
                LEADER_THROTTLED_REPLICAS: t.leader_throttled_replicas,
                FOLLOWER_THROTTLED_REPLICAS: t.follower_throttled_replicas,
            }
            for topic, t in snapshot.topics.items()
        }
        changes = restore_changes(plan, record, current)
        live = set(snapshot.broker_ids)
        if not dry_run:
            self.admin.alter_broker_configs({b: c for b, c in changes.brokers.items() if b in live})
            self.admin.alter_topic_configs(
                {t: c for t, c in changes.topics.items() if t in snapshot.topics}
            )
            self.state_path.unlink(missing_ok=True)
        self.emit(ThrottlesRestored(changes, dry_run))
