"""The reassignment planners: add brokers, remove brokers, rebalance, replication factor, leaders.

Each planner is a pure function from frozen values to a :class:`PlannedReassignment`: the moves
and the planner's own :class:`PlanReport`. Minimal movement is the point: a replica moves only
when a goal needs it to, and each move is the one that helps that goal most. The same input
always gives the same plan, and planning a rebalance on a plan's result gives no further moves.
"""

from __future__ import annotations

import functools
import gc
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import ParamSpec

import attrs

from confluent_ops.errors import ImpossiblePlan, InvalidInput, UnknownBroker, UnknownPartition
from confluent_ops.model import (
    BrokerBalance,
    BrokerCapacities,
    BrokerSet,
    ClusterAssignment,
    GoalOutcome,
    PartitionMove,
    PartitionRates,
    PartitionSizes,
    PlannedReassignment,
    PlanReport,
    ReassignmentPlan,
)
from confluent_ops.planners import _moves, goals
from confluent_ops.planners._bounds import lower_bounds
from confluent_ops.planners._exact import MAX_VARIABLES, bound_moves, minimize_moves
from confluent_ops.planners._workspace import Workspace
from confluent_ops.planners.goals import Goal

MOVES_GAP = 1.05
"""A plan above this many times the counting bound on a plan too large for the 0/1 program
gets the program's linear relaxation, a tighter bound, so its report says how close it is; and
the partitions the relaxation moves get the 0/1 program (relax and fix), which often finds the
plan that meets it."""

EXACT = "fewest-moves"
"""The name the exact program's moves are reported under (they serve every goal at once)."""
EXACT_ROUNDS = 3
"""Times the 0/1 program runs at most, each from the plan the goals left after the last."""

__all__ = [
    "PlanOptions",
    "plan_add_brokers",
    "plan_leaders",
    "plan_rebalance",
    "plan_remove_brokers",
    "plan_replication_factor",
]

_P = ParamSpec("_P")


def _collector_paused(
    planner: Callable[_P, PlannedReassignment],
) -> Callable[_P, PlannedReassignment]:
    """Run a planner with Python's cyclic garbage collector paused.

    A plan builds millions of small lists and tuples that all live until it returns; every
    full collection on the way walks all of them and frees nothing (over a second of a
    million-replica plan). Reference counting frees as usual; the collector resumes after.
    """

    @functools.wraps(planner)
    def planned(*args: _P.args, **kwargs: _P.kwargs) -> PlannedReassignment:
        if not gc.isenabled():
            return planner(*args, **kwargs)
        gc.disable()
        try:
            return planner(*args, **kwargs)
        finally:
            gc.enable()

    return planned


