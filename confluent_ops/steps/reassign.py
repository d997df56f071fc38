"""Execute, verify and cancel a reassignment plan in waves, owning the throttles it sets.

The three operations of ``kafka-reassign-partitions``, as a step over the
:class:`~confluent_ops.ports.KafkaAdmin` port, with three differences:

- **Waves.** Kafka's tool submits every move at once; a real plan of thousands of moves then
  copies everything in parallel, starving clients. Here at most ``concurrency`` copies run into
  or out of any broker (the busiest brokers' moves first,
  :func:`~confluent_ops.planners.execution.next_wave`), and a move starts as soon as its brokers
  have a free slot. ``execute`` runs until every move is
  done (or, with ``wait=False``, starts what fits now and returns; running it again carries on).
- **Throttle ownership.** Before changing anything, ``execute`` records the replication
  throttles in force on the brokers and topics it touches in the step's state (by default
  ``<plan>.state.json`` beside the plan, written atomically, mode 0600). While moves run, the
  throttled-replica lists cover exactly the moves in flight. Once nothing moves, the recorded
  values are put back on every broker, and the state is removed only when every broker we
  touched has had its values restored: a broker that is down at that moment keeps the record
  (and ``verify`` keeps exiting 1, naming it) until a later run finishes the job. Kafka's tool
  clears every throttle instead, including those it did not set, and forgets the down ones.
- **Where it stands is read from the cluster.** Every run classifies each move from a fresh
  snapshot (done, moving, waiting, failed; bytes caught up from the replicas' log sizes), so
  running a step again after Ctrl-C, SIGKILL or a crash resumes it.

A plan that names log directories (Kafka's ``log_dirs``, on brokers with several: JBOD) is run
as Kafka's tool runs it: each new replica's directory is sent (``AlterReplicaLogDirs``) before
its move starts and again until its broker hosts it (the broker notes the directory and creates
the replica there), and a replica that stays on its broker but changes directory is sent there
(the broker copies it into a *future* replica and swaps it in). A move is done once its
replicas are on their brokers and in their directories with no copy left. The intra-broker copy
throttle (``--dir-throttle``, Kafka's ``replica.alter.log.dirs.io.max.bytes.per.second``) is
recorded and restored like the replication throttle.

Every step validates the plan before anything is sent (its JSON before the cluster is even
reached, then partitions and brokers against a fresh snapshot), has a dry run that changes
nothing and says what it would do, and reports what it does as typed events passed to
``emit``; no step prints.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import attrs

from confluent_ops.errors import (
    InvalidInput,
    LogDirUnavailable,
    MalformedFile,
    StepStateConflict,
    UnknownBroker,
    WaitTimedOut,
)
from confluent_ops.model import (
    FOLLOWER_THROTTLED_REPLICAS,
    LEADER_THROTTLED_REPLICAS,
    ClusterAssignment,
    ClusterSnapshot,
    FrozenDict,
    PartitionMove,
    ReassignmentPlan,
    TopicPartition,
)
from confluent_ops.model._json import MAX_SIGNED_64, load_json_object
from confluent_ops.planners.execution import next_wave
from confluent_ops.planners.progress import (
    DirMoveProgress,
    MoveProgress,
    MoveState,
    ReassignmentProgress,
    reassignment_progress,
    seconds_to_next_done,
)
from confluent_ops.planners.throttle_ownership import (
    DIR_RATE_NAMES,
    RATE_NAMES,
    REPLICA_LIST_NAMES,
    ThrottleChanges,
    ThrottleRecord,
    brokers_touched,
    dir_throttle_changes,
    in_flight_changes,
    restore_changes,
)
from confluent_ops.ports import KafkaAdmin, StepState
from confluent_ops.steps._waits import step_policy
from confluent_ops.steps.events import StepWaiting
from confluent_ops.steps.state import FileStepState
from confluent_ops.waiting import Check, WaitPolicy, wait_for

__all__ = [
    "DEFAULT_CONCURRENCY",
    "CancelResult",
    "DirMoveProgress",
    "Event",
    "ExecuteResult",
    "LogDirMovesCancelled",
    "LogDirsRequested",
    "MoveProgress",
    "MoveState",
    "PartitionsCancelled",
    "PartitionsRefused",
    "PartitionsSubmitted",
    "ProgressReported",
    "Reassignment",
    "ReassignmentProgress",
    "ReassignmentState",
    "ThrottlesApplied",
    "ThrottlesRecorded",
    "ThrottlesRestored",
    "VerifyResult",
    "default_state_path",
]

STATE_VERSION = 2
DEFAULT_CONCURRENCY = 5
"""Copies in flight per broker (in and out) unless told otherwise: Cruise Control's default."""

PlanInput = str | ReassignmentPlan | ClusterAssignment


# -- events ----------------------------------------------------------------------------------

_SHOWN = 10


