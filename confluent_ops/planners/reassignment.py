"""The reassignment planners: add brokers, remove brokers, rebalance, replication factor, leaders.

Each planner is a pure function from frozen values to a :class:`PlannedReassignment`: the moves
and the planner's own :class:`PlanReport`. Minimal movement is the point: a replica moves only
when a goal needs it to, and each move is the one that helps that goal most. The same input
always gives the same plan, and planning a rebalance on a plan's result gives no further moves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import attrs

from confluent_ops.errors import ImpossiblePlan, InvalidInput, UnknownBroker, UnknownPartition
from confluent_ops.model import (
    BrokerBalance,
    BrokerSet,
    ClusterAssignment,
    PartitionSizes,
    PlannedReassignment,
    PlanReport,
    ReassignmentPlan,
)
from confluent_ops.planners import goals
from confluent_ops.planners._leaders import LEADER_BALANCE, balance_leaders
from confluent_ops.planners._workspace import NO_RACK, Workspace

__all__ = [
    "PlanOptions",
    "plan_add_brokers",
    "plan_leaders",
    "plan_rebalance",
    "plan_remove_brokers",
    "plan_replication_factor",
]


def _non_negative_or_none(
    instance: object, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None and value < 0:
        raise InvalidInput(f"{attribute.name} must be >= 0, got {value}")


def _tolerance(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 <= value < 10:
        raise InvalidInput(f"byte tolerance must be in [0, 10), got {value}")


@attrs.frozen
class PlanOptions:
    """What every planner accepts besides its request.

    ``frozen_topics``: topics whose partitions must not change at all. ``no_receive``: brokers
    that may give replicas away but get none. ``max_moves``: cap on replica moves; the moves
    that help most come first, and planning again on the result continues where it stopped.
    ``byte_tolerance``: how far above its share of bytes a broker may stay (0.10 = 10 %).
    """

    frozen_topics: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    no_receive: frozenset[int] = attrs.field(default=frozenset(), converter=frozenset)
    max_moves: int | None = attrs.field(default=None, validator=_non_negative_or_none)
    byte_tolerance: float = attrs.field(default=0.10, validator=_tolerance)


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
    ws = Workspace(
        assignment,
        brokers,
        sizes=sizes,
        no_receive=options.no_receive,
        frozen_topics=options.frozen_topics,
    )
    if factor > len(ws.receivers):
        raise ImpossiblePlan(
            f"replication factor {factor} needs {factor} brokers; {len(ws.receivers)} can receive"
        )
    pids = [pid for pid, tp in enumerate(ws.partitions) if tp.topic == topic]
    ws.total_replicas += sum(factor - len(ws.replicas[pid]) for pid in pids)
    ws.recompute_targets()
    notes += _change_factor(ws, pids, factor)
    adds_needed = sum(max(0, factor - len(ws.original[pid])) for pid in pids)
    lower = (adds_needed, f"each new replica is one move: {adds_needed}")
    return _finish(
        f"replication factor of {topic} to {factor}",
        assignment,
        brokers,
        sizes,
        options,
        ws,
        lower,
        notes,
        leaders=False,
    )


def plan_leaders(
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    *,
    sizes: PartitionSizes | None = None,
    options: PlanOptions | None = None,
) -> PlannedReassignment:
    """Balance preferred leaders by reordering replica lists only: no replica moves."""
    options = options or PlanOptions()
    sizes, notes = _check_common(assignment, brokers, sizes, options)
    ws = Workspace(
        assignment,
        brokers,
        sizes=sizes,
        frozen_topics=options.frozen_topics,
        no_receive=options.no_receive,
    )
    return _finish(
        "preferred-leader balance",
        assignment,
        brokers,
        sizes,
        options,
        ws,
        (0, "reordering replicas moves no data"),
        notes,
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
    if sizes is None:
        return None, []
    kept, ignored = sizes.restricted_to(assignment)
    notes = (
        [f"{ignored} log-dirs entries name partitions outside the assignment: ignored"]
        if ignored
        else []
    )
    return kept, notes


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
    ws = Workspace(
        assignment,
        brokers,
        sizes=sizes,
        removed=removed,
        no_receive=options.no_receive,
        frozen_topics=options.frozen_topics,
    )
    lower = _lower_bound(ws)
    notes = list(notes)
    notes += goals.evacuate_removed_brokers(ws)
    notes += goals.repair_rack_spread(ws)
    notes += goals.balance_replica_counts(ws, tolerance=options.byte_tolerance)
    notes += goals.balance_bytes(ws, tolerance=options.byte_tolerance)
    return _finish(request, assignment, brokers, sizes, options, ws, lower, notes)


def _lower_bound(ws: Workspace) -> tuple[int, str]:
    """No plan for this request can make fewer replica moves than this.

    Each move takes one replica off one broker and puts it on another, so: the moves out are at
    least the replicas on removed brokers (all must go) plus, on the other brokers, the replicas
    above the ceiling of their target; the moves in are at least the replicas the receiving
    brokers lack below the floor of their target (for added brokers: floor(total / brokers)
    each); and each partition short of racks needs one move per missing rack. The bound is the
    largest of the three.
    """
    forced = sum(ws.count[b] for b in ws.removed)
    above = sum(max(0, ws.count[b] - ws.ceiling(b)) for b in ws.targets)
    below = sum(max(0, ws.floor(b) - ws.count[b]) for b in ws.receivers)
    racks = sum(
        max(0, ws.required_racks(pid) - ws.racks_of(pid))
        for pid in range(len(ws.replicas))
        if ws.movable[pid]
    )
    bound = max(forced + above, below, racks)
    text = (
        f"{bound} = max(on removed brokers {forced} + above target ceilings {above}, "
        f"below target floors {below}, missing racks {racks})"
    )
    return bound, text


def _change_factor(ws: Workspace, pids: list[int], factor: int) -> list[str]:
    notes: list[str] = []
    racks_wanted = min(factor, ws.target_racks)
    receivers = sorted(ws.receivers)
    for pid in pids:
        while len(ws.replicas[pid]) < factor:
            present = {ws.rack[b] for b in ws.replicas[pid]}
            options = [d for d in receivers if d not in ws.replicas[pid]]
            fresh = [d for d in options if ws.rack[d] not in present or ws.rack[d] == NO_RACK]
            pool = fresh if fresh and len(present) < racks_wanted else options
            dest = min(pool, key=lambda d: goals._placement_score(ws, d))
            ws.add_replica(goals.REPLICATION_FACTOR, pid, dest)
        while len(ws.replicas[pid]) > factor:
            followers = ws.replicas[pid][1:]
            keep_spread = [
                b
                for b in followers
                if len({ws.rack[x] for x in ws.replicas[pid] if x != b}) >= racks_wanted
            ] or followers
            source = max(keep_spread, key=lambda b: (ws.deviation(b), b))
            ws.drop_replica(goals.REPLICATION_FACTOR, pid, source)
    return notes


def _cap(
    ws: Workspace,
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    sizes: PartitionSizes | None,
    options: PlanOptions,
    limit: int,
) -> Workspace:
    """Replay the planner's steps, most helpful first, until ``limit`` replica moves."""
    capped = Workspace(
        assignment,
        brokers,
        sizes=sizes,
        removed=ws.removed,
        no_receive=options.no_receive,
        frozen_topics=options.frozen_topics,
    )
    capped.total_replicas = ws.total_replicas
    capped.recompute_targets()
    moves = 0
    for goal, pid, source, dest in ws.steps:
        change = capped.adds_after(pid, source, dest) - capped.adds(pid)
        if moves + change > limit:
            break
        capped.replay(goal, pid, source, dest)
        moves += change
    return capped


