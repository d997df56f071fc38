"""Restart, roll and upgrade a cluster's nodes without taking a partition below min ISR.

The slides' operator does it as "stop the broker, wait for partition leader reassignment,
start the upgraded broker, wait for zero under-replicated partitions, next broker". Here:

- :class:`Roll` restarts nodes one at a time (or in safe batches), in the order of
  :func:`~confluent_ops.planners.roll.roll_order`: controllers first, the active controller
  last. Before each stop, the gate must hold: no partition may fall below
  ``min.insync.replicas`` (:func:`~confluent_ops.planners.roll.restart_together`, Strimzi's
  rule) and a KRaft controller must leave a caught-up majority. After each start it waits until
  the node serves, is back in every ISR it belongs to and no partition is under-replicated, then
  restores preferred leadership after a short delay and checks it, so that a roll does not leave
  leadership piled on the brokers restarted first. Given a ``version`` it is a rolling upgrade;
  given ``config``, a rolling config change (applied without a restart where Kafka allows it).
- :class:`MetadataVersionBump`: the separate, gated step after an upgrade: once every node runs
  the new version, raise ``metadata.version`` (KRaft) to the level the new release supports.

Waits give up only when nothing progresses (a broker recovering its logs is progress: its
lifecycle status says so) and always say what blocks. Where the roll stands is kept in its state
and read back from the cluster (a node's version, whether it runs), so running it again after
Ctrl-C, SIGKILL or a crash carries on with the node it was on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import attrs

from confluent_ops.errors import InvalidInput, MalformedFile, UnsafeOperation
from confluent_ops.model import ClusterMode, ClusterSnapshot, FrozenDict, frozen_dict
from confluent_ops.model._json import load_json_object
from confluent_ops.planners.conditions import (
    Condition,
    all_met,
    broker_in_sync,
    broker_serving,
    controller_caught_up,
    fully_replicated,
)
from confluent_ops.planners.health import (
    Finding,
    QuorumVerdict,
    Severity,
    can_restart_controller,
    operation_preflight,
)
from confluent_ops.planners.roll import RollPlan, estimate_roll, restart_together, roll_order
from confluent_ops.ports import BrokerLifecycle, Clock, KafkaAdmin, StepState
from confluent_ops.steps._waits import elect_preferred_leaders, step_policy, wait_for_condition
from confluent_ops.steps.events import (
    BrokerStarted,
    BrokerStopped,
    Emit,
    StepDone,
    StepProgress,
    StepStarted,
    ignore,
)
from confluent_ops.steps.state import as_step_state
from confluent_ops.waiting import SYSTEM_CLOCK, WaitPolicy

__all__ = [
    "DYNAMIC_BROKER_CONFIGS",
    "MetadataVersionBump",
    "Roll",
    "RollPreview",
    "RollResult",
]

STATE_VERSION = 1

DYNAMIC_BROKER_CONFIGS = frozenset(
    {
        "background.threads",
        "compression.type",
        "leader.replication.throttled.rate",
        "follower.replication.throttled.rate",
        "log.cleaner.backoff.ms",
        "log.cleaner.dedupe.buffer.size",
        "log.cleaner.delete.retention.ms",
        "log.cleaner.io.buffer.load.factor",
        "log.cleaner.io.buffer.size",
        "log.cleaner.io.max.bytes.per.second",
        "log.cleaner.max.compaction.lag.ms",
        "log.cleaner.min.cleanable.ratio",
        "log.cleaner.min.compaction.lag.ms",
        "log.cleaner.threads",
        "log.cleanup.policy",
        "log.flush.interval.messages",
        "log.flush.interval.ms",
        "log.index.interval.bytes",
        "log.index.size.max.bytes",
        "log.message.timestamp.after.max.ms",
        "log.message.timestamp.before.max.ms",
        "log.message.timestamp.type",
        "log.preallocate",
        "log.retention.bytes",
        "log.retention.ms",
        "log.roll.jitter.ms",
        "log.roll.ms",
        "log.segment.bytes",
        "log.segment.delete.delay.ms",
        "max.connection.creation.rate",
        "max.connections",
        "max.connections.per.ip",
        "max.connections.per.ip.overrides",
        "message.max.bytes",
        "min.insync.replicas",
        "num.io.threads",
        "num.network.threads",
        "num.recovery.threads.per.data.dir",
        "num.replica.fetchers",
        "unclean.leader.election.enable",
    }
)
"""Broker configs Kafka applies without a restart (its "per-broker" and "cluster-wide" update
modes, the common ones): a config change made only of these is applied, not rolled."""


def _per_node(values: Mapping[int, float]) -> FrozenDict[int, float]:
    return frozen_dict(values)


@attrs.frozen
class RollPreview:
    """What a roll would do, changing nothing: its order and reasons, its risks and duration."""

    plan: RollPlan
    findings: tuple[Finding, ...]
    estimated_seconds: float
    dynamic: bool = False

    def lines(self) -> list[str]:
        if self.dynamic:
            head = ["would apply the config change on every broker without a restart"]
        else:
            head = self.plan.lines(dry_run=True)
        risks = [
            f"{f.severity.value}: {f.subject}: {f.message}"
            for f in self.findings
            if f.severity is Severity.RISK
        ]
        wait = (
            "each restart would wait for the node to serve again, to be back in every ISR, for "
            "no partition to be under-replicated, then for its preferred leadership to return"
        )
        return [*head, wait, f"about {self.estimated_seconds:.0f} s in all", *risks]


@attrs.frozen
class RollResult:
    """What a roll did: the nodes restarted (in order), how long each took, and in all."""

    nodes: tuple[int, ...]
    seconds: float
    node_seconds: Mapping[int, float] = attrs.field(factory=FrozenDict, converter=_per_node)
    leadership_seconds: Mapping[int, float] = attrs.field(factory=FrozenDict, converter=_per_node)
    dynamic: bool = False


@attrs.frozen
class _RollState:
    """What the roll keeps between runs: its plan, the nodes done, the node(s) in hand.

    ``current`` is the batch in hand; ``started`` those of it already started again (a run
    that dies after that only has to wait for them).
    """

    kind: str
    plan: RollPlan
    version: str | None
    done: tuple[int, ...] = ()
    current: tuple[int, ...] = ()
    started: tuple[int, ...] = ()

    def dumps(self) -> str:
        return (
            json.dumps(
                {
                    "version": STATE_VERSION,
                    "kind": self.kind,
                    "plan": self.plan.to_json(),
                    "target_version": self.version,
                    "done": list(self.done),
                    "current": list(self.current),
                    "started": list(self.started),
                },
                indent=2,
                sort_keys=True,
            )
            + "\n"
        )

    @classmethod
    def loads(cls, text: str, *, source: str) -> _RollState:
        document = load_json_object(text, source=source, what="a roll state")
        try:
            if document.get("version") != STATE_VERSION:
                raise ValueError(f"unsupported version {document.get('version')!r}")
            version = document.get("target_version")
            return cls(
                str(document["kind"]),
                RollPlan.from_json(document["plan"]),
                None if version is None else str(version),
                tuple(int(n) for n in document.get("done", ())),
                tuple(int(n) for n in document.get("current", ())),
                tuple(int(n) for n in document.get("started", ())),
            )
        except (ValueError, KeyError, TypeError, InvalidInput) as exc:
            raise MalformedFile(f"not a roll state ({exc})", path=source) from exc


class Roll:
    """Restart nodes of one cluster safely: a rolling restart, upgrade or config change.

    ``nodes`` (default: every node the lifecycle runs) are restarted in the order of
    :func:`~confluent_ops.planners.roll.roll_order`; ``parallel`` restarts brokers in safe
    batches (at most ``batch_limit``). ``version`` restarts each node on that version (a rolling
    upgrade: controllers first); ``config`` adds broker properties. ``policy`` is how waits
    give up (only when nothing progresses for ``policy.stall`` seconds); ``leader_delay`` is how
    long a restarted broker settles before its preferred leadership is restored. ``force``
    starts the roll although the preflight reports a reassignment in flight that is not ours.
    """

    step = "roll"

    def __init__(
        self,
        admin: KafkaAdmin,
        lifecycle: BrokerLifecycle,
        *,
        nodes: Iterable[int] | None = None,
        version: str | None = None,
        config: Mapping[str, str] | None = None,
        parallel: bool = False,
        batch_limit: int | None = None,
        state: StepState | None = None,
        emit: Emit = ignore,
        policy: WaitPolicy | None = None,
        leader_delay: float = 1.0,
        seconds_per_node: float = 30.0,
        force: bool = False,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if batch_limit is not None and batch_limit < 1:
            raise InvalidInput(f"a batch holds at least one node, not {batch_limit}")
        self.admin = admin
        self.lifecycle = lifecycle
        known = (*lifecycle.brokers(), *lifecycle.controllers())
        chosen = tuple(sorted(set(nodes))) if nodes is not None else tuple(sorted(set(known)))
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            raise InvalidInput(f"nodes {unknown} are not run by this lifecycle: {sorted(known)}")
        self.nodes = chosen
        self.version = version
        self.config = dict(config or {})
        self.parallel = parallel
        self.batch_limit = batch_limit
        self.state = as_step_state(state)
        self.emit = emit
        self.policy = policy or step_policy(clock=clock)
        self.leader_delay = leader_delay
        self.seconds_per_node = seconds_per_node
        self.force = force
        self.clock = clock

    @property
    def kind(self) -> str:
        if self.version is not None:
            return "upgrade"
        return "config" if self.config else "restart"

    # -- preview ---------------------------------------------------------------------------

    def _dynamic(self) -> bool:
        """Whether the change is a config change Kafka applies without a restart."""
        return (
            self.version is None
            and bool(self.config)
            and set(self.config) <= DYNAMIC_BROKER_CONFIGS
        )

    def _plan(self, snapshot: ClusterSnapshot) -> RollPlan:
        brokers = [n for n in self.nodes if n in self.lifecycle.brokers()]
        controllers = [n for n in self.nodes if n in self.lifecycle.controllers()]
        return roll_order(
            snapshot,
            brokers=brokers,
            controllers=controllers,
            parallel=self.parallel,
            batch_limit=self.batch_limit,
        )

    def preview(self) -> RollPreview:
        """What the roll would do, in order and why, its risks and duration; changes nothing."""
        snapshot = self.admin.snapshot(sizes=False)
        plan = self._plan(snapshot)
        findings = operation_preflight(snapshot)
        dynamic = self._dynamic()
        estimate = 0.0 if dynamic else estimate_roll(plan, seconds_per_node=self.seconds_per_node)
        preview = RollPreview(plan, findings, estimate, dynamic)
        self.emit(
            StepStarted(self.step, self._summary(plan), tuple(preview.lines()), estimate, True)
        )
        return preview

    def _summary(self, plan: RollPlan) -> str:
        what = {
            "upgrade": f"upgrade {len(plan.nodes)} node(s) to Kafka {self.version}",
            "config": f"restart {len(plan.nodes)} node(s) with {sorted(self.config)}",
            "restart": f"restart {len(plan.nodes)} node(s)",
        }[self.kind]
        if self._dynamic():
            return f"apply {sorted(self.config)} to every broker without a restart"
        return f"{what}, one batch at a time: {' -> '.join(str(b.nodes) for b in plan.batches)}"

    # -- run -------------------------------------------------------------------------------

    def run(self) -> RollResult:
        """Carry the roll out (or carry on with the one in the state); its result."""
        started = self.clock.monotonic()
        snapshot = self.admin.snapshot(sizes=False)
        self._refuse_foreign_work(snapshot)
        if self._dynamic():
            return self._apply_dynamically(started)
        state = self._load()
        if state is None:
            state = _RollState(self.kind, self._plan(snapshot), self.version)
            self.state.save(state.dumps())
        plan = state.plan
        estimate = estimate_roll(plan, seconds_per_node=self.seconds_per_node)
        self.emit(StepStarted(self.step, self._summary(plan), tuple(plan.lines()), estimate))
        node_seconds: dict[int, float] = {}
        leadership: dict[int, float] = {}
        total = len(plan.nodes)
        for batch in plan.batches:
            todo = [n for n in batch.nodes if n not in state.done]
            if not todo:
                continue
            began = self.clock.monotonic()
            state, settled = self._restart(state, todo, batch.role)
            for node in todo:
                node_seconds[node] = self.clock.monotonic() - began
                if settled is not None:
                    leadership[node] = settled
            state = attrs.evolve(state, done=(*state.done, *todo), current=(), started=())
            self.state.save(state.dumps())
            self.emit(StepProgress(self.step, "nodes", len(state.done), total))
        self.state.clear()
        seconds = self.clock.monotonic() - started
        self.emit(
            StepDone(
                self.step,
                f"{len(node_seconds)} node(s) restarted ({self.kind})",
                seconds,
                {"nodes": float(len(node_seconds))},
            )
        )
        return RollResult(plan.nodes, seconds, node_seconds, leadership)

    def _load(self) -> _RollState | None:
        text = self.state.load()
        if text is None:
            return None
        state = _RollState.loads(text, source=self.state.location)
        if state.kind != self.kind or state.version != self.version:
            raise InvalidInput(
                f"{self.state.location} holds a {state.kind} roll"
                + (f" to {state.version}" if state.version else "")
                + "; finish it (run it again as it was) or remove the state to start another"
            )
        return state

    def _refuse_foreign_work(self, snapshot: ClusterSnapshot) -> None:
        blocking = [f for f in operation_preflight(snapshot) if f.code == "reassignment-in-flight"]
        if blocking and not self.force:
            finding = blocking[0]
            raise UnsafeOperation(
                f"{finding.message}; {finding.fix} (or roll with force=True / --force: restarts "
                "wait for its new replicas all the same)"
            )

    def _apply_dynamically(self, started: float) -> RollResult:
        brokers = [n for n in self.nodes if n in self.lifecycle.brokers()]
        from confluent_ops.model import ConfigChange  # noqa: PLC0415 - this path only

        self.emit(StepStarted(self.step, self._summary(RollPlan(())), ()))
        self.admin.alter_broker_configs({b: ConfigChange(set=self.config) for b in brokers})
        seconds = self.clock.monotonic() - started
        self.emit(
            StepDone(
                self.step, f"{sorted(self.config)} applied to {len(brokers)} broker(s)", seconds
            )
        )
        return RollResult(tuple(brokers), seconds, dynamic=True)

    # -- one batch -------------------------------------------------------------------------

    def _restart(
        self, state: _RollState, nodes: Sequence[int], role: str
    ) -> tuple[_RollState, float | None]:
        """Gate, stop, start, wait back, restore leadership; where the batch's leaders settled.

        A node the state says was started already (the previous run died after starting it) is
        only waited for; a node already on the target version is not restarted again.
        """
        fresh = [n for n in nodes if n not in state.started]
        if self.version is not None:
            fresh = [
                n
                for n in fresh
                if not (
                    (status := self.lifecycle.status(n)).running and status.version == self.version
                )
            ]
        running = [n for n in fresh if self.lifecycle.status(n).running]
        if running:
            self._gate(running, role)
        state = attrs.evolve(state, current=tuple(nodes), started=())
        self.state.save(state.dumps())
        for node in running:
            self.emit(BrokerStopped(self.step, node, f"{self.kind} ({role})"))
            self.lifecycle.stop(node)
        for node in fresh:
            self.lifecycle.start(node, version=self.version, config=self.config or None)
            self.emit(BrokerStarted(self.step, node, self.version))
        state = attrs.evolve(state, started=tuple(nodes))
        self.state.save(state.dumps())
        self._wait_back(nodes, role)
        if role != "broker":
            return state, None
        return state, self._restore_leadership(nodes)

    def _gate(self, nodes: Sequence[int], role: str) -> None:
        """Wait until taking ``nodes`` down keeps every partition at min ISR and the quorum."""

        def quorum_verdicts(snapshot: ClusterSnapshot) -> list[QuorumVerdict]:
            # A quorum of one voter has no majority to leave behind: its only controller is
            # restarted all the same (the preflight reports the single voter as a risk).
            quorum = snapshot.quorum
            if quorum is None or len(quorum.voters) < 2:
                return []
            return [can_restart_controller(snapshot, n) for n in nodes if n in quorum.voter_ids]

        def allowed(snapshot: ClusterSnapshot) -> Condition:
            if role == "controller":
                verdicts = quorum_verdicts(snapshot)
                stuck = [v for v in verdicts if not v.allowed]
                if stuck:
                    caught = sum(len(v.caught_up) for v in verdicts)
                    return Condition(False, (caught,), stuck[0].reason)
                return Condition(True, (1,))
            brokers = [n for n in nodes if n in snapshot.broker_ids]
            blocking = restart_together(snapshot, brokers)
            quorum = quorum_verdicts(snapshot)
            stuck = [v for v in quorum if not v.allowed]
            if not blocking and not stuck:
                return Condition(True, (1,))
            in_sync = sum(len(b.effective_isr) for b in blocking)
            reason = (
                f"{len(blocking)} partition(s) would fall below min.insync.replicas: "
                + "; ".join(b.reason for b in blocking[:2])
                if blocking
                else stuck[0].reason
            )
            return Condition(False, (in_sync,), f"nodes {list(nodes)} cannot go down yet: {reason}")

        wait_for_condition(
            self.admin,
            allowed,
            step=self.step,
            what=f"it to be safe to restart {list(nodes)}",
            policy=self.policy,
            emit=self.emit,
        )

    def _wait_back(self, nodes: Sequence[int], role: str) -> None:
        """Wait until the nodes serve, are in every ISR, and nothing is under-replicated."""

        def back(snapshot: ClusterSnapshot) -> Condition:
            if role == "controller":
                return all_met(controller_caught_up(snapshot, n) for n in nodes)
            checks = [broker_serving(snapshot, n) for n in nodes]
            checks += [broker_in_sync(snapshot, n) for n in nodes]
            checks.append(fully_replicated(snapshot))
            return all_met(checks)

        def starting() -> tuple[object, ...]:
            statuses = [self.lifecycle.status(n) for n in nodes]
            return tuple((s.running, s.progress, s.detail) for s in statuses)

        wait_for_condition(
            self.admin,
            back,
            step=self.step,
            what=f"{role} {list(nodes)} to be back and in sync",
            policy=self.policy,
            emit=self.emit,
            extra_progress=starting,
        )

    def _restore_leadership(self, nodes: Sequence[int]) -> float | None:
        """Elect the preferred leaders the batch lost, after a short delay; seconds it took."""
        began = self.clock.monotonic()
        self.clock.sleep(self.leader_delay)
        elect_preferred_leaders(
            self.admin,
            step=self.step,
            detail=f"back to preferred leaders {sorted(set(nodes))}",
            what=f"preferred leadership back on {list(nodes)}",
            policy=self.policy,
            emit=self.emit,
            brokers=set(nodes),
        )
        return self.clock.monotonic() - began


@attrs.frozen
class _BumpResult:
    level: int
    previous: int | None


class MetadataVersionBump:
    """Raise ``metadata.version`` once every node runs the new release (a KRaft upgrade's end).

    A separate, gated step: it refuses while any node of the lifecycle reports another version
    than ``version`` (a downgrade is impossible once the level is raised), and raises the level
    to ``level`` or, by default, the highest the brokers support.
    """

    step = "metadata-version"

    def __init__(
        self,
        admin: KafkaAdmin,
        lifecycle: BrokerLifecycle,
        *,
        version: str,
        level: int | None = None,
        emit: Emit = ignore,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.admin = admin
        self.lifecycle = lifecycle
        self.version = version
        self.level = level
        self.emit = emit
        self.clock = clock

    def _target(self, snapshot: ClusterSnapshot) -> tuple[int, int | None]:
        if snapshot.mode is not ClusterMode.KRAFT:
            raise InvalidInput(
                "metadata.version is a KRaft feature; a ZooKeeper-mode cluster bumps "
                "inter.broker.protocol.version in its broker configs instead (a roll with config)"
            )
        nodes = (*self.lifecycle.brokers(), *self.lifecycle.controllers())
        behind = [n for n in nodes if self.lifecycle.status(n).version != self.version]
        if behind:
            raise UnsafeOperation(
                f"nodes {behind} do not run Kafka {self.version} yet: finish the rolling upgrade "
                "first (raising metadata.version cannot be undone)"
            )
        supported = snapshot.supported_features.get("metadata.version")
        level = self.level if self.level is not None else (supported[1] if supported else None)
        if level is None:
            raise InvalidInput("the cluster reports no supported metadata.version levels")
        return level, snapshot.metadata_version

    def preview(self) -> int:
        """The level the bump would raise to (changing nothing)."""
        level, previous = self._target(self.admin.snapshot(sizes=False))
        self.emit(
            StepStarted(
                self.step, f"raise metadata.version from {previous} to {level}", (), None, True
            )
        )
        return level

    def run(self) -> int:
        """Raise the level (nothing to do when it is there already); the level in force."""
        started = self.clock.monotonic()
        level, previous = self._target(self.admin.snapshot(sizes=False))
        self.emit(StepStarted(self.step, f"raise metadata.version from {previous} to {level}"))
        if previous is None or previous < level:
            self.admin.update_feature("metadata.version", level)
        else:  # already there or above: nothing lowers it, and the result says what is in force
            level = previous
        self.emit(
            StepDone(
                self.step,
                f"metadata.version is {level}",
                self.clock.monotonic() - started,
                {"level": float(level)},
            )
        )
        return level