def _listed(items: tuple[object, ...]) -> str:
    shown = ", ".join(str(item) for item in items[:_SHOWN])
    return shown + (f" (+{len(items) - _SHOWN} more)" if len(items) > _SHOWN else "")


def _verb(dry_run: bool, would: str, did: str) -> str:
    return would if dry_run else did


class _Event:
    """What the reassignment's events share with every step event (``steps.events``)."""

    step = "reassign"
    kind = "event"

    def describe(self) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "kind": self.kind, "text": self.describe()}


@attrs.frozen
class ThrottlesRecorded(_Event):
    """The throttles in force before this reassignment, kept at ``location`` (or found there)."""

    record: ThrottleRecord
    location: str
    resumed: bool
    dry_run: bool = False
    kind = "throttles-recorded"

    def describe(self) -> str:
        if self.resumed:
            return f"resuming: the throttles in force before were recorded in {self.location}"
        verb = _verb(self.dry_run, "would record", "recorded")
        return f"{verb} the throttles in force in {self.location}"


@attrs.frozen
class ThrottlesApplied(_Event):
    """Throttle changes made (or, in a dry run, that would be made) for the moves in flight."""

    changes: ThrottleChanges
    dry_run: bool
    kind = "throttles-applied"

    def describe(self) -> str:
        verb = _verb(self.dry_run, "would set", "set")
        return (
            f"{verb} throttles on brokers {sorted(self.changes.brokers)} and topics "
            f"{sorted(self.changes.topics)}"
        )


@attrs.frozen
class PartitionsSubmitted(_Event):
    """A wave: partitions sent to the cluster to move (or, in a dry run, that would be)."""

    partitions: tuple[TopicPartition, ...]
    dry_run: bool
    kind = "partitions-submitted"

    def describe(self) -> str:
        verb = _verb(self.dry_run, "would start", "started")
        return f"{verb} {len(self.partitions)} partition move(s): {_listed(self.partitions)}"


Replica = tuple[TopicPartition, int]


def _replicas(replicas: tuple[Replica, ...]) -> str:
    return _listed(tuple(f"{tp} on broker {b}" for tp, b in replicas))


@attrs.frozen
class LogDirsRequested(_Event):
    """Replicas sent (or, in a dry run, that would be) to their planned log directories.

    ``pending`` are those their broker does not host yet: it noted the directory, creates the
    replica there when it arrives, and is asked again until it hosts it.
    """

    replicas: tuple[Replica, ...]
    pending: tuple[Replica, ...]
    dry_run: bool
    kind = "log-dirs-requested"

    def describe(self) -> str:
        verb = _verb(self.dry_run, "would place", "placed")
        text = f"{verb} {len(self.replicas)} replica(s) in their planned log dirs"
        if self.pending:
            text += f" ({len(self.pending)} not on their broker yet: asked again until they are)"
        return text


@attrs.frozen
class LogDirMovesCancelled(_Event):
    """Intra-broker copies of this plan stopped (or, in a dry run, that would be)."""

    replicas: tuple[Replica, ...]
    dry_run: bool
    kind = "log-dir-moves-cancelled"

    def describe(self) -> str:
        verb = _verb(self.dry_run, "would stop", "stopped")
        return f"{verb} {len(self.replicas)} copy(ies) between log dirs: {_replicas(self.replicas)}"


@attrs.frozen
class PartitionsRefused(_Event):
    """Partitions of a wave the cluster refused, each with its reason."""

    reasons: Mapping[TopicPartition, str]
    kind = "partitions-refused"

    def describe(self) -> str:
        return "; ".join(f"{tp}: refused: {why}" for tp, why in self.reasons.items())


@attrs.frozen
class ProgressReported(_Event):
    """Where every move stands now (counts, bytes caught up, each move)."""

    progress: ReassignmentProgress
    kind = "progress"
    what = "moves"

    @property
    def done(self) -> int:
        return self.progress.done + self.progress.failed

    @property
    def total(self) -> int:
        return len(self.progress.moves)

    @property
    def figures(self) -> Mapping[str, float]:
        p = self.progress
        return {
            "moving": float(p.moving),
            "waiting": float(p.waiting),
            "failed": float(p.failed),
            "bytes_copied": float(p.bytes_copied),
            "bytes_total": float(p.bytes_total),
        }

    def describe(self) -> str:
        return f"progress: {self.progress.summary()}"

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "what": self.what,
            "done": self.done,
            "total": self.total,
            "figures": dict(self.figures),
        }


@attrs.frozen
class PartitionsCancelled(_Event):
    """Partitions whose in-flight reassignment was (or would be) cancelled."""

    partitions: tuple[TopicPartition, ...]
    dry_run: bool
    kind = "partitions-cancelled"

    def describe(self) -> str:
        verb = _verb(self.dry_run, "would cancel", "cancelled")
        return f"{verb} {len(self.partitions)} partition move(s)"


