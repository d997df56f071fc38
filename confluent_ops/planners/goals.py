"""The planners' constraints and goals: small named pieces, each with its reason.

Constraints are hard: every replica move any goal makes passes all of them, and the list that is
exported (``CONSTRAINTS``) is the list that is checked. Goals are soft and ordered: each goal in
turn *optimizes* (makes moves or changes leaders through a :class:`PlanningState`), and from then
on *guards* what it reached: every later move or leadership change must be accepted by every
goal above it, so no goal undoes a goal with a higher priority, as in Cruise Control's goal
list. After planning, each goal *assesses* the result: met or not, and why; the plan's report
carries that verdict and the moves each goal made.

Users add their own goals by implementing :class:`Goal` (subclassing :class:`BaseGoal` gives
defaults that accept everything) and passing a list in their order of priority as
``PlanOptions(goals=...)``; :data:`DEFAULT_GOALS` is ours, :func:`goals_named` picks built-in
goals by name (the command line's ``--goals``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import attrs

from confluent_ops.errors import InvalidInput
from confluent_ops.model import GoalOutcome, TopicPartition
from confluent_ops.planners import _leaders, _loads, _moves
from confluent_ops.planners._workspace import NO_RACK, Workspace, outside, weighted_changes

__all__ = [
    "CONSTRAINTS",
    "DEFAULT_GOALS",
    "AllowedReceiver",
    "BaseGoal",
    "Constraint",
    "DiskCapacity",
    "DiskUsageDistribution",
    "DistinctBrokers",
    "FrozenTopics",
    "Goal",
    "LeaderBytesInDistribution",
    "LeaderDistribution",
    "Move",
    "NetworkInboundDistribution",
    "NetworkOutboundDistribution",
    "Switch",
    "PlanningState",
    "RackAwareness",
    "RackSpread",
    "ReplicaDistribution",
    "TopicLeaderDistribution",
    "TopicReplicaDistribution",
    "goals_named",
]

Move = tuple[int, int, int]
"""One replica move: (partition index, source broker, destination broker)."""
Switch = tuple[int, int]
"""One leadership switch: (partition index, the replica's broker that becomes leader)."""


class PlanningState:
    """The plan being built, as goals and constraints see it.

    Partitions are numbered ``0 .. partition_count - 1`` (so the hot loops touch only ints);
    :meth:`partition` names one. Reading is free; every change goes through :meth:`move`,
    :meth:`swap` or :meth:`lead`, which apply it only when every constraint and every goal
    already optimized accepts it, and record which goal made it.
    """

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace
        self._goal = ""

    # -- reading -------------------------------------------------------------------------

    @property
    def partition_count(self) -> int:
        return len(self._ws.replicas)

    def partition(self, pid: int) -> TopicPartition:
        return self._ws.partitions[pid]

    def topic(self, pid: int) -> str:
        return self._ws.partitions[pid].topic

    def replicas(self, pid: int) -> tuple[int, ...]:
        """The partition's replica list as planned so far (the first is the preferred leader)."""
        return tuple(self._ws.replicas[pid])

    def original_replicas(self, pid: int) -> tuple[int, ...]:
        return self._ws.original[pid]

    def size(self, pid: int) -> int:
        """The partition's bytes (0 when no sizes were given)."""
        return self._ws.size[pid]

    def movable(self, pid: int) -> bool:
        """False for partitions of topics excluded from moves."""
        return self._ws.movable[pid]

    @property
    def brokers(self) -> tuple[int, ...]:
        """The brokers of the cluster after the plan (removed brokers left out)."""
        return self._ws.targets

    @property
    def removed(self) -> frozenset[int]:
        return self._ws.removed

    def can_receive(self, broker: int) -> bool:
        return broker in self._ws.receivers

    def rack(self, broker: int) -> str | None:
        index = self._ws.rack.get(broker, NO_RACK)
        return None if index == NO_RACK else self._ws.rack_names[index]

    def replica_count(self, broker: int) -> int:
        return self._ws.count[broker]

    def leader_count(self, broker: int) -> int:
        return self._ws.leads[broker]

    def bytes_on(self, broker: int) -> int:
        return self._ws.bytes[broker]

    def disk(self, broker: int) -> int | None:
        """The broker's disk capacity in bytes, when capacities were given."""
        return None if self._ws.disk is None else self._ws.disk.get(broker)

    def held_by(self, broker: int) -> tuple[int, ...]:
        """The partitions with a replica on ``broker``, smallest first."""
        return tuple(pid for _, pid in self._ws.holdings[broker])

    def led_by(self, broker: int) -> tuple[int, ...]:
        return tuple(sorted(self._ws.led[broker]))

    # -- changing ------------------------------------------------------------------------

    def allows(self, pid: int, source: int, dest: int) -> bool:
        """Whether :meth:`move` would accept this move now."""
        return self._ws.allows(pid, source, dest)

    def move(self, pid: int, source: int, dest: int) -> bool:
        """Move the replica of ``pid`` on ``source`` to ``dest`` (same slot), if accepted."""
        ws = self._ws
        if source not in ws.replicas[pid] or not ws.allows(pid, source, dest):
            return False
        ws.move(self._goal, pid, source, dest)
        return True

    def swap(self, pid: int, qid: int, source: int, dest: int) -> bool:
        """Move ``pid`` from ``source`` to ``dest`` and ``qid`` back, as one accepted action."""
        ws = self._ws
        if source not in ws.replicas[pid] or dest not in ws.replicas[qid]:
            return False
        if not ws.allows_action(((pid, source, dest), (qid, dest, source))):
            return False
        ws.move(self._goal, pid, source, dest)
        ws.move(self._goal, qid, dest, source)
        return True

    def lead(self, pid: int, broker: int) -> bool:
        """Make ``broker`` (one of the partition's replicas) its preferred leader, if accepted."""
        ws = self._ws
        if broker not in ws.replicas[pid] or ws.replicas[pid][0] == broker:
            return False
        if not ws.allows_leader(pid, broker):
            return False
        ws.lead(self._goal, pid, broker)
        return True

    def switch_leaders(self, changes: Sequence[Switch]) -> bool:
        """Several leadership switches as one accepted action (distinct partitions)."""
        ws = self._ws
        pids = [pid for pid, _ in changes]
        if len(set(pids)) != len(pids) or any(
            b not in ws.replicas[pid] or ws.replicas[pid][0] == b for pid, b in changes
        ):
            return False
        if not ws.allows_leaders(changes):
            return False
        for pid, broker in changes:
            ws.lead(self._goal, pid, broker)
        return True


# -- constraints -------------------------------------------------------------------------------


@attrs.frozen
class Constraint:
    """A rule every move must keep: ``allows(state, partition, source, dest)`` and why."""

    name: str
    reason: str
    allows: Callable[[PlanningState, int, int, int], bool]
    _on_workspace: Callable[[Workspace, int, int, int], bool] | None = attrs.field(
        default=None, repr=False, eq=False, alias="on_workspace"
    )
    """The same test on the planners' workspace: ours run it in their hottest loop."""


def _distinct(ws: Workspace, pid: int, source: int, dest: int) -> bool:
    return dest not in ws.replicas[pid]


def _receiver(ws: Workspace, pid: int, source: int, dest: int) -> bool:
    return dest in ws.receivers


def _movable(ws: Workspace, pid: int, source: int, dest: int) -> bool:
    return ws.movable[pid]


def _rack_spread(ws: Workspace, pid: int, source: int, dest: int) -> bool:
    if not ws.target_racks:
        return True
    rack = ws.rack
    from_rack, to_rack = rack[source], rack[dest]
    if from_rack == to_rack:
        return True
    racks = [rack[b] for b in ws.replicas[pid]]
    now = len(set(racks))
    after = now - (racks.count(from_rack) == 1) + (to_rack not in racks)
    return after >= min(now, ws.required_racks(pid))


def _on_state(
    check: Callable[[Workspace, int, int, int], bool],
) -> Callable[[PlanningState, int, int, int], bool]:
    return lambda state, pid, source, dest: check(state._ws, pid, source, dest)


def _constraint(
    name: str, reason: str, check: Callable[[Workspace, int, int, int], bool]
) -> Constraint:
    return Constraint(name, reason, _on_state(check), on_workspace=check)


DistinctBrokers = _constraint(
    "distinct-brokers", "a partition never holds two replicas on one broker", _distinct
)
AllowedReceiver = _constraint(
    "allowed-receiver",
    "removed brokers and brokers excluded from receiving get no replica",
    _receiver,
)
FrozenTopics = _constraint(
    "frozen-topics", "topics excluded from moves keep their replicas", _movable
)
RackSpread = _constraint(
    "rack-spread",
    "a partition spans min(RF, racks) racks and never fewer racks than it had",
    _rack_spread,
)
CONSTRAINTS: tuple[Constraint, ...] = (FrozenTopics, DistinctBrokers, AllowedReceiver, RackSpread)
"""The constraints every planner checks on every move, in this order."""


# -- the goal protocol -------------------------------------------------------------------------


class Goal(Protocol):
    """A soft objective with a priority: what to optimize, what to guard, how to judge.

    ``optimize`` changes the plan through the state (every change it asks for is vetted by the
    constraints and the goals above it). Once it has run, ``accepts`` (replica moves) and
    ``accepts_leaders`` (leadership switches) are asked about every later change, each call
    one action whose parts apply together: return False when it would make this goal worse.
    ``assess`` says whether the goal is met on the final plan, and if not, why.
    """

    @property
    def name(self) -> str: ...

    @property
    def reason(self) -> str: ...

    def optimize(self, state: PlanningState) -> None: ...

    def accepts(self, state: PlanningState, moves: Sequence[Move]) -> bool: ...

    def accepts_leaders(self, state: PlanningState, changes: Sequence[Switch]) -> bool: ...

    def assess(self, state: PlanningState) -> GoalOutcome: ...


class BaseGoal:
    """Defaults for a goal: optimizes nothing, accepts every change, is always met.

    Subclass it and override what your goal needs; give it ``name`` and ``reason``.
    """

    name = "goal"
    reason = ""
    changes_leaders_only = False

    def optimize(self, state: PlanningState) -> None:
        return None

    def accepts(self, state: PlanningState, moves: Sequence[Move]) -> bool:
        return True

    def accepts_leaders(self, state: PlanningState, changes: Sequence[Switch]) -> bool:
        return True

    def assess(self, state: PlanningState) -> GoalOutcome:
        return GoalOutcome(self.name, True, "")


def _deltas(ws: Workspace, moves: Sequence[Move]) -> dict[int, int]:
    change: dict[int, int] = {}
    for _, source, dest in moves:
        change[source] = change.get(source, 0) - 1
        change[dest] = change.get(dest, 0) + 1
    return change


def _listed(items: Iterable[str], limit: int = 5) -> str:
    shown = list(items)
    more = len(shown) - limit
    return "; ".join(shown[:limit]) + (f"; and {more} more" if more > 0 else "")


class RackAwareness(BaseGoal):
    """Every partition spans min(RF, racks) racks; repaired by moving a doubled replica."""

    name = "rack-awareness"
    reason = "a rack (zone) lost must not take every replica of a partition"

    def optimize(self, state: PlanningState) -> None:
        state._ws.notes.extend(_moves.repair_rack_spread(state._ws, self.name))

    def assess(self, state: PlanningState) -> GoalOutcome:
        ws = state._ws
        short = ws.short_of_racks()
        if not short:
            return GoalOutcome(self.name, True, "every partition spans min(RF, racks) racks")
        return GoalOutcome(
            self.name,
            False,
            f"{len(short)} partition(s) span too few racks: "
            + _listed(str(ws.partitions[pid]) for pid in short),
        )


class DiskCapacity(BaseGoal):
    """Every broker stays under its usage threshold (``PlanOptions.capacity_threshold``)."""

    name = "disk-capacity"
    reason = "a broker whose disk fills stops taking writes for every partition it holds"

    def optimize(self, state: PlanningState) -> None:
        _moves.fit_capacity(state._ws, self.name)

    def accepts(self, state: PlanningState, moves: Sequence[Move]) -> bool:
        ws = state._ws
        limit = ws.disk_limit
        if not limit:
            return True
        if len(moves) == 1:
            pid, _, dest = moves[0]
            if ws.bytes[dest] + ws.size[pid] <= limit.get(dest, math.inf):
                return True  # the destination stays under its limit; the source only sheds
        before = after = 0.0
        for b, delta in weighted_changes(moves, ws.size).items():
            cap = limit.get(b, math.inf)
            before += max(0.0, ws.bytes[b] - cap)
            after += max(0.0, ws.bytes[b] + delta - cap)
        return after <= before

    def assess(self, state: PlanningState) -> GoalOutcome:
        ws = state._ws
        if ws.disk is None or not ws.sizes_known:
            return GoalOutcome(self.name, True, "no capacities (or no sizes) given: not checked")
        over = [
            (ws.bytes[b] - ws.disk_limit[b], b)
            for b in ws.targets
            if b in ws.disk_limit and ws.bytes[b] > ws.disk_limit[b]
        ]
        fullest = max(ws.targets, key=lambda b: ws.bytes[b] / ws.disk[b] if ws.disk else 0.0)
        used = ws.bytes[fullest] / ws.disk[fullest] if ws.disk and ws.disk[fullest] else 0.0
        if not over:
            return GoalOutcome(
                self.name, True, f"fullest broker {fullest} at {used:.1%} of its disk"
            )
        over.sort(reverse=True)
        return GoalOutcome(
            self.name,
            False,
            _listed(
                f"broker {b} holds {ws.bytes[b]:,} bytes, {excess:,.0f} over its limit of "
                f"{ws.disk_limit[b]:,.0f} ({ws.bytes[b] / ws.disk[b]:.1%} of its disk)"
                for excess, b in over
                if ws.disk
            ),
        )


class ReplicaDistribution(BaseGoal):
    """Replica counts per broker within the floor and ceiling of each broker's even share.

    The shares are equal unless racks force otherwise (a rack must hold one replica of every
    partition whose replication factor is at least the number of racks).
    """

    name = "replica-distribution"
    reason = "replicas are the unit of work (fetching, log cleaning, recovery) a broker carries"

    def optimize(self, state: PlanningState) -> None:
        _moves.balance_replica_counts(state._ws, self.name)

    def accepts(self, state: PlanningState, moves: Sequence[Move]) -> bool:
        ws = state._ws
        before = after = 0.0
        for b, delta in _deltas(ws, moves).items():
            low, high = ws.count_range(b)
            before += outside(ws.count[b], low, high)
            after += outside(ws.count[b] + delta, low, high)
        return after <= before

    def assess(self, state: PlanningState) -> GoalOutcome:
        ws = state._ws
        off = []
        for b in ws.targets:
            low, high = ws.count_range(b)
            if not low <= ws.count[b] <= high:
                off.append(f"broker {b} holds {ws.count[b]} (wanted {low}..{high})")
        if not off:
            return GoalOutcome(self.name, True, "every broker within its share")
        return GoalOutcome(self.name, False, _listed(off))


class TopicReplicaDistribution(BaseGoal):
    """Each topic's replicas spread over the brokers (see ``Workspace.cell_range``)."""

    name = "topic-replica-distribution"
    reason = "a topic piled on a few brokers sends its traffic to those brokers"

    def optimize(self, state: PlanningState) -> None:
        _moves.balance_topics(state._ws, self.name)

    def accepts(self, state: PlanningState, moves: Sequence[Move]) -> bool:
        ws = state._ws
        if len(moves) == 1:
            pid, source, dest = moves[0]
            topic = ws.topic_of[pid]
            cells = ws.cell[topic]
            at_source, at_dest = cells.get(source, 0), cells.get(dest, 0)
            return ws.cell_violation(topic, source, at_source - 1) + ws.cell_violation(
                topic, dest, at_dest + 1
            ) <= ws.cell_violation(topic, source, at_source) + ws.cell_violation(
                topic, dest, at_dest
            )
        return _moves.topic_violation_change(ws, moves) <= 0

    def assess(self, state: PlanningState) -> GoalOutcome:
        ws = state._ws
        off = []
        for topic, name in enumerate(ws.topic_names):
            if ws.topic_frozen[topic]:
                continue
            bad = sum(
                1 for b in ws.targets if ws.cell_violation(topic, b, ws.cell[topic].get(b, 0))
            )
            if bad:
                off.append(f"topic {name} off its spread on {bad} broker(s)")
        if not off:
            return GoalOutcome(self.name, True, "every topic spread within its range")
        return GoalOutcome(self.name, False, f"{len(off)} topic(s): " + _listed(off))


class DiskUsageDistribution(BaseGoal):
    """Bytes per broker within ``byte_tolerance`` of its share of all bytes, either way.

    Above the share, a disk fills first; below it, a broker (a new one, typically) carries less
    than its share of the traffic that comes with the bytes.
    The share is proportional to the broker's disk when capacities are given (so the fraction
    of each disk in use evens out), else to its share of replicas.
    """

    name = "disk-usage-distribution"
    reason = "the fullest disk decides when the cluster runs out of room"

    def __init__(self, tolerance: float | None = None) -> None:
        self.tolerance = tolerance

    def optimize(self, state: PlanningState) -> None:
        _moves.balance_bytes(state._ws, self.name, tolerance=self._tolerance(state))

    def _tolerance(self, state: PlanningState) -> float:
        return state._ws.byte_tolerance if self.tolerance is None else self.tolerance

    def accepts(self, state: PlanningState, moves: Sequence[Move]) -> bool:
        ws = state._ws
        if not ws.sizes_known:
            return True
        return _moves.byte_violation_change(ws, moves, self._tolerance(state)) <= 1e-6

    def assess(self, state: PlanningState) -> GoalOutcome:
        ws = state._ws
        if not ws.sizes_known or not ws.total_bytes:
            return GoalOutcome(self.name, True, "no sizes given: not checked")
        tolerance = self._tolerance(state)
        ratios = {b: ws.bytes[b] / max(ws.byte_target[b], 1.0) for b in ws.targets}
        heaviest = max(ratios, key=lambda b: (ratios[b], -b))
        lightest = min(ratios, key=lambda b: (ratios[b], b))
        detail = (
            f"heaviest broker {heaviest} at {ratios[heaviest]:.3f} x its share, "
            f"lightest {lightest} at {ratios[lightest]:.3f} (wanted within {tolerance:.0%})"
        )
        met = all(not outside(ws.bytes[b], *ws.byte_range(b, tolerance)) for b in ws.targets)
        return GoalOutcome(self.name, met, detail)


class NetworkInboundDistribution(BaseGoal):
    """Bytes per second each broker receives within ``byte_tolerance`` of its share.

    Every replica receives what its partition is produced (a leader from producers, a
    follower from its leader); needs per-partition rates (``PlanOptions.rates``).
    """

    name = "network-inbound-distribution"
    reason = "a broker's network in is what it must write to disk and replicate, every second"

    def __init__(self, tolerance: float | None = None) -> None:
        self.tolerance = tolerance

    def _tolerance(self, state: PlanningState) -> float:
        return state._ws.byte_tolerance if self.tolerance is None else self.tolerance

    def optimize(self, state: PlanningState) -> None:
        _loads.balance_network_in(state._ws, self.name, self._tolerance(state))

    def accepts(self, state: PlanningState, moves: Sequence[Move]) -> bool:
        ws = state._ws
        if not ws.rates_known:
            return True
        return _loads.replica_load_change(ws, moves, self._tolerance(state)) <= 1e-9

    def assess(self, state: PlanningState) -> GoalOutcome:
        return _assess_load(state._ws, self.name, "net_in", self._tolerance(state))


def _assess_load(ws: Workspace, name: str, kind: str, tolerance: float) -> GoalOutcome:
    if not ws.rates_known:
        return GoalOutcome(name, True, "no rates given: not checked")
    load = ws.load(kind)
    shares = {b: ws.load_share(kind, b) for b in ws.targets if ws.count[b]}
    if not shares or not any(shares.values()):
        return GoalOutcome(name, True, "no load")
    ratios = {b: load[b] / share if share else 0.0 for b, share in shares.items()}
    top = max(ratios, key=lambda b: (ratios[b], -b))
    bottom = min(ratios, key=lambda b: (ratios[b], b))
    met = all(1 - tolerance - 1e-9 <= r <= 1 + tolerance + 1e-9 for r in ratios.values())
    return GoalOutcome(
        name,
        met,
        f"busiest broker {top} at {ratios[top]:.3f} x its share ({load[top]:,.0f} B/s), "
        f"least busy {bottom} at {ratios[bottom]:.3f} (wanted within {tolerance:.0%})",
    )


class _LeaderLoad(BaseGoal):
    """A load that follows leadership, balanced by switching leaders: no data moves."""

    kind = "lead_in"
    changes_leaders_only = True

    def __init__(self, tolerance: float | None = None) -> None:
        self.tolerance = tolerance

    def _tolerance(self, state: PlanningState) -> float:
        return state._ws.byte_tolerance if self.tolerance is None else self.tolerance

    def optimize(self, state: PlanningState) -> None:
        _loads.balance_leader_load(state._ws, self.name, self.kind, self._tolerance(state))

    def accepts(self, state: PlanningState, moves: Sequence[Move]) -> bool:
        ws = state._ws
        if not ws.rates_known:
            return True
        tolerance = self._tolerance(state)
        return _loads.moved_leader_load_change(ws, self.kind, moves, tolerance) <= 1e-9

    def accepts_leaders(self, state: PlanningState, changes: Sequence[Switch]) -> bool:
        ws = state._ws
        if not ws.rates_known:
            return True
        tolerance = self._tolerance(state)
        return _loads.leader_load_change(ws, self.kind, changes, tolerance) <= 1e-9

    def assess(self, state: PlanningState) -> GoalOutcome:
        return _assess_load(state._ws, self.name, self.kind, self._tolerance(state))


class LeaderBytesInDistribution(_LeaderLoad):
    """Produce bytes/s taken by each broker's leaders within ``byte_tolerance`` of an even
    share: leader counts alone put a hot partition's leader anywhere."""

    name = "leader-bytes-in-distribution"
    reason = "leaders take every produce request: hot partitions' leaders must spread"
    kind = "lead_in"


class NetworkOutboundDistribution(_LeaderLoad):
    """Bytes/s each broker's leaders send (to consumers and followers) within
    ``byte_tolerance`` of an even share."""

    name = "network-outbound-distribution"
    reason = "a leader serves its consumers and every follower: the busiest sender saturates first"
    kind = "net_out"


class TopicLeaderDistribution(BaseGoal):
    """Each topic's preferred leaders spread over its brokers, by reordering replicas only."""

    name = "topic-leader-distribution"
    reason = "a topic's produce traffic goes to its leaders"
    changes_leaders_only = True

    def optimize(self, state: PlanningState) -> None:
        _leaders.balance_topic_leaders(state._ws, self.name)

    def accepts(self, state: PlanningState, moves: Sequence[Move]) -> bool:
        ws = state._ws
        change: dict[tuple[int, int], int] = {}
        for pid, source, dest in moves:
            if ws.replicas[pid][0] == source:
                topic = ws.topic_of[pid]
                change[topic, source] = change.get((topic, source), 0) - 1
                change[topic, dest] = change.get((topic, dest), 0) + 1
        return _lead_cells_not_worse(ws, change)

    def accepts_leaders(self, state: PlanningState, changes: Sequence[Switch]) -> bool:
        ws = state._ws
        if len(changes) == 1:
            pid, broker = changes[0]
            topic = ws.topic_of[pid]
            cells = ws.lead_cell[topic]
            old = ws.replicas[pid][0]
            low, high = ws.lead_cell_range(topic, old)
            have = cells.get(old, 0)
            delta = outside(have - 1, low, high) - outside(have, low, high)
            low, high = ws.lead_cell_range(topic, broker)
            have = cells.get(broker, 0)
            delta += outside(have + 1, low, high) - outside(have, low, high)
            return delta <= 0
        change: dict[tuple[int, int], int] = {}
        for pid, broker in changes:
            topic = ws.topic_of[pid]
            old = ws.replicas[pid][0]
            change[topic, old] = change.get((topic, old), 0) - 1
            change[topic, broker] = change.get((topic, broker), 0) + 1
        return _lead_cells_not_worse(ws, change)

    def assess(self, state: PlanningState) -> GoalOutcome:
        ws = state._ws
        off = []
        for topic, name in enumerate(ws.topic_names):
            if ws.topic_frozen[topic]:
                continue
            cells = ws.lead_cell[topic]
            bad = 0
            for b in ws.targets:
                low, high = ws.lead_cell_range(topic, b)
                if outside(cells.get(b, 0), low, high):
                    bad += 1
            if bad:
                off.append(f"topic {name} off its leader spread on {bad} broker(s)")
        if not off:
            return GoalOutcome(self.name, True, "every topic's leaders within range")
        return GoalOutcome(self.name, False, f"{len(off)} topic(s): " + _listed(off))


def _lead_cells_not_worse(ws: Workspace, change: dict[tuple[int, int], int]) -> bool:
    before = after = 0.0
    for (topic, b), delta in change.items():
        low, high = ws.lead_cell_range(topic, b)
        now = ws.lead_cell[topic].get(b, 0)
        before += outside(now, low, high)
        after += outside(now + delta, low, high)
    return after <= before


class LeaderDistribution(BaseGoal):
    """Preferred leaders per broker within one of each other, by reordering replicas only."""

    name = "leader-distribution"
    reason = (
        "leaders take every produce and most fetches: the busiest broker is the leader-heaviest"
    )
    changes_leaders_only = True

    def optimize(self, state: PlanningState) -> None:
        _leaders.balance_leaders(state._ws, self.name)

    def accepts(self, state: PlanningState, moves: Sequence[Move]) -> bool:
        ws = state._ws
        change: dict[int, int] = {}
        for pid, source, dest in moves:
            if ws.replicas[pid][0] == source:
                change[source] = change.get(source, 0) - 1
                change[dest] = change.get(dest, 0) + 1
        return _leads_not_worse(ws, change)

    def accepts_leaders(self, state: PlanningState, changes: Sequence[Switch]) -> bool:
        ws = state._ws
        if len(changes) == 1:
            pid, broker = changes[0]
            old = ws.replicas[pid][0]
            low, high = ws.leader_range(old)
            have = ws.leads[old]
            delta = outside(have - 1, low, high) - outside(have, low, high)
            low, high = ws.leader_range(broker)
            have = ws.leads[broker]
            delta += outside(have + 1, low, high) - outside(have, low, high)
            return delta <= 0
        change: dict[int, int] = {}
        for pid, broker in changes:
            old = ws.replicas[pid][0]
            change[old] = change.get(old, 0) - 1
            change[broker] = change.get(broker, 0) + 1
        return _leads_not_worse(ws, change)

    def assess(self, state: PlanningState) -> GoalOutcome:
        ws = state._ws
        off = []
        for b in ws.targets:
            low, high = ws.leader_range(b)
            if not low <= ws.leads[b] <= high:
                off.append(f"broker {b} leads {ws.leads[b]} (wanted {low}..{high})")
        if not off:
            return GoalOutcome(self.name, True, "every broker leads its share")
        return GoalOutcome(self.name, False, _listed(off))


def _leads_not_worse(ws: Workspace, change: dict[int, int]) -> bool:
    before = after = 0.0
    for b, delta in change.items():
        if not delta:
            continue
        low, high = ws.leader_range(b)
        before += outside(ws.leads[b], low, high)
        after += outside(ws.leads[b] + delta, low, high)
    return after <= before


DEFAULT_GOALS: tuple[Goal, ...] = (
    RackAwareness(),
    DiskCapacity(),
    ReplicaDistribution(),
    TopicReplicaDistribution(),
    DiskUsageDistribution(),
    NetworkInboundDistribution(),
    TopicLeaderDistribution(),
    LeaderDistribution(),
    LeaderBytesInDistribution(),
    NetworkOutboundDistribution(),
)
"""Our goals in priority order: safety first (racks, disks), then balance, leaders last."""

_BY_NAME: dict[str, Goal] = {goal.name: goal for goal in DEFAULT_GOALS}
BUILT_IN: frozenset[type] = frozenset(type(goal) for goal in DEFAULT_GOALS)
"""Our goal classes: the ones the exact move minimization knows how to encode."""


def goals_named(names: Sequence[str]) -> tuple[Goal, ...]:
    """The built-in goals with these names, in the order given (the ``--goals`` option)."""
    chosen = []
    for name in names:
        if name not in _BY_NAME:
            raise InvalidInput(f"unknown goal {name!r}; the goals are: {', '.join(_BY_NAME)}")
        if _BY_NAME[name] in chosen:
            raise InvalidInput(f"goal {name!r} is named twice")
        chosen.append(_BY_NAME[name])
    return tuple(chosen)


def run_goals(ws: Workspace, goals: Sequence[Goal], *, leaders_only: bool = False) -> None:
    """Optimize each goal in priority order, then let it guard the goals below it.

    With ``leaders_only``, goals that move replicas only guard (used after a cap has replayed
    the replica moves, and by the leader planner).
    """
    state = PlanningState(ws)
    ws.checks = [_bind_constraint(c, state) for c in CONSTRAINTS]
    for goal in goals:
        state._goal = goal.name
        if not leaders_only or getattr(goal, "changes_leaders_only", False):
            goal.optimize(state)
        # A goal that keeps the default (accept everything) costs nothing to skip.
        if getattr(type(goal), "accepts", None) is not BaseGoal.accepts:
            ws.guards.append(_bind_guard(goal, state))
        if getattr(type(goal), "accepts_leaders", None) is not BaseGoal.accepts_leaders:
            ws.leader_guards.append(_bind_leader_guard(goal, state))


def assess_goals(ws: Workspace, goals: Sequence[Goal]) -> list[GoalOutcome]:
    state = PlanningState(ws)
    return [goal.assess(state) for goal in goals]


def install_constraints(ws: Workspace) -> None:
    ws.checks = [_bind_constraint(c, PlanningState(ws)) for c in CONSTRAINTS]


def _bind_constraint(
    constraint: Constraint, state: PlanningState
) -> Callable[[int, int, int], bool]:
    if constraint._on_workspace is not None:
        return functools.partial(constraint._on_workspace, state._ws)
    allows = constraint.allows
    return lambda pid, source, dest: allows(state, pid, source, dest)


def _bind_guard(goal: Goal, state: PlanningState) -> Callable[[Sequence[Move]], bool]:
    return functools.partial(goal.accepts, state)


def _bind_leader_guard(goal: Goal, state: PlanningState) -> Callable[[Sequence[Switch]], bool]:
    return functools.partial(goal.accepts_leaders, state)