def _non_negative_or_none(
    instance: object, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None and value < 0:
        raise InvalidInput(f"{attribute.name} must be >= 0, got {value}")


def _tolerance(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 <= value < 10:
        raise InvalidInput(f"byte tolerance must be in [0, 10), got {value}")


def _threshold(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 < value <= 1:
        raise InvalidInput(f"capacity threshold must be in (0, 1], got {value}")


def _goal_list(value: Sequence[Goal] | None) -> tuple[Goal, ...] | None:
    if value is None:
        return None
    chosen = tuple(value)
    names = [goal.name for goal in chosen]
    if len(set(names)) != len(names):
        raise InvalidInput(f"goal names must be distinct, got {', '.join(names)}")
    return chosen


@attrs.frozen
class PlanOptions:
    """What every planner accepts besides its request.

    ``frozen_topics``: topics whose partitions must not change at all. ``no_receive``: brokers
    that may give replicas away but get none. ``max_moves``: cap on replica moves; the moves
    that help most come first, and planning again on the result continues where it stopped.
    ``byte_tolerance``: how far above its share of bytes a broker may stay (0.10 = 10 %).
    ``exact``: after the goals' search, look for an assignment as balanced with fewer moves
    with HiGHS (a 0/1 program; plans of up to ``MAX_VARIABLES`` partitions x brokers, with
    built-in goals only). ``rates``: bytes per second produced into and consumed from each
    partition, for the network goals (they check nothing without them).
    ``capacities``: each broker's disk; with sizes, no broker is filled above
    ``capacity_threshold`` of it (Cruise Control's default 0.8) and bytes balance as a fraction
    of each disk. ``goals``: the goals in priority order (default
    :data:`~confluent_ops.planners.goals.DEFAULT_GOALS`); leave one out to plan without it.
    """

    frozen_topics: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    no_receive: frozenset[int] = attrs.field(default=frozenset(), converter=frozenset)
    max_moves: int | None = attrs.field(default=None, validator=_non_negative_or_none)
    byte_tolerance: float = attrs.field(default=0.10, validator=_tolerance)
    capacities: BrokerCapacities | None = None
    rates: PartitionRates | None = None
    capacity_threshold: float = attrs.field(default=0.8, validator=_threshold)
    goals: tuple[Goal, ...] | None = attrs.field(default=None, converter=_goal_list)
    exact: bool = True

    @property
    def goal_list(self) -> tuple[Goal, ...]:
        return goals.DEFAULT_GOALS if self.goals is None else self.goals


@_collector_paused
def plan_rebalance(
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    *,
    sizes: PartitionSizes | None = None,
    options: PlanOptions | None = None,
) -> PlannedReassignment:
    """Even out replicas, leaders and (with sizes) bytes; repair partitions short of racks."""
    options = options or PlanOptions()
    sizes, notes = _check_common(assignment, brokers, sizes, options)
    return _balance("rebalance", assignment, brokers, sizes, options, removed=(), notes=notes)


@_collector_paused
def plan_add_brokers(
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    new: Iterable[int],
    *,
    sizes: PartitionSizes | None = None,
    options: PlanOptions | None = None,
) -> PlannedReassignment:
    """Give new, empty brokers their share; ``brokers`` lists the whole cluster after."""
    options = options or PlanOptions()
    new_ids = _named_brokers(new, brokers, "named as new")
    holding = assignment.replica_counts()
    for broker_id in new_ids:
        if holding.get(broker_id):
            raise InvalidInput(
                f"broker {broker_id} is named as new but already holds "
                f"{holding[broker_id]} replicas"
            )
    sizes, notes = _check_common(assignment, brokers, sizes, options)
    request = "add brokers " + ",".join(map(str, new_ids))
    return _balance(request, assignment, brokers, sizes, options, removed=(), notes=notes)


@_collector_paused
def plan_remove_brokers(
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    remove: Iterable[int],
    *,
    sizes: PartitionSizes | None = None,
    options: PlanOptions | None = None,
) -> PlannedReassignment:
    """Move every replica off ``remove`` onto the other brokers, keeping the rest balanced."""
    options = options or PlanOptions()
    removed = _named_brokers(remove, brokers, "named for removal")
    sizes, notes = _check_common(assignment, brokers, sizes, options)
    left = [b for b in brokers.ids if b not in removed]
    receivers = [b for b in left if b not in options.no_receive]
    widest = _widest_topic(assignment)
    if widest is not None and widest[1] > len(left):
        raise ImpossiblePlan(
            f"removing brokers {','.join(map(str, removed))} leaves {len(left)} brokers, "
            f"fewer than topic {widest[0]}'s replication factor {widest[1]}"
        )
    removed_set = set(removed)
    for tp, replicas in assignment.partitions.items():
        if tp.topic in options.frozen_topics and removed_set.intersection(replicas):
            raise ImpossiblePlan(
                f"topic {tp.topic} is excluded from moves "
                f"but {tp} has a replica on a removed broker"
            )
    if not receivers:
        raise ImpossiblePlan("no broker is left to receive the removed brokers' replicas")
    request = "remove brokers " + ",".join(map(str, removed))
    return _balance(request, assignment, brokers, sizes, options, removed=removed, notes=notes)


@_collector_paused
def plan_replication_factor(
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    topic: str,
    factor: int,
    *,
    sizes: PartitionSizes | None = None,
    options: PlanOptions | None = None,
) -> PlannedReassignment:
    """Change one topic's replication factor, touching only that topic's partitions.

    New replicas go to the least loaded brokers in racks the partition lacks (preferred leaders
    stay); when lowering, followers on the most loaded brokers are dropped, never below the
    rack spread min(factor, racks).
    """
    options = options or PlanOptions()
    sizes, notes = _check_common(assignment, brokers, sizes, options)
    if factor < 1:
        raise InvalidInput(f"replication factor must be >= 1, got {factor}")
    pids_of_topic = [tp for tp in assignment.partitions if tp.topic == topic]
    if not pids_of_topic:
        raise UnknownPartition(topic, "no partition of this topic is in the assignment")
    if topic in options.frozen_topics:
        raise InvalidInput(f"topic {topic} is both excluded from moves and asked to change")
    ws = _workspace(assignment, brokers, sizes, options)
    if factor > len(ws.receivers):
        raise ImpossiblePlan(
            f"replication factor {factor} needs {factor} brokers; {len(ws.receivers)} can receive"
        )
    pids = [pid for pid, tp in enumerate(ws.partitions) if tp.topic == topic]
    ws.total_replicas += sum(factor - len(ws.replicas[pid]) for pid in pids)
    ws.recompute_targets()
    _moves.change_factor(ws, pids, factor)
    adds_needed = sum(max(0, factor - len(ws.original[pid])) for pid in pids)
    return _finish(
        f"replication factor of {topic} to {factor}",
        assignment,
        brokers,
        sizes,
        options,
        ws,
        notes,
        goal_list=(),
        lower=(adds_needed, f"each new replica is one move: {adds_needed}", None, ""),
    )


@_collector_paused
def plan_leaders(
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    *,
    sizes: PartitionSizes | None = None,
    options: PlanOptions | None = None,
) -> PlannedReassignment:
    """Balance preferred leaders by reordering replica lists only: no replica moves.

    Only the leader goals of ``options.goals`` run; the others still guard (none of them is
    affected by a reorder).
    """
    options = options or PlanOptions()
    sizes, notes = _check_common(assignment, brokers, sizes, options)
    ws = _workspace(assignment, brokers, sizes, options)
    leader_goals = tuple(g for g in options.goal_list if getattr(g, "changes_leaders_only", False))
    goals.run_goals(ws, leader_goals)
    return _finish(
        "preferred-leader balance",
        assignment,
        brokers,
        sizes,
        options,
        ws,
        notes,
        goal_list=leader_goals,
        lower=(0, "reordering replicas moves no data", 0 if sizes else None, ""),
    )


# -- shared machinery ----------------------------------------------------------------------


def _check_common(
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    sizes: PartitionSizes | None,
    options: PlanOptions,
) -> tuple[PartitionSizes | None, list[str]]:
    """Check what every request shares; the sizes of the assignment's partitions, with notes.

    Sizes of partitions the assignment does not name are not needed (``kafka-log-dirs
    --describe`` reports every topic, internal ones included): they are left out, and the
    report says how many.
    """
    assignment.check_brokers(brokers)
    for broker_id in options.no_receive:
        if broker_id not in brokers:
            raise UnknownBroker(
                broker_id, "excluded from receiving but missing from the brokers file"
            )
    if options.capacities is not None:
        missing = [b for b in brokers.ids if options.capacities.disk(b) is None]
        if missing:
            raise InvalidInput(
                "the capacities name no disk size for broker(s) "
                + ",".join(map(str, missing))
                + ": give every broker of the cluster a capacity, or none"
            )
    if sizes is None:
        return None, []
    kept, ignored = sizes.restricted_to(assignment)
    notes = (
        [f"{ignored} log-dirs entries name partitions outside the assignment: ignored"]
        if ignored
        else []
    )
    return kept, notes


def _workspace(
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    sizes: PartitionSizes | None,
    options: PlanOptions,
    removed: Iterable[int] = (),
) -> Workspace:
    capacities = options.capacities
    ws = Workspace(
        assignment,
        brokers,
        sizes=sizes,
        removed=removed,
        no_receive=options.no_receive,
        frozen_topics=options.frozen_topics,
        disk=None if capacities is None else {b: capacities.disk(b) or 0 for b in brokers.ids},
        disk_threshold=options.capacity_threshold,
        rates=options.rates,
    )
    ws.byte_tolerance = options.byte_tolerance
    ws.topic_aware = any(isinstance(g, goals.TopicReplicaDistribution) for g in options.goal_list)
    ws.shed_to_share = any(isinstance(g, goals.DiskUsageDistribution) for g in options.goal_list)
    goals.install_constraints(ws)
    return ws


def _check_fits(ws: Workspace, options: PlanOptions) -> None:
    """Refuse a plan no placement can fit under the capacity threshold, naming the shortfall."""
    if (
        not ws.disk_limit
        or not ws.sizes_known
        or not any(isinstance(g, goals.DiskCapacity) for g in options.goal_list)
    ):
        return
    room = sum(ws.disk_limit[b] for b in ws.targets)
    if ws.total_bytes > room:
        raise ImpossiblePlan(
            f"the partitions hold {ws.total_bytes:,} bytes but brokers "
            f"{','.join(map(str, ws.targets))} may hold {room:,.0f} at "
            f"{options.capacity_threshold:.0%} of their disks: short by "
            f"{ws.total_bytes - room:,.0f} bytes"
        )
    biggest = max(range(len(ws.size)), key=lambda pid: ws.size[pid], default=None)
    if biggest is not None:
        widest = max(ws.disk_limit[b] for b in ws.targets)
        if ws.size[biggest] > widest:
            raise ImpossiblePlan(
                f"{ws.partitions[biggest]} holds {ws.size[biggest]:,} bytes, "
                f"{ws.size[biggest] - widest:,.0f} more than any broker may hold at "
                f"{options.capacity_threshold:.0%} of its disk"
            )


def _named_brokers(ids: Iterable[int], brokers: BrokerSet, role: str) -> list[int]:
    """The distinct ids a request names, each checked against the brokers file."""
    named = sorted(set(ids))
    if not named:
        raise InvalidInput(f"no broker {role}: name at least one")
    for broker_id in named:
        if broker_id not in brokers:
            raise UnknownBroker(broker_id, f"{role} but missing from the brokers file")
    return named


def _widest_topic(assignment: ClusterAssignment) -> tuple[str, int] | None:
    widest: tuple[str, int] | None = None
    for tp, replicas in assignment.partitions.items():
        if widest is None or len(replicas) > widest[1]:
            widest = (tp.topic, len(replicas))
    return widest


def _balance(
    request: str,
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    sizes: PartitionSizes | None,
    options: PlanOptions,
    *,
    removed: Iterable[int],
    notes: list[str],
) -> PlannedReassignment:
    ws = _workspace(assignment, brokers, sizes, options, removed)
    _check_fits(ws, options)
    notes = list(notes)
    notes += _moves.evacuate_removed_brokers(ws)
    goals.run_goals(ws, options.goal_list)
    notes += ws.notes
    in_force = {g.name for g in options.goal_list}
    lower = lower_bounds(ws, in_force)
    if options.exact and all(type(g) in goals.BUILT_IN for g in options.goal_list):
        ws, lower = _fewest_moves(ws, assignment, brokers, sizes, options, removed, lower, in_force)
    return _finish(
        request,
        assignment,
        brokers,
        sizes,
        options,
        ws,
        notes,
        goal_list=options.goal_list,
        lower=lower,
    )


def _fewest_moves(
    ws: Workspace,
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    sizes: PartitionSizes | None,
    options: PlanOptions,
    removed: Iterable[int],
    lower: tuple[int, str, int | None, str],
    in_force: set[str],
) -> tuple[Workspace, tuple[int, str, int | None, str]]:
    """The exact program's assignment when it moves less, and its bound when it is tighter.

    Only with built-in goals: the program encodes their ranges, not a user's goal.
    """
    greedy = ws.replica_moves()
    if greedy <= lower[0]:
        return ws, lower  # the counting bound is met: no plan moves less
    variables = len(ws.replicas) * len(ws.all_brokers)
    if variables > MAX_VARIABLES and greedy <= MOVES_GAP * lower[0]:
        return ws, lower  # only relax-and-fix would run: worth it when the gap is wide
    counting = lower[1]
    ordered = [g.name for g in options.goal_list]
    unmet_before = {o.goal for o in goals.assess_goals(ws, options.goal_list) if not o.met}
    best = current = ws
    for _ in range(EXACT_ROUNDS):
        found = minimize_moves(current, ordered)
        if found.bound is not None and found.bound > lower[0]:
            lower = (
                found.bound,
                f"{found.bound} = HiGHS's bound (the 0/1 program's dual bound, or its linear "
                "relaxation on larger plans) over every assignment as balanced "
                f"(the counting bound: {counting})",
                lower[2],
                lower[3],
            )
        if found.replicas is None or found.moves is None or found.moves >= current.replica_moves():
            break
        exact = _workspace(assignment, brokers, sizes, options, removed)
        for pid, chosen in enumerate(found.replicas):
            for source, dest in _in_safe_order(exact, pid, chosen):
                exact.move(EXACT, pid, source, dest)
        # The goals run again from the program's assignment: what they still improve (a goal
        # left unmet) they improve now, so planning again on the result finds nothing more.
        goals.run_goals(exact, options.goal_list)
        # The program encodes the goals that move replicas, not the leader and load goals the
        # reorders serve: its plan must not leave one of those unmet that the greedy plan met.
        unmet = {o.goal for o in goals.assess_goals(exact, options.goal_list) if not o.met}
        if unmet - unmet_before:
            break
        if exact.replica_moves() >= best.replica_moves():
            break
        best = exact
        if exact.replica_moves() == found.moves or best.replica_moves() <= lower[0]:
            break  # the goals found nothing more to do, or no plan moves less
        # They did (a goal unmet got closer): the program runs again within the new ranges,
        # which are narrower, from the plan they left. (Only from the best plan: the bound it
        # gives is about plans as balanced as that one.)
        current = exact
    if best is not ws:
        best.notes = ws.notes
        # The plan returned may balance better than the greedy one (the goals ran again): its
        # own, narrower ranges give the bound that is about it.
        again = lower_bounds(best, in_force)
        if again[0] > lower[0]:
            lower = (again[0], again[1], lower[2], lower[3])
        if again[2] is not None and (lower[2] is None or again[2] > lower[2]):
            lower = (lower[0], lower[1], again[2], again[3])
    if best.replica_moves() > MOVES_GAP * lower[0]:
        placed = bound_moves(best, ordered)
        if placed is not None and placed > lower[0]:
            lower = (
                placed,
                f"{placed} = the linear relaxation of the 0/1 program over every assignment as "
                "balanced, least over each placement of the largest partition (the counting "
                f"bound: {counting})",
                lower[2],
                lower[3],
            )
    return best, lower


def _in_safe_order(ws: Workspace, pid: int, chosen: Sequence[int]) -> list[tuple[int, int]]:
    """The single moves from the partition's replicas to ``chosen``, each keeping its racks.

    A capped plan replays moves one by one: each must keep the rack spread on its own, not
    only all of them together. Replication factors are small, so trying every pairing is cheap.
    """
    current = list(ws.replicas[pid])
    leaving = [b for b in current if b not in chosen]
    arriving = [b for b in chosen if b not in current]
    fallback = list(zip(leaving, arriving, strict=True))
    if not ws.target_racks or len(leaving) < 2:
        return fallback
    needed = ws.required_racks(pid)
    for order in itertools.permutations(arriving):
        replicas = list(current)
        for source, dest in zip(leaving, order, strict=True):
            now = len({ws.rack[b] for b in replicas})
            replicas[replicas.index(source)] = dest
            if len({ws.rack[b] for b in replicas}) < min(now, needed):
                break
        else:
            return list(zip(leaving, order, strict=True))
    return fallback


def _cap(
    ws: Workspace,
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    sizes: PartitionSizes | None,
    options: PlanOptions,
    limit: int,
    goal_list: Sequence[goals.Goal],
) -> Workspace:
    """Replay the planner's steps, most helpful first, until ``limit`` replica moves.

    The leader goals then run again on what was kept (their reorders served the full plan).
    """
    capped = _workspace(assignment, brokers, sizes, options, ws.removed)
    capped.total_replicas = ws.total_replicas
    capped.recompute_targets()
    moves = 0
    for goal, pid, source, dest in ws.steps:
        change = capped.adds_after(pid, source, dest) - capped.adds(pid)
        if moves + change > limit:
            break
        capped.replay(goal, pid, source, dest)
        moves += change
    goals.run_goals(capped, goal_list, leaders_only=True)
    return capped


def _finish(
    request: str,
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    sizes: PartitionSizes | None,
    options: PlanOptions,
    ws: Workspace,
    notes: list[str],
    *,
    goal_list: Sequence[goals.Goal],
    lower: tuple[int, str, int | None, str] | None = None,
) -> PlannedReassignment:
    """Cap the steps if asked, judge every goal, bound the moves, and report."""
    full_moves = ws.replica_moves()
    complete = True
    if options.max_moves is not None and full_moves > options.max_moves:
        ws = _cap(ws, assignment, brokers, sizes, options, options.max_moves, goal_list)
        complete = False
        notes.append(
            f"capped at {options.max_moves} replica moves of {full_moves}: the most helpful first; "
            "plan again on the result to continue"
        )
    if lower is None:
        lower = lower_bounds(ws, {g.name for g in goal_list})
    # The partitions come in the assignment's order, so this is ReassignmentPlan.between's plan
    # without building and comparing a second assignment of every partition.
    plan = ReassignmentPlan(
        tuple(
            PartitionMove(ws.partitions[pid], ws.original[pid], tuple(ws.replicas[pid]))
            for pid in ws.changed()
        )
    )
    outcomes = _outcomes(ws, goal_list)
    report = _report(
        request,
        assignment,
        plan,
        brokers,
        sizes,
        options,
        ws,
        lower,
        notes,
        outcomes=outcomes,
        complete=complete,
    )
    return PlannedReassignment(plan.moves, report)


def _outcomes(ws: Workspace, goal_list: Sequence[goals.Goal]) -> tuple[GoalOutcome, ...]:
    """Each goal's verdict on the final plan, with the moves and reorders it made."""
    made = Counter(goal for goal, *_ in ws.steps)
    led = Counter(goal for goal, *_ in ws.leader_steps)
    return tuple(
        attrs.evolve(outcome, moves=made[outcome.goal], leader_changes=led[outcome.goal])
        for outcome in goals.assess_goals(ws, goal_list)
    )


def _widest_spread(per_topic: Sequence[dict[int, int]], targets: Sequence[int]) -> int:
    """The widest per-topic spread: max - min of a topic's count per broker, over topics."""
    return max(
        (
            max(cells.get(b, 0) for b in targets) - min(cells.get(b, 0) for b in targets)
            for cells in per_topic
        ),
        default=0,
    )


def _report(
    request: str,
    before: ClusterAssignment,
    moves: ReassignmentPlan,
    brokers: BrokerSet,
    sizes: PartitionSizes | None,
    options: PlanOptions,
    ws: Workspace,
    lower: tuple[int, str, int | None, str],
    notes: list[str],
    *,
    outcomes: tuple[GoalOutcome, ...],
    complete: bool,
) -> PlanReport:
    replicas_before, replicas_after = ws.initial_count, ws.count
    leaders_before, leaders_after = ws.initial_leads, ws.leads
    bytes_before: dict[int, int] = ws.initial_bytes if sizes is not None else {}
    bytes_after: dict[int, int] = ws.bytes if sizes is not None else {}
    # One pass over the moves for every per-move figure (a large plan has 100,000).
    replica_moves = leader_changes = replicas_removed = moved_whole = copied = 0
    for m in moves:
        adding, removing = len(m.adding), len(m.removing)
        replica_moves += adding
        leader_changes += m.changes_leader
        replicas_removed += max(0, removing - adding)
        if adding:
            copied += adding * (sizes.size(m.partition) if sizes is not None else 0)
            moved_whole += not set(m.before).intersection(m.after)
    bytes_moved: int | None = None
    if sizes is not None:
        bytes_moved = copied
        unsized = len(before) - len(sizes)  # sizes of other partitions were left out
        if unsized:
            notes.append(
                f"{unsized} partitions have no size in the log-dirs file; counted as 0 bytes"
            )
    capacities = options.capacities
    balances = tuple(
        BrokerBalance(
            broker=b.id,
            rack=b.rack,
            replicas_before=replicas_before.get(b.id, 0),
            replicas_after=replicas_after.get(b.id, 0),
            leaders_before=leaders_before.get(b.id, 0),
            leaders_after=leaders_after.get(b.id, 0),
            bytes_before=bytes_before.get(b.id, 0),
            bytes_after=bytes_after.get(b.id, 0),
            removed=b.id in ws.removed,
            disk_bytes=None if capacities is None else capacities.disk(b.id),
        )
        for b in brokers
    )
    decided = Counter(goal for goal, *_ in ws.steps)
    for goal, *_ in ws.leader_steps:
        decided[f"{goal} (reorders)"] += 1
    topic_before = _widest_spread(ws.initial_cells, ws.targets)
    topic_after = _widest_spread(ws.cell, ws.targets)
    topic_leaders_after = _widest_spread(ws.lead_cell, ws.targets)
    report = PlanReport(
        request=request,
        replica_moves=replica_moves,
        leader_changes=leader_changes,
        partitions_changed=len(moves),
        bytes_moved=bytes_moved,
        lower_bound_moves=lower[0],
        lower_bound_derivation=lower[1],
        brokers=balances,
        rack_violations_before=ws.short_of_racks_at_start,
        rack_violations_after=len(ws.short_of_racks()),
        decided_by={k: v for k, v in decided.items() if v},
        notes=tuple(notes),
        replicas_removed=replicas_removed,
        complete=complete,
        goals=outcomes,
        lower_bound_bytes=lower[2],
        lower_bound_bytes_derivation=lower[3],
        topic_spread_before=topic_before,
        topic_spread_after=topic_after,
        topic_leader_spread_after=topic_leaders_after,
        partitions_moved_whole=moved_whole,
    )
    return attrs.evolve(report, notes=report.notes + tuple(_explain(report, ws, options)))


def _explain(report: PlanReport, ws: Workspace, options: PlanOptions) -> list[str]:
    """Why a balance target was not met, in the words of the piece that stopped it."""
    reasons = []
    if report.replica_spread_after > 1:
        shares = sorted({(ws.rack[b], round(ws.replica_target[b], 1)) for b in ws.targets})
        if len({target for _, target in shares}) > 1:
            detail = "; ".join(
                f"rack {ws.rack_names[r] if r >= 0 else '-'} target {t} replicas per broker"
                for r, t in shares
            )
            reasons.append(
                f"replica spread {report.replica_spread_after} is the best "
                "the rack constraint allows "
                f"({goals.RackSpread.reason}): racks of unequal size hold fixed shares: {detail}"
            )
        elif options.frozen_topics or options.no_receive:
            reasons.append(
                f"replica spread {report.replica_spread_after}: frozen topics or brokers excluded "
                "from receiving leave no acceptable move"
            )
        else:
            reasons.append(
                f"replica spread {report.replica_spread_after}: no move between the most and least "
                "loaded brokers keeps every constraint"
            )
    if report.leader_spread_after > 1:
        reasons.append(
            f"leader spread {report.leader_spread_after}: some brokers hold too few replicas "
            "(or only frozen topics) to lead their share"
        )
    ratio = report.max_bytes_ratio_after
    # With capacities, bytes follow each disk's size: the disk-usage goal's verdict says how far.
    if options.capacities is None and ratio is not None and ratio > 1 + options.byte_tolerance:
        reasons.append(
            f"heaviest broker holds {ratio:.2f} x the mean bytes: the racks' fixed shares or "
            "partition sizes leave no move or swap that lowers it"
        )
    return reasons