@attrs.frozen
class ThrottlesRestored(_Event):
    """Recorded throttles put back (or, in a dry run, that would be); ``pending`` brokers wait.

    ``pending`` are brokers we touched that are down: their values are restored by a later
    run, and until then the state is kept.
    """

    changes: ThrottleChanges
    pending: tuple[int, ...]
    dry_run: bool
    kind = "throttles-restored"

    def describe(self) -> str:
        verb = _verb(self.dry_run, "would restore", "restored")
        text = f"{verb} the throttles in force before execute"
        if self.pending:
            text += (
                f"; brokers {list(self.pending)} are down and still hold our throttles: "
                "run `reassign verify` again once they are back"
            )
        return text


Event = (
    ThrottlesRecorded
    | ThrottlesApplied
    | PartitionsSubmitted
    | LogDirsRequested
    | LogDirMovesCancelled
    | PartitionsRefused
    | ProgressReported
    | StepWaiting
    | PartitionsCancelled
    | ThrottlesRestored
)


def _ignore(event: Event) -> None:
    """The default event sink."""


# -- results ---------------------------------------------------------------------------------


@attrs.frozen
class VerifyResult:
    """Every move's progress, and whether this reassignment's throttles are all restored.

    ``pending`` names the brokers whose recorded throttles still wait to be restored (they were
    down): the state is kept until they are.
    """

    progress: ReassignmentProgress
    throttles_restored: bool
    pending: tuple[int, ...] = ()

    @property
    def moves(self) -> tuple[MoveProgress, ...]:
        return self.progress.moves

    @property
    def exit_code(self) -> int:
        """0 all done and throttles restored, 1 still moving (or restoring), 2 a move failed."""
        if self.progress.failed:
            return 2
        if not self.progress.finished or not self.throttles_restored:
            return 1
        return 0


@attrs.frozen
class ExecuteResult(VerifyResult):
    """What ``execute`` did: the partitions it submitted in this run, and where all stand."""

    submitted: tuple[TopicPartition, ...] = ()
    record: ThrottleRecord | None = None
    dry_run: bool = False

    @property
    def already_moving(self) -> tuple[TopicPartition, ...]:
        return tuple(
            m.partition
            for m in self.progress.in_state(MoveState.MOVING)
            if m.partition not in self.submitted
        )

    @property
    def already_done(self) -> tuple[TopicPartition, ...]:
        return tuple(m.partition for m in self.progress.in_state(MoveState.DONE))


@attrs.frozen
class CancelResult:
    """The partitions cancelled, those refused, and whether throttles were restored.

    ``dirs_cancelled`` are the replicas whose copy into another log directory was stopped.
    """

    cancelled: tuple[TopicPartition, ...]
    refused: Mapping[TopicPartition, str]
    throttles_restored: bool
    pending: tuple[int, ...] = ()
    dirs_cancelled: tuple[Replica, ...] = ()

    @property
    def exit_code(self) -> int:
        """0 cancelled and restored, 1 throttles still to restore (a broker is down), 2 refused."""
        if self.refused:
            return 2
        return 0 if self.throttles_restored else 1


# -- state kept between runs -----------------------------------------------------------------


def default_state_path(plan_path: str | os.PathLike[str]) -> Path:
    """Where a plan's reassignment state lives unless told otherwise: beside the plan."""
    path = Path(plan_path)
    return path.with_name(f"{path.name}.state.json")


def _partitions(values: Collection[TopicPartition]) -> frozenset[TopicPartition]:
    return frozenset(values)


def _ids(values: Collection[int]) -> frozenset[int]:
    return frozenset(values)


def _names(values: Collection[str]) -> frozenset[str]:
    return frozenset(values)


def _reasons(values: Mapping[TopicPartition, str]) -> FrozenDict[TopicPartition, str]:
    return FrozenDict(sorted(values.items(), key=lambda kv: (kv[0].topic, kv[0].partition)))


