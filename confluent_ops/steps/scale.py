"""Scale a cluster out and in: add brokers and move their share onto them; empty and remove.

The slides' operator scales as "spin up brokers, determine the plan, execute the plan,
monitor". :class:`ScaleOut` does that: new brokers through the lifecycle, wait until they
register, :func:`~confluent_ops.planners.plan_add_brokers` (the fewest moves to their fair
share), then the :class:`~confluent_ops.steps.reassign.Reassignment` in waves with a throttle,
verified. :class:`ScaleIn` is the reverse: :func:`~confluent_ops.planners.plan_remove_brokers`,
the reassignment, a check that the brokers hold nothing (no replica, no leadership), then their
removal. Each keeps its own record and its reassignment's in one state (two parts of it), so that
running it again after an interrupt carries on: brokers already added are not added twice, moves
already done are not redone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Self

import attrs

from confluent_ops.errors import InvalidInput, MalformedFile, UnsafeOperation
from confluent_ops.model import (
    Broker,
    BrokerSet,
    ClusterSnapshot,
    PlannedReassignment,
    TopicPartition,
)
from confluent_ops.model._json import load_json_object
from confluent_ops.planners import PlanOptions, estimate_duration, plan_add_brokers
from confluent_ops.planners import plan_remove_brokers as remove_plan
from confluent_ops.planners.conditions import Condition, all_met, broker_serving
from confluent_ops.planners.health import operation_preflight
from confluent_ops.ports import BrokerLifecycle, Clock, KafkaAdmin, StepState
from confluent_ops.steps._waits import elect_preferred_leaders, step_policy, wait_for_condition
from confluent_ops.steps.events import (
    BrokerStarted,
    BrokerStopped,
    Emit,
    StepDone,
    StepStarted,
    ignore,
)
from confluent_ops.steps.reassign import DEFAULT_CONCURRENCY, Reassignment
from confluent_ops.steps.state import SubState, as_step_state
from confluent_ops.waiting import SYSTEM_CLOCK, WaitPolicy

__all__ = ["ScaleIn", "ScaleOut", "ScaleResult"]


@attrs.frozen
class ScaleResult:
    """What a scale step did: brokers added or removed, the plan's figures, the time it took."""

    brokers: tuple[int, ...]
    replica_moves: int
    bytes_moved: int | None
    lower_bound_moves: int
    seconds: float
    reassign_seconds: float = 0.0
    dry_run: bool = False
    estimated_seconds: float | None = None

    def to_dict(self) -> dict[str, object]:
        return attrs.asdict(self)


def _refuse_foreign(snapshot: ClusterSnapshot, own: Iterable[object], force: bool) -> None:
    blocking = [
        f
        for f in operation_preflight(snapshot, own_partitions=own)  # type: ignore[arg-type]
        if f.code == "reassignment-in-flight"
    ]
    if blocking and not force:
        raise UnsafeOperation(f"{blocking[0].message}; {blocking[0].fix}")