def _rack_violations(assignment: ClusterAssignment, brokers: BrokerSet, racks: int) -> int:
    if not racks:
        return 0
    rack_of = {b.id: b.rack for b in brokers}
    return sum(
        1
        for replicas in assignment.partitions.values()
        if len({rack_of[b] for b in replicas}) < min(len(replicas), racks)
    )


def _finish(
    request: str,
    assignment: ClusterAssignment,
    brokers: BrokerSet,
    sizes: PartitionSizes | None,
    options: PlanOptions,
    ws: Workspace,
    lower: tuple[int, str],
    notes: list[str],
    *,
    leaders: bool = True,
) -> PlannedReassignment:
    """Cap the steps if asked, balance leaders (unless ``leaders`` is False), and report."""
    full_moves = sum(ws.adds(pid) for pid in range(len(ws.replicas)))
    complete = True
    if options.max_moves is not None and full_moves > options.max_moves:
        ws = _cap(ws, assignment, brokers, sizes, options, options.max_moves)
        complete = False
        notes.append(
            f"capped at {options.max_moves} replica moves of {full_moves}: the most helpful first; "
            "plan again on the result to continue"
        )
    leader_changes = balance_leaders(ws) if leaders else 0
    after = ClusterAssignment(dict(zip(ws.partitions, map(tuple, ws.replicas), strict=True)))
    moves = ReassignmentPlan.between(assignment, after).moves
    report = _report(
        request,
        assignment,
        after,
        brokers,
        sizes,
        options,
        ws,
        lower,
        notes,
        leader_changes=leader_changes,
        complete=complete,
    )
    return PlannedReassignment(moves, report)