@attrs.frozen
class ReassignmentState:
    """What a reassignment keeps between runs.

    The moves keep each partition's replicas from before the reassignment, which the cluster
    no longer shows once a move completes; the throttle record; the moves submitted so far and
    those the cluster refused; and, once restoring has begun, the brokers and topics whose
    recorded throttles are back.
    """

    plan: ReassignmentPlan
    record: ThrottleRecord
    concurrency: int = DEFAULT_CONCURRENCY
    submitted: frozenset[TopicPartition] = attrs.field(factory=frozenset, converter=_partitions)
    refused: Mapping[TopicPartition, str] = attrs.field(factory=FrozenDict, converter=_reasons)
    restored_brokers: frozenset[int] = attrs.field(factory=frozenset, converter=_ids)
    restored_topics: frozenset[str] = attrs.field(factory=frozenset, converter=_names)

    def dumps(self) -> str:
        document = {
            "version": STATE_VERSION,
            "moves": [_move_json(m) for m in self.plan],
            "throttles": self.record.to_json(),
            "concurrency": self.concurrency,
            "submitted": sorted(str(tp) for tp in self.submitted),
            "refused": {str(tp): why for tp, why in self.refused.items()},
            "restored": {
                "brokers": sorted(self.restored_brokers),
                "topics": sorted(self.restored_topics),
            },
        }
        return json.dumps(document, indent=2, sort_keys=True) + "\n"

    @classmethod
    def loads(cls, text: str, *, source: str | None = None) -> ReassignmentState:
        """Read :meth:`dumps`'s form (version 1, from before waves, too: all moves submitted)."""
        document = load_json_object(text, source=source, what="a reassignment state file")
        version = document.get("version")
        try:
            if version not in (1, STATE_VERSION) or isinstance(version, bool):
                raise ValueError(f"unsupported version {version!r}")
            moves = tuple(_move_from_json(m) for m in document["moves"])
            record = ThrottleRecord.from_json(document["throttles"], source=source)
            if version == 1:
                return cls(ReassignmentPlan(moves), record, submitted={m.partition for m in moves})
            restored = document.get("restored") or {}
            concurrency = int(document.get("concurrency", DEFAULT_CONCURRENCY))
            if concurrency < 1:
                raise ValueError(f"concurrency {concurrency}")
            return cls(
                ReassignmentPlan(moves),
                record,
                concurrency=concurrency,
                submitted={TopicPartition.parse(str(t)) for t in document.get("submitted", ())},
                refused={
                    TopicPartition.parse(str(t)): str(why)
                    for t, why in dict(document.get("refused", {})).items()
                },
                restored_brokers={int(b) for b in restored.get("brokers", ())},
                restored_topics={str(t) for t in restored.get("topics", ())},
            )
        except MalformedFile:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, InvalidInput) as exc:
            raise MalformedFile(f"not a reassignment state file ({exc})", path=source) from exc


def _move_json(move: PartitionMove) -> dict[str, object]:
    entry: dict[str, object] = {
        "topic": move.partition.topic,
        "partition": move.partition.partition,
        "before": list(move.before),
        "after": list(move.after),
    }
    if move.log_dirs:
        entry["log_dirs"] = list(move.log_dirs)
    if move.log_dirs_before:
        entry["log_dirs_before"] = list(move.log_dirs_before)
    return entry


def _move_from_json(entry: Mapping[str, Any]) -> PartitionMove:
    """A move as :func:`_move_json` wrote it; states from before log dirs have none."""
    return PartitionMove(
        TopicPartition(str(entry["topic"]), int(entry["partition"])),
        tuple(int(b) for b in entry["before"]),
        tuple(int(b) for b in entry["after"]),
        tuple(_text(d) for d in entry.get("log_dirs", ())),
        tuple(_text(d) for d in entry.get("log_dirs_before", ())),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"a log dir must be a string, not {type(value).__name__}")
    return value


# -- the step --------------------------------------------------------------------------------


def _original_assignment(snapshot: ClusterSnapshot) -> ClusterAssignment:
    """Replicas as they were before any in-flight reassignment (adding replicas left out)."""
    return ClusterAssignment({tp: p.original_replicas for tp, p in snapshot.partitions.items()})


def _targets(
    plan: PlanInput, source: str | None
) -> tuple[ClusterAssignment, FrozenDict[TopicPartition, tuple[str, ...]]]:
    """The target replica list of every partition the plan moves, and the partitions' planned
    log dirs (aligned with their targets), read without a cluster."""
    dirs: FrozenDict[TopicPartition, tuple[str, ...]] = FrozenDict()
    if isinstance(plan, str):
        targets, dirs = ReassignmentPlan.targets_from_kafka_json(plan, source=source)
    elif isinstance(plan, ReassignmentPlan):
        targets, dirs = plan.targets(), plan.target_log_dirs()
    else:
        targets = plan
    if not len(targets):
        raise InvalidInput("the plan moves no partition")
    return targets, dirs


def _check_log_dirs(plan: ReassignmentPlan, snapshot: ClusterSnapshot) -> None:
    """Refuse, before any change, a directory its broker does not report online."""
    for move in plan:
        for broker, path in move.dir_targets:
            dirs = {d.path: d for d in snapshot.log_dirs.dirs_of(broker)}
            found = dirs.get(path)
            if found is None:
                raise LogDirUnavailable(
                    str(move.partition),
                    broker,
                    path,
                    f"broker {broker} has no such log dir (it has {', '.join(sorted(dirs))})",
                )
            if not found.online:
                raise LogDirUnavailable(
                    str(move.partition), broker, path, f"it is offline ({found.error})"
                )


def _topic_lists(snapshot: ClusterSnapshot) -> dict[str, dict[str, str | None]]:
    return {
        topic: {
            LEADER_THROTTLED_REPLICAS: t.leader_throttled_replicas,
            FOLLOWER_THROTTLED_REPLICAS: t.follower_throttled_replicas,
        }
        for topic, t in snapshot.topics.items()
    }