class _Scale:
    """What both directions share: the plan, its reassignment, their state and events."""

    step = "scale"
    #: The key of the step's record naming the brokers it adds or removes.
    _brokers_key = ""

    def __init__(
        self,
        admin: KafkaAdmin,
        lifecycle: BrokerLifecycle,
        *,
        throttle: int | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        options: PlanOptions | None = None,
        state: StepState | None = None,
        emit: Emit = ignore,
        policy: WaitPolicy | None = None,
        force: bool = False,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if throttle is not None and throttle < 1:
            raise InvalidInput(f"the throttle must be a positive number of bytes/s, not {throttle}")
        if concurrency < 1:
            raise InvalidInput(f"concurrency must be at least 1, not {concurrency}")
        self.admin = admin
        self.lifecycle = lifecycle
        self.throttle = throttle
        self.concurrency = concurrency
        self.options = options or PlanOptions()
        self.state = as_step_state(state)
        self.own = SubState(self.state, self.step)
        self.moves = SubState(self.state, "reassign")
        self.emit = emit
        self.policy = policy or step_policy(interval=1.0, clock=clock)
        self.force = force
        self.clock = clock

    @classmethod
    def resume(
        cls, admin: KafkaAdmin, lifecycle: BrokerLifecycle, *, state: StepState, **options: object
    ) -> Self | None:
        """The step kept in ``state`` (an interrupted run's), or None when there is none."""
        part = SubState(state, cls.step).load()
        if part is None:
            return None
        record = load_json_object(part, source=state.location, what="a scale state")
        brokers = record.get(cls._brokers_key)
        if not isinstance(brokers, list) or not brokers or not all(type(b) is int for b in brokers):
            raise MalformedFile(f"a {cls.step} state names no broker", path=state.location)
        return cls._resumed(admin, lifecycle, brokers, state=state, **options)

    @classmethod
    def _resumed(
        cls, admin: KafkaAdmin, lifecycle: BrokerLifecycle, brokers: list[int], **options: object
    ) -> Self:
        """The step rebuilt from the brokers its record names (each direction its own way)."""
        raise NotImplementedError

    def _record(self) -> dict[str, object]:
        text = self.own.load()
        if text is None:
            return {}
        document = load_json_object(text, source=self.own.location, what="a scale state")
        if document.get("version") != 1:
            raise MalformedFile("not a scale state this version knows", path=self.own.location)
        return document

    def _save(self, record: dict[str, object]) -> None:
        self.own.save(json.dumps({"version": 1, **record}, indent=2, sort_keys=True) + "\n")

    def _execute(self, plan: PlannedReassignment | None) -> float:
        """Run the plan's moves in waves (throttled) until every one is done; seconds taken.

        Without a plan, the reassignment kept in the state (a previous run's) is carried on.
        """
        started = self.clock.monotonic()
        if plan is None:
            step = Reassignment.resume(self.admin, self.moves, emit=self.emit, policy=self.policy)
        elif not plan.moves:
            return 0.0
        else:
            step = Reassignment(
                self.admin, plan, state=self.moves, emit=self.emit, policy=self.policy
            )
        result = step.execute(throttle=self.throttle, concurrency=self.concurrency)
        failed = [m.describe() for m in result.progress.moves if m.state.value == "failed"]
        if failed:
            raise UnsafeOperation(
                f"{len(failed)} move(s) failed: {'; '.join(failed[:3])}; see why in the brokers' "
                "logs; the step's state keeps the reassignment and its throttle record, for "
                "`reassign verify` or `reassign cancel`"
            )
        if result.exit_code != 0:
            raise UnsafeOperation(
                "every move is done, but the throttles recorded on brokers "
                f"{list(result.pending)} wait to be restored (they were down); run the step "
                "again once they are back"
            )
        self._elect_preferred_leaders({move.partition for move in result.progress.moves})
        return self.clock.monotonic() - started

    def _elect_preferred_leaders(self, moved: set[TopicPartition]) -> None:
        """Give the moved partitions their planned leaders: the plan's leader counts are only
        true once each partition is led by its first replica, and Kafka alone would wait for
        its next automatic rebalance (``leader.imbalance.check.interval.seconds``, 5 minutes)
        or never do it (``auto.leader.rebalance.enable=false``). Kafka elects only a preferred
        replica that is in sync; one that is not keeps its current leader (and is not waited
        for)."""
        elect_preferred_leaders(
            self.admin,
            step=self.step,
            detail="to the plan's preferred leaders",
            what="the moved partitions to be led by their preferred leaders",
            policy=self.policy,
            emit=self.emit,
            partitions=moved,
        )

    def _figures(self, plan: PlannedReassignment) -> dict[str, object]:
        report = plan.report
        return {
            "replica_moves": report.replica_moves,
            "bytes_moved": report.bytes_moved,
            "lower_bound_moves": report.lower_bound_moves,
        }

    def _result(
        self,
        brokers: Iterable[int],
        figures: dict[str, object],
        seconds: float,
        *,
        reassigned: float = 0.0,
        dry_run: bool = False,
        estimate: float | None = None,
    ) -> ScaleResult:
        moved = figures.get("bytes_moved")
        return ScaleResult(
            tuple(brokers),
            int(figures.get("replica_moves", 0)),  # type: ignore[call-overload]
            None if moved is None else int(moved),  # type: ignore[call-overload]
            int(figures.get("lower_bound_moves", 0)),  # type: ignore[call-overload]
            seconds,
            reassigned,
            dry_run,
            estimate,
        )

    def _estimate(self, plan: PlannedReassignment, snapshot: ClusterSnapshot) -> float | None:
        if self.throttle is None:
            return None
        estimate = estimate_duration(
            plan,
            throttle_bytes_per_second=self.throttle,
            sizes=snapshot.sizes,
            concurrency=self.concurrency,
        )
        return estimate.total_seconds


class ScaleOut(_Scale):
    """Add ``count`` brokers and give them their share of the replicas, in waves.

    ``racks`` (one per new broker) places them; by default each goes to the rack with the
    fewest brokers, so the cluster stays spread.
    """

    step = "scale-out"
    _brokers_key = "added"

    def __init__(
        self,
        admin: KafkaAdmin,
        lifecycle: BrokerLifecycle,
        *,
        count: int,
        racks: Iterable[str | None] | None = None,
        version: str | None = None,
        **options: object,
    ) -> None:
        super().__init__(admin, lifecycle, **options)  # type: ignore[arg-type]
        if count < 1:
            raise InvalidInput(f"a scale-out adds at least one broker, not {count}")
        self.count = count
        self.racks = None if racks is None else list(racks)
        if self.racks is not None and len(self.racks) != count:
            raise InvalidInput(f"give one rack per new broker: {count}, not {len(self.racks)}")
        self.version = version

    @classmethod
    def _resumed(
        cls, admin: KafkaAdmin, lifecycle: BrokerLifecycle, brokers: list[int], **options: object
    ) -> ScaleOut:
        return cls(admin, lifecycle, count=len(brokers), **options)  # type: ignore[arg-type]

    def _racks(self, snapshot: ClusterSnapshot) -> list[str | None]:
        if self.racks is not None:
            return self.racks
        counts: dict[str | None, int] = {}
        for b in snapshot.brokers:
            counts[b.rack] = counts.get(b.rack, 0) + 1
        chosen = []
        for _ in range(self.count):
            rack = min(counts, key=lambda r: (counts[r], r or "")) if counts else None
            chosen.append(rack)
            counts[rack] = counts.get(rack, 0) + 1
        return chosen

    def plan(self, snapshot: ClusterSnapshot) -> PlannedReassignment:
        """The plan for brokers that do not exist yet, with the ids and racks they will get:
        what :meth:`run` plans once they serve, from the same cluster (a runbook shows it)."""
        racks = self._racks(snapshot)
        start = max(snapshot.broker_ids, default=-1) + 1
        new = [Broker(start + i, rack) for i, rack in enumerate(racks)]
        return plan_add_brokers(
            snapshot.assignment(),
            BrokerSet((*snapshot.broker_set().brokers, *new)),
            [b.id for b in new],
            sizes=snapshot.sizes,
            options=self.options,
        )

    def preview(self) -> ScaleResult:
        """The plan for brokers that do not exist yet (ids and racks as they would be)."""
        snapshot = self.admin.snapshot()
        plan = self.plan(snapshot)
        known = set(snapshot.broker_ids)
        new = [b for b in plan.report.brokers if b.broker not in known]
        estimate = self._estimate(plan, snapshot)
        self.emit(
            StepStarted(
                self.step,
                f"add {self.count} broker(s) {[b.broker for b in new]} in racks "
                f"{[b.rack for b in new]}, then move "
                f"{plan.report.replica_moves} replica(s) onto them",
                tuple(plan.report.summary_lines()),
                estimate,
                True,
            )
        )
        figures = self._figures(plan)
        return self._result([b.broker for b in new], figures, 0.0, dry_run=True, estimate=estimate)

    def run(self) -> ScaleResult:
        """Add the brokers (once), wait until they serve, plan, move in waves, verify."""
        started = self.clock.monotonic()
        added = [int(b) for b in self._record().get("added", [])]  # type: ignore[attr-defined]
        snapshot = self.admin.snapshot(sizes=False)
        if not added:
            _refuse_foreign(snapshot, (), self.force)
            self.emit(StepStarted(self.step, f"add {self.count} broker(s), then move replicas"))
            for rack in self._racks(snapshot):
                node = self.lifecycle.add_broker(rack=rack, version=self.version)
                added.append(node)
                self._save({"added": added})
                self.emit(BrokerStarted(self.step, node, self.version))
        record: dict[str, object] = dict(self._record())

        def registered(snapshot: ClusterSnapshot) -> Condition:
            return all_met(broker_serving(snapshot, b) for b in added)

        wait_for_condition(
            self.admin,
            registered,
            step=self.step,
            what=f"brokers {added} to serve",
            policy=self.policy,
            emit=self.emit,
            extra_progress=lambda: tuple(self.lifecycle.status(b).progress for b in added),
        )
        if self.moves.load() is None:  # not planned yet (a resumed run has its plan kept)
            plan = self._plan(self.admin.snapshot(), added)
            record.update({"added": added, **self._figures(plan)})
            self._save(record)
            reassigned = self._execute(plan)
        else:
            reassigned = self._execute(None)
        self.state.clear()
        seconds = self.clock.monotonic() - started
        result = self._result(added, record, seconds, reassigned=reassigned)
        self.emit(
            StepDone(
                self.step,
                f"brokers {added} added and filled",
                seconds,
                {"replica_moves": float(result.replica_moves)},
            )
        )
        return result

    def _plan(self, snapshot: ClusterSnapshot, added: list[int]) -> PlannedReassignment:
        """Their share for the brokers added (all of them: those already filled hold some)."""
        holding = snapshot.assignment().replica_counts()
        empty = [b for b in added if not holding.get(b)]
        return plan_add_brokers(
            snapshot.assignment(),
            snapshot.broker_set(),
            empty or added,
            sizes=snapshot.sizes,
            options=self.options,
        )


class ScaleIn(_Scale):
    """Move every replica off ``brokers``, check they hold and lead nothing, then remove them."""

    step = "scale-in"
    _brokers_key = "removing"

    def __init__(
        self,
        admin: KafkaAdmin,
        lifecycle: BrokerLifecycle,
        *,
        brokers: Iterable[int],
        **options: object,
    ) -> None:
        super().__init__(admin, lifecycle, **options)  # type: ignore[arg-type]
        self.brokers = sorted(set(brokers))
        if not self.brokers:
            raise InvalidInput("name at least one broker to remove")

    @classmethod
    def _resumed(
        cls, admin: KafkaAdmin, lifecycle: BrokerLifecycle, brokers: list[int], **options: object
    ) -> ScaleIn:
        return cls(admin, lifecycle, brokers=brokers, **options)

    def _plan(self, snapshot: ClusterSnapshot) -> PlannedReassignment:
        return remove_plan(
            snapshot.assignment(),
            snapshot.broker_set(),
            self.brokers,
            sizes=snapshot.sizes,
            options=self.options,
        )

    def preview(self) -> ScaleResult:
        snapshot = self.admin.snapshot()
        plan = self._plan(snapshot)
        estimate = self._estimate(plan, snapshot)
        self.emit(
            StepStarted(
                self.step,
                f"move {plan.report.replica_moves} replica(s) off brokers {self.brokers}, then "
                "remove them",
                tuple(plan.report.summary_lines()),
                estimate,
                True,
            )
        )
        figures = self._figures(plan)
        return self._result(self.brokers, figures, 0.0, dry_run=True, estimate=estimate)

    def run(self) -> ScaleResult:
        """Empty the brokers in waves, check they hold and lead nothing, then remove them."""
        started = self.clock.monotonic()
        unknown = [b for b in self.brokers if b not in self.lifecycle.brokers()]
        if unknown:
            raise InvalidInput(f"brokers {unknown} are not run by this lifecycle")
        self.emit(StepStarted(self.step, f"empty brokers {self.brokers}, then remove them"))
        record = self._record()
        if self.moves.load() is None and not record:
            snapshot = self.admin.snapshot()
            _refuse_foreign(snapshot, (), self.force)
            plan = self._plan(snapshot)
            record = {"removing": self.brokers, **self._figures(plan)}
            self._save(record)
            reassigned = self._execute(plan)
        elif self.moves.load() is not None:
            reassigned = self._execute(None)
        else:
            reassigned = 0.0  # moves done before an interrupt: on to the check and removal

        def empty(snapshot: ClusterSnapshot) -> Condition:
            holding = [
                (b, len(snapshot.partitions_on(b)), sum(1 for p in snapshot if p.leader == b))
                for b in self.brokers
            ]
            left = [(b, replicas, led) for b, replicas, led in holding if replicas or led]
            if not left:
                return Condition(True, (0,))
            broker, replicas, led = left[0]
            return Condition(
                False,
                (-sum(r + n for _, r, n in left),),
                f"broker {broker} still holds {replicas} replica(s) and leads {led}",
            )

        wait_for_condition(
            self.admin,
            empty,
            step=self.step,
            what=f"brokers {self.brokers} to hold nothing",
            policy=self.policy,
            emit=self.emit,
        )
        for broker in self.brokers:
            if broker in self.lifecycle.brokers():
                self.emit(BrokerStopped(self.step, broker, "scale-in: removed for good"))
                self.lifecycle.remove_broker(broker)
        self.state.clear()
        seconds = self.clock.monotonic() - started
        self.emit(StepDone(self.step, f"brokers {self.brokers} removed", seconds))
        return self._result(self.brokers, record, seconds, reassigned=reassigned)