def _report(
    request: str,
    before: ClusterAssignment,
    after: ClusterAssignment,
    brokers: BrokerSet,
    sizes: PartitionSizes | None,
    options: PlanOptions,
    ws: Workspace,
    lower: tuple[int, str],
    notes: list[str],
    *,
    leader_changes: int,
    complete: bool,
) -> PlanReport:
    moves = ReassignmentPlan.between(before, after)
    replicas_before, replicas_after = before.replica_counts(), after.replica_counts()
    leaders_before, leaders_after = before.leader_counts(), after.leader_counts()
    bytes_before: Counter[int] = Counter()
    bytes_after: Counter[int] = Counter()
    bytes_moved: int | None = None
    if sizes is not None:
        for tp, replicas in before.partitions.items():
            for b in replicas:
                bytes_before[b] += sizes.size(tp)
        for tp, replicas in after.partitions.items():
            for b in replicas:
                bytes_after[b] += sizes.size(tp)
        bytes_moved = sum(sizes.size(m.partition) * m.replica_moves for m in moves)
        unsized = sum(1 for tp in before if tp not in sizes)
        if unsized:
            notes.append(
                f"{unsized} partitions have no size in the log-dirs file; counted as 0 bytes"
            )
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
        )
        for b in brokers
    )
    decided = Counter(goal for goal, *_ in ws.steps)
    decided[f"{LEADER_BALANCE} (reorders)"] = leader_changes
    report = PlanReport(
        request=request,
        replica_moves=moves.replica_moves,
        leader_changes=sum(1 for m in moves if m.changes_leader),
        partitions_changed=len(moves),
        bytes_moved=bytes_moved,
        lower_bound_moves=lower[0],
        lower_bound_derivation=lower[1],
        brokers=balances,
        rack_violations_before=_rack_violations(before, brokers, ws.all_racks),
        rack_violations_after=_rack_violations(after, brokers, ws.target_racks),
        decided_by={k: v for k, v in decided.items() if v},
        notes=tuple(notes),
        replicas_removed=sum(
            len(m.removing) - len(m.adding) for m in moves if len(m.removing) > len(m.adding)
        ),
        complete=complete,
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
    if ratio is not None and ratio > 1 + options.byte_tolerance:
        reasons.append(
            f"heaviest broker holds {ratio:.2f} x the mean bytes: the racks' fixed shares or "
            "partition sizes leave no move or swap that lowers it"
        )
    return reasons