def _check_throttle(throttle: int | None) -> None:
    if throttle is not None and not 0 < throttle <= MAX_SIGNED_64:
        raise InvalidInput(f"the throttle must be 1..{MAX_SIGNED_64} bytes/s, not {throttle}")


def _check_concurrency(concurrency: int) -> None:
    if concurrency < 1:
        raise InvalidInput(f"concurrency must be at least 1, not {concurrency}")


class Reassignment:
    """A reassignment plan to run against one cluster, with the state that lets it resume.

    ``plan`` is Kafka's reassignment JSON (text), a :class:`ReassignmentPlan` or the
    :class:`ClusterAssignment` of target replica lists; its JSON is checked at once, before any
    cluster is reached. ``state`` is where progress is kept (a :class:`StepState`, or a path
    for a :class:`FileStepState`). ``policy`` says how ``execute`` waits between waves: it gives
    up only when no byte and no move has progressed for ``policy.stall`` seconds.
    """

    def __init__(
        self,
        admin: KafkaAdmin,
        plan: PlanInput,
        *,
        state: StepState | str | os.PathLike[str] | None = None,
        state_path: str | os.PathLike[str] | None = None,
        source: str | None = None,
        emit: Callable[[Event], None] = _ignore,
        policy: WaitPolicy | None = None,
    ) -> None:
        chosen = state if state is not None else state_path
        if chosen is None:
            raise InvalidInput("a reassignment needs a state (a StepState or a path)")
        self.state: StepState = chosen if isinstance(chosen, StepState) else FileStepState(chosen)
        self.admin = admin
        self.source = source
        self.targets, self.target_dirs = _targets(plan, source)
        self.emit = emit
        self.policy = policy or step_policy(interval=1.0)

    @classmethod
    def resume(
        cls,
        admin: KafkaAdmin,
        state: StepState,
        *,
        emit: Callable[[Event], None] = _ignore,
        policy: WaitPolicy | None = None,
    ) -> Reassignment:
        """The reassignment kept in ``state`` (one a previous run started), to carry on with."""
        text = state.load()
        if text is None:
            raise InvalidInput(f"{state.location} holds no reassignment to resume")
        stored = ReassignmentState.loads(text, source=state.location)
        return cls(admin, stored.plan, state=state, emit=emit, policy=policy)

    @property
    def state_path(self) -> Path | None:
        """The state file's path when the state is a file."""
        return self.state.path if isinstance(self.state, FileStepState) else None

    # -- reading ---------------------------------------------------------------------------

    def _plan(self, snapshot: ClusterSnapshot) -> ReassignmentPlan:
        plan = ReassignmentPlan.from_targets(
            self.targets,
            _original_assignment(snapshot),
            target_dirs=self.target_dirs,
            log_dirs=snapshot.log_dirs if self.target_dirs else None,
        )
        live = set(snapshot.broker_ids)
        for move in plan:
            for broker in move.after:
                if broker not in live:
                    raise UnknownBroker(broker, f"the plan places partition {move.partition} there")
        _check_log_dirs(plan, snapshot)
        return plan

    def _load(self) -> ReassignmentState | None:
        text = self.state.load()
        if text is None:
            return None
        state = ReassignmentState.loads(text, source=self.state.location)
        same_targets = {m.partition: m.after for m in state.plan} == dict(self.targets.partitions)
        if not same_targets or state.plan.target_log_dirs() != self.target_dirs:
            raise StepStateConflict(
                self.state.location,
                "holds the state of a different plan; finish it (reassign verify/cancel with "
                "that plan) or pass another --state",
            )
        return state

    def _observe(self, snapshot: ClusterSnapshot, state: ReassignmentState) -> ReassignmentProgress:
        progress = reassignment_progress(
            state.plan, snapshot, submitted=state.submitted, refused=state.refused
        )
        self.emit(ProgressReported(progress))
        return progress

    # -- execute ---------------------------------------------------------------------------

    def execute(
        self,
        *,
        throttle: int | None = None,
        concurrency: int | None = None,
        dry_run: bool = False,
        wait: bool = True,
        dir_throttle: int | None = None,
    ) -> ExecuteResult:
        """Record throttles, then start moves in waves until every move is done.

        ``concurrency`` (default: the state's, or :data:`DEFAULT_CONCURRENCY`) caps the copies
        in flight per broker. With ``wait=False`` one wave is started and the call returns;
        running ``execute`` again starts the next when there is room. ``dir_throttle`` (bytes
        per second) limits the copies between log directories on every broker the plan
        places replicas on in named directories. A dry run changes nothing and says, in its
        events, what the first wave would be.
        """
        _check_throttle(throttle)
        _check_throttle(dir_throttle)
        if concurrency is not None:
            _check_concurrency(concurrency)
        snapshot = self.admin.snapshot()
        state = self._load()
        plan = state.plan if state is not None else self._plan(snapshot)
        self._refuse_foreign_moves(plan, snapshot)
        resumed = state is not None
        if state is None:
            state = self._new_state(plan, snapshot, throttle, concurrency, dir_throttle)
        else:
            state = attrs.evolve(
                state,
                record=attrs.evolve(
                    state.record,
                    rate=throttle or state.record.rate,
                    dir_rate=dir_throttle or state.record.dir_rate,
                ),
                concurrency=concurrency or state.concurrency,
            )
        if not dry_run:
            self.state.save(state.dumps())
        self.emit(ThrottlesRecorded(state.record, self.state.location, resumed, dry_run))
        self._set_dir_throttle(snapshot, state, dry_run=dry_run)
        submitted: list[TopicPartition] = []
        if dry_run:
            preview = self._advance(snapshot, state, submitted, dry_run=True)
            return self._result(preview, state, submitted, dry_run=True)
        outcomes = [self._advance(snapshot, state, submitted, dry_run=False)]
        if wait and not outcomes[-1][0].finished:

            def look() -> Check[None]:
                seen = self._advance(
                    self.admin.snapshot(), outcomes[-1][1], submitted, dry_run=False
                )
                outcomes.append(seen)
                soon = seconds_to_next_done(seen[0], seen[1].record.rate)
                return Check(seen[0].finished, None, seen[0].figure, _blocker(seen[0]), soon)

            def waiting(check: Check[None], seconds: float) -> None:
                self.emit(StepWaiting("reassign", "the moves", check.blocker, seconds))

            try:
                wait_for(
                    look, policy=self.policy, what="the reassignment to progress", on_wait=waiting
                )
            except WaitTimedOut as exc:
                raise WaitTimedOut(
                    exc.what,
                    f"{exc.blocker}; the moves in flight keep their throttles: run `reassign "
                    "execute` again to carry on, or `reassign cancel` to stop and restore them",
                    waited=exc.waited,
                    stalled=exc.stalled,
                ) from exc
        return self._result(outcomes[-1], outcomes[-1][1], submitted, dry_run=False)

    def _result(
        self,
        outcome: tuple[ReassignmentProgress, ReassignmentState, tuple[int, ...]],
        state: ReassignmentState,
        submitted: list[TopicPartition],
        *,
        dry_run: bool,
    ) -> ExecuteResult:
        progress, _, pending = outcome
        restored = progress.finished and not pending and not dry_run
        return ExecuteResult(
            progress,
            restored,
            pending,
            submitted=tuple(submitted),
            record=state.record,
            dry_run=dry_run,
        )

    def _new_state(
        self,
        plan: ReassignmentPlan,
        snapshot: ClusterSnapshot,
        throttle: int | None,
        concurrency: int | None,
        dir_throttle: int | None,
    ) -> ReassignmentState:
        """Record the throttles in force on the live brokers and topics the plan touches.

        With planned log dirs, the intra-broker copy throttle of the brokers they are on is
        recorded too, whether or not ``dir_throttle`` is given now (a later run may give it).
        """
        live = set(snapshot.broker_ids)
        touched = [b for b in brokers_touched(plan) if b in live]
        topics = sorted({m.partition.topic for m in plan})
        dir_brokers = sorted({b for m in plan for b, _ in m.dir_targets if b in live})
        names = (*RATE_NAMES, *DIR_RATE_NAMES) if dir_brokers else RATE_NAMES
        record = ThrottleRecord.observe(
            self.admin.broker_configs(touched, names),
            self.admin.topic_configs(topics, REPLICA_LIST_NAMES),
            rate=throttle,
            dir_brokers=dir_brokers,
            dir_rate=dir_throttle,
        )
        return ReassignmentState(plan, record, concurrency or DEFAULT_CONCURRENCY)

    def _set_dir_throttle(
        self, snapshot: ClusterSnapshot, state: ReassignmentState, *, dry_run: bool
    ) -> None:
        """Set the recorded intra-broker copy throttle on the live brokers that get it."""
        live = set(snapshot.broker_ids)
        changes = dir_throttle_changes(state.record)
        changes = ThrottleChanges({b: c for b, c in changes.brokers.items() if b in live})
        if changes:
            if not dry_run:
                self.admin.alter_broker_configs(changes.brokers)
            self.emit(ThrottlesApplied(changes, dry_run))

    def _refuse_foreign_moves(self, plan: ReassignmentPlan, snapshot: ClusterSnapshot) -> None:
        """Refuse, before any change, a plan whose partitions someone else is reassigning."""
        for move in plan:
            current = snapshot.partitions.get(move.partition)
            if (
                current is not None
                and current.reassigning
                and current.target_replicas != move.after
            ):
                raise InvalidInput(
                    f"partition {move.partition} is already being reassigned to "
                    f"{list(current.target_replicas)} by someone else; cancel that first"
                )

    def _advance(
        self,
        snapshot: ClusterSnapshot,
        state: ReassignmentState,
        submitted: list[TopicPartition],
        *,
        dry_run: bool,
    ) -> tuple[ReassignmentProgress, ReassignmentState, tuple[int, ...]]:
        """One pass: throttle what is in flight, start the next wave, send the replicas of the
        moves under way to their planned log dirs, restore once finished."""
        progress = self._observe(snapshot, state)
        if not progress.finished:
            progress, state = self._start_wave(snapshot, state, progress, submitted, dry_run)
            self._place_in_dirs(state, progress, dry_run=dry_run)
        if progress.finished:
            return progress, state, self._restore(snapshot, state, dry_run=dry_run)
        return progress, state, ()

    def _start_wave(
        self,
        snapshot: ClusterSnapshot,
        state: ReassignmentState,
        progress: ReassignmentProgress,
        submitted: list[TopicPartition],
        dry_run: bool,
    ) -> tuple[ReassignmentProgress, ReassignmentState]:
        """Throttle exactly the moves in flight and the next wave, then start that wave."""
        by_partition = {m.partition: m for m in state.plan}
        in_flight = [by_partition[m.partition] for m in progress.in_state(MoveState.MOVING)]
        waiting = [by_partition[m.partition] for m in progress.in_state(MoveState.WAITING)]
        wave = next_wave(waiting, in_flight, concurrency=state.concurrency, sizes=snapshot.sizes)
        finished = [
            by_partition[m.partition]
            for m in progress.moves
            if m.state in (MoveState.DONE, MoveState.FAILED)
        ]
        changes = in_flight_changes(
            ReassignmentPlan((*in_flight, *wave)),
            ReassignmentPlan(tuple(finished)),
            state.record,
            _topic_lists(snapshot),
            snapshot.throttles,
        )
        live = set(snapshot.broker_ids)
        changes = ThrottleChanges(
            {b: c for b, c in changes.brokers.items() if b in live},
            {t: c for t, c in changes.topics.items() if t in snapshot.topics},
        )
        if changes:
            if not dry_run:
                self.admin.alter_broker_configs(changes.brokers)
                self.admin.alter_topic_configs(changes.topics)
            self.emit(ThrottlesApplied(changes, dry_run))
        if not wave:
            return progress, state
        if dry_run:
            self.emit(PartitionsSubmitted(tuple(m.partition for m in wave), dry_run=True))
            return progress, state
        # The new replicas' directories first: a broker notes a directory for a replica it
        # does not host yet, and creates the replica there (not elsewhere, to be copied later).
        self._request_dirs(
            {(m.partition, b): d for m in wave for b, d in m.dir_targets if b in m.adding},
            dry_run=False,
        )
        outcome = self.admin.alter_reassignments({m.partition: m.after for m in wave})
        refused = {tp: why for tp, why in outcome.items() if why is not None}
        accepted = tuple(m.partition for m in wave if m.partition not in refused)
        state = attrs.evolve(
            state,
            submitted=state.submitted | set(accepted),
            refused={**state.refused, **refused},
        )
        self.state.save(state.dumps())
        submitted.extend(accepted)
        if accepted:
            self.emit(PartitionsSubmitted(accepted, dry_run=False))
        if refused:
            self.emit(PartitionsRefused(FrozenDict(refused)))
        return self._observe(self.admin.snapshot(), state), state

    def _place_in_dirs(
        self, state: ReassignmentState, progress: ReassignmentProgress, *, dry_run: bool
    ) -> None:
        """Send each replica of a move under way to its planned log dir, unless it is there
        or on its way there; those not hosted yet are asked for again on the next pass."""
        by_partition = {m.partition: m for m in state.plan}
        wanted: dict[Replica, str] = {}
        for moved in progress.in_state(MoveState.MOVING):
            move = by_partition[moved.partition]
            if move.partition not in state.submitted and move.before != move.after:
                continue  # its brokers have not been asked to take it yet
            for d in moved.dirs:
                if not d.done and d.future != d.target:
                    wanted[(move.partition, d.broker)] = d.target
        self._request_dirs(wanted, dry_run=dry_run)

    def _request_dirs(self, wanted: Mapping[Replica, str], *, dry_run: bool) -> None:
        if not wanted:
            return
        pending: frozenset[Replica] = (
            frozenset() if dry_run else self.admin.alter_replica_log_dirs(wanted)
        )
        self.emit(
            LogDirsRequested(
                tuple(sorted(wanted, key=_replica_key)),
                tuple(sorted(pending, key=_replica_key)),
                dry_run,
            )
        )

    # -- verify and cancel -----------------------------------------------------------------

    def verify(self, *, dry_run: bool = False) -> VerifyResult:
        """Each move's progress; once nothing moves or waits, restore the recorded throttles.

        ``verify`` starts no move: waiting moves are started by ``execute``.
        """
        snapshot = self.admin.snapshot()
        state = self._load()
        if state is None:
            plan = self._plan(snapshot)
            progress = reassignment_progress(plan, snapshot)
            self.emit(ProgressReported(progress))
            return VerifyResult(progress, True)
        progress = self._observe(snapshot, state)
        if not progress.finished:
            return VerifyResult(progress, False)
        pending = self._restore(snapshot, state, dry_run=dry_run)
        return VerifyResult(progress, not pending and not dry_run, pending)

    def cancel(self, *, dry_run: bool = False) -> CancelResult:
        """Cancel this plan's moves in flight (waiting ones never start); restore throttles.

        A replica being copied into its planned log dir is sent back to its current one, which
        drops the copy, as ``kafka-reassign-partitions --cancel`` does.
        """
        state = self._load()
        planned_dirs = bool(self.target_dirs) or (
            state is not None and bool(state.plan.target_log_dirs())
        )
        snapshot = self.admin.snapshot(sizes=planned_dirs)
        plan = state.plan if state is not None else self._plan(snapshot)
        in_flight = tuple(
            m.partition
            for m in plan
            if (p := snapshot.partitions.get(m.partition)) is not None
            and p.reassigning
            and p.target_replicas == m.after
        )
        refused: dict[TopicPartition, str] = {}
        if in_flight and not dry_run:
            outcome = self.admin.alter_reassignments(dict.fromkeys(in_flight))
            refused = {tp: why for tp, why in outcome.items() if why is not None}
        cancelled = tuple(tp for tp in in_flight if tp not in refused)
        self.emit(PartitionsCancelled(cancelled, dry_run))
        copies = self._stop_dir_copies(plan, snapshot, dry_run=dry_run)
        if state is None:
            return CancelResult(cancelled, refused, True, dirs_cancelled=copies)
        if refused:
            return CancelResult(cancelled, refused, False, dirs_cancelled=copies)
        if (cancelled or copies) and not dry_run:
            snapshot = self.admin.snapshot(sizes=False)
        pending = self._restore(snapshot, state, dry_run=dry_run)
        return CancelResult(
            cancelled, refused, not pending and not dry_run, pending, dirs_cancelled=copies
        )

    def _stop_dir_copies(
        self, plan: ReassignmentPlan, snapshot: ClusterSnapshot, *, dry_run: bool
    ) -> tuple[Replica, ...]:
        """Send back to its current dir each replica being copied into its planned dir."""
        back: dict[Replica, str] = {}
        for move in plan:
            for broker, target in move.dir_targets:
                log = snapshot.log_dirs.replica_log(move.partition, broker)
                future = snapshot.log_dirs.replica_log(move.partition, broker, future=True)
                if log is not None and future is not None and future.log_dir == target:
                    back[(move.partition, broker)] = log.log_dir
        stopped = tuple(sorted(back, key=_replica_key))
        if back:
            if not dry_run:
                self.admin.alter_replica_log_dirs(back)
            self.emit(LogDirMovesCancelled(stopped, dry_run))
        return stopped

    def _restore(
        self, snapshot: ClusterSnapshot, state: ReassignmentState, *, dry_run: bool
    ) -> tuple[int, ...]:
        """Put recorded throttles back where the broker is live; return the brokers still owed.

        The state is cleared only once every broker and topic has its values back; until then
        it is saved with what has been restored, so the next run restores only the rest.
        """
        changes = restore_changes(state.plan, state.record, _topic_lists(snapshot))
        live = set(snapshot.broker_ids)
        brokers = {
            b: c
            for b, c in changes.brokers.items()
            if b in live and b not in state.restored_brokers
        }
        topics = {
            t: c
            for t, c in changes.topics.items()
            if t in snapshot.topics and t not in state.restored_topics
        }
        owed = tuple(
            sorted(b for b in changes.brokers if b not in live and b not in state.restored_brokers)
        )
        if not dry_run:
            self.admin.alter_broker_configs(brokers)
            self.admin.alter_topic_configs(topics)
            if owed:
                done_topics = set(changes.topics)  # topics are restored (or gone) in one pass
                self.state.save(
                    attrs.evolve(
                        state,
                        restored_brokers=state.restored_brokers | set(brokers),
                        restored_topics=state.restored_topics | done_topics,
                    ).dumps()
                )
            else:
                self.state.clear()
        self.emit(ThrottlesRestored(ThrottleChanges(brokers, topics), owed, dry_run))
        return owed


def _replica_key(replica: Replica) -> tuple[str, int, int]:
    return replica[0].topic, replica[0].partition, replica[1]


def _blocker(progress: ReassignmentProgress) -> str:
    """What a stalled reassignment is waiting for, in words."""
    moving = progress.in_state(MoveState.MOVING)
    if not moving:
        return progress.summary()
    shown = "; ".join(m.describe() for m in moving[:3])
    more = f" (and {len(moving) - 3} more)" if len(moving) > 3 else ""
    return f"{progress.summary()}: {shown}{more}"
