"""Reassignment planners: plan quality on generated clusters, Kafka's ``--generate`` for
comparison, small random clusters, and the cost of planning 1,000,000 replicas.

Why each part exists:

- Quality. A planner is only worth using if it moves little data and still leaves the cluster
  even. Every scenario is seeded and planned once, then judged against fixed targets: replica
  moves at most 1.05 x the plan's own lower bound, replica-count spread at most 1 (or the best
  the racks allow, with the plan's reason printed), leader spread at most 1, the heaviest broker
  at most 1.10 x its share of bytes, and every topic spread (a topic with a replica for every
  broker: max - min <= 2 per broker, within each rack when racks fix the shares; a smaller
  topic: no broker above one more than its even share). Bytes moved are set against the plan's
  bound on bytes. Every figure is recomputed here from the resulting assignment, so a report
  that flatters itself shows up as a disagreement.
- Scenarios the issue names beyond adding, removing and rebalancing: ``topic_heavy`` (2,000
  topics of 3 partitions: the topic goal decides almost every move), heterogeneous disks
  (brokers with twice the disk must take more bytes, and no disk may pass 80 %), hot partitions
  (1 % of partitions carry half the traffic: network in, leaders' bytes in and network out
  must even out, recounted here from the rates) and JBOD (brokers with 2-4 log directories
  filled unevenly: :func:`plan_log_dirs` must even each broker's directories with few copies).
  Each scenario is also planned a second time under tracemalloc for its memory peak.
- Baseline. ``kafka-reassign-partitions --generate`` is what operators use without us. It
  places every partition afresh with ``AdminUtils.assignReplicasToBrokers`` (round-robin from a
  random start, followers at a growing shift; rack-aware over a rack-alternating broker list),
  ignoring where replicas are now. It is reimplemented below from its documented behaviour, with
  a seeded generator standing in for Kafka's random start, so the ratio of its moves to ours is
  on record for the same inputs.
- Small random clusters. Hand-picked scenarios can hide a bad case: the generator of
  ``tests/planners/test_lower_bound.py`` (racks or none, 120-400 partitions, 4-40 topics, any
  skew, add, remove or rebalance) runs over 48 seeds, and the share of plans within 1.05 x their
  bound, the worst ratio and the planning times are on record (seed 23 is a known hard case).
- Scale. The issue's target: 150 brokers (135 in 5 racks, plus 15) and 333,334 partitions at
  RF 3 (1,000,002 replicas) in 1,000 topics, with log-normal sizes, a 4 TiB disk per broker and
  rates for every partition (a few hot), placed first the way Kafka places topics, then
  planned by ``plan_add_brokers`` with every default goal on, in at most 10 s and 2 GiB on the
  2-core machine. The 10k and 100k points (same shape: ~333 partitions per topic, disks as
  full) show how cost grows. Wall time is measured on an untraced run (tracemalloc slows Python
  several-fold); the traced peak comes from a second, identical run, and the process's peak
  RSS (which holds the inputs too) is read after the untraced one. Planning again on the result
  with the same options must move nothing.

Run with ``python -m benchmarks planner [--quick]``; ``--quick`` keeps every quality scenario
(untraced), 8 random seeds and only the 10k scale point, so a test can call ``run(quick=True)``.
"""

from __future__ import annotations

import gc
import itertools
import math
import os
import random
import resource
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from confluent_ops.model import (
    BrokerCapacities,
    BrokerSet,
    ClusterAssignment,
    LogDir,
    LogDirs,
    PartitionRates,
    PartitionSizes,
    PlannedReassignment,
    PlanReport,
    ReassignmentPlan,
    ReplicaLog,
    SyntheticCluster,
    TopicPartition,
    synthetic_cluster,
)
from confluent_ops.model.assignment import ANY_LOG_DIR
from confluent_ops.planners import (
    LeaderBytesInDistribution,
    NetworkInboundDistribution,
    NetworkOutboundDistribution,
    PlanOptions,
    estimate_duration,
    plan_add_brokers,
    plan_log_dirs,
    plan_rebalance,
    plan_remove_brokers,
)

T = TypeVar("T")

MOVES_FACTOR = 1.05
"""Replica moves may exceed the plan's lower bound by at most 5 %."""
BYTES_FACTOR = 1.10
"""The heaviest broker may hold at most 10 % more bytes than its share (of the mean, or of
its disk when capacities are given)."""
TOPIC_SPREAD = 2
"""A topic with a replica for every broker: max - min replicas per broker at most 2."""
DISK_FULLEST = 0.8
"""With capacities, no disk above 80 % (Cruise Control's default threshold, ours too)."""
LOAD_TOLERANCE = PlanOptions().byte_tolerance
"""How far from its share a broker's network load may be for the load goals (10 %)."""
LOG_DIR_TOLERANCE = 0.10
"""``plan_log_dirs``'s default: a broker's fullest directory within 10 % of its share."""
LOAD_GOALS = {
    "net_in": NetworkInboundDistribution.name,
    "lead_in": LeaderBytesInDistribution.name,
    "net_out": NetworkOutboundDistribution.name,
}
"""The load recounted here, by the goal that balances it."""
SCALE_SECONDS = 10.0
SCALE_MEMORY_BYTES = 2 * 2**30
SCALE_GATE_PARTITIONS = 333_334
"""The scale point the time and memory targets apply to: 1,000,002 replicas at RF 3."""
SCALE_GATE_TOPICS = 1000
SCALE_DISK_BYTES = 4 * 2**40
"""Every broker's disk at the gate; smaller points get disks as full (scaled by partitions)."""
SCALE_RACKS = (27,) * 5
SMALL_RANDOM_SEEDS = 48
QUICK_SMALL_RANDOM_SEEDS = 8
"""The fast test's share: seeds 0-7 (the known hard seed, 23, is in the full run only)."""
KAFKA_SEED = 20_151
"""Stands in for the random start index and shift Kafka draws per topic."""


@dataclass(frozen=True)
class _Case:
    """One quality scenario: the cluster the planner sees and how to plan on it.

    ``cluster.brokers`` is every broker the planner is given (new ones included, removed ones
    still listed); ``target`` is the brokers the partitions must live on afterwards, which is
    also the broker list Kafka's ``--generate`` is asked to place onto. ``capacities``,
    ``rates`` and ``log_dirs`` are what the plan was given besides sizes, so the recount can
    judge disks, network load and log directories too.
    """

    key: str
    what: str
    cluster: SyntheticCluster
    target: BrokerSet
    plan: Callable[[], PlannedReassignment]
    capacities: BrokerCapacities | None = None
    rates: PartitionRates | None = None
    log_dirs: LogDirs | None = None


def _timed(call: Callable[[], T]) -> tuple[T, float]:
    """The call's result and its wall time; the collector runs first so it is not billed."""
    result, wall, _ = _timed_cpu(call)
    return result, wall


def _timed_cpu(call: Callable[[], T]) -> tuple[T, float, float]:
    """The call's result, its wall time and this process's CPU time during it.

    The machine is shared: wall time is what the target is about, CPU time shows how much of
    it was the planner's own work rather than waiting for a core.
    """
    gc.collect()
    cpu = time.process_time()
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started, time.process_time() - cpu


def _traced(call: Callable[[], object]) -> tuple[float, int]:
    """Wall time (inflated by tracing) and the peak bytes Python allocated during the call."""
    gc.collect()
    tracemalloc.start()
    try:
        _, seconds = _timed(call)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seconds, peak


# -- the quality scenarios ---------------------------------------------------------------------


def _case_add() -> _Case:
    """The issue's first scenario: 3 new brokers, one per rack, join 6 brokers in 3 racks."""
    base = synthetic_cluster(rack_sizes=(2, 2, 2), partitions=3000, sizes=True, seed=101)
    grown, new = base.with_new_brokers(per_rack=1)
    return _Case(
        "add_brokers",
        "add 3 brokers (1 per rack) to 6 in 3 racks, 3000 partitions RF 3, log-normal sizes",
        grown,
        grown.brokers,
        lambda: plan_add_brokers(grown.assignment, grown.brokers, new, sizes=grown.sizes),
    )


def _case_remove() -> _Case:
    """Decommission the last broker of each rack: 3 of 9, so every rack keeps two."""
    cluster = synthetic_cluster(rack_sizes=(3, 3, 3), partitions=3000, sizes=True, seed=102)
    by_rack: dict[str | None, list[int]] = defaultdict(list)
    for broker in cluster.brokers:
        by_rack[broker.rack].append(broker.id)
    removed = sorted(max(ids) for ids in by_rack.values())
    return _Case(
        "remove_brokers",
        f"remove brokers {removed} (1 per rack) of 9 in 3 racks, 3000 partitions, sizes",
        cluster,
        cluster.brokers.without(removed),
        lambda: plan_remove_brokers(
            cluster.assignment, cluster.brokers, removed, sizes=cluster.sizes
        ),
    )


def _rebalance_case(key: str, what: str, cluster: SyntheticCluster) -> _Case:
    return _Case(
        key,
        what,
        cluster,
        cluster.brokers,
        lambda: plan_rebalance(cluster.assignment, cluster.brokers, sizes=cluster.sizes),
    )


def _case_add_without_racks() -> _Case:
    """``with_new_brokers`` on a rackless cluster adds ``per_rack`` brokers in total."""
    base = synthetic_cluster(rack_sizes=None, brokers=9, partitions=3000, skew=0.6, seed=106)
    grown, new = base.with_new_brokers(per_rack=3)
    return _Case(
        "add_brokers_no_racks",
        "add 3 brokers to 9 without racks (skew 0.6), 3000 partitions, sizes",
        grown,
        grown.brokers,
        lambda: plan_add_brokers(grown.assignment, grown.brokers, new, sizes=grown.sizes),
    )


def _case_topic_heavy() -> _Case:
    """Many small topics: each of 2,000 topics has 9 replicas for 15 brokers, so the topic goal
    wants them on 9 distinct brokers, and nearly every move is decided by it."""
    base = synthetic_cluster(
        rack_sizes=(4, 4, 4), partitions=6000, topics=2000, sizes=True, seed=107
    )
    grown, new = base.with_new_brokers(per_rack=1)
    return _Case(
        "topic_heavy",
        "add 3 brokers (1 per rack) to 12 in 3 racks; 2,000 topics of 3 partitions RF 3, sizes",
        grown,
        grown.brokers,
        lambda: plan_add_brokers(grown.assignment, grown.brokers, new, sizes=grown.sizes),
    )


def _case_heterogeneous_capacities() -> _Case:
    """Brokers 0-2 have twice the disk of the other six; the whole fits at 62 % overall.

    The generator places replicas evenly by count, which leaves the small disks at ~83 %: the
    disk-capacity goal must bring them under 80 %, and bytes balance as a fraction of each disk.
    """
    cluster = synthetic_cluster(rack_sizes=None, brokers=9, partitions=3000, sizes=True, seed=108)
    sizes = _sizes_of(cluster)
    total = sum(sizes.size(tp) * len(r) for tp, r in cluster.assignment.partitions.items())
    weights = {b: 2 if b < 3 else 1 for b in cluster.brokers.ids}
    unit = total / (0.62 * sum(weights.values()))
    capacities = BrokerCapacities({b: math.ceil(unit * w) for b, w in weights.items()})
    options = PlanOptions(capacities=capacities)
    return _Case(
        "heterogeneous_capacities",
        "rebalance 9 brokers without racks, brokers 0-2 with 2x the disk, 62 % full overall",
        cluster,
        cluster.brokers,
        lambda: plan_rebalance(
            cluster.assignment, cluster.brokers, sizes=cluster.sizes, options=options
        ),
        capacities=capacities,
    )


def _case_hot_partitions() -> _Case:
    """1 % of 3000 partitions 100x hotter than the rest, consumed by two groups each."""
    cluster = synthetic_cluster(rack_sizes=(3, 3, 3), partitions=3000, sizes=True, seed=109)
    rates = _rates(cluster.assignment, hot_fraction=0.01, hotter=100.0, seed=109)
    options = PlanOptions(rates=rates)
    return _Case(
        "hot_partitions",
        "rebalance 9 brokers in 3 racks, 3000 partitions, 1 % of them 100x hotter, rates given",
        cluster,
        cluster.brokers,
        lambda: plan_rebalance(
            cluster.assignment, cluster.brokers, sizes=cluster.sizes, options=options
        ),
        rates=rates,
    )


def _case_jbod() -> _Case:
    """6 brokers of 2-4 log directories each, one directory of each broker much fuller; add 2
    brokers with their own directories, then :func:`plan_log_dirs` on the planned result."""
    base = synthetic_cluster(rack_sizes=None, brokers=6, partitions=3000, sizes=True, seed=110)
    grown, new = base.with_new_brokers(per_rack=2)
    log_dirs = _uneven_log_dirs(grown, seed=110)
    sizes = _sizes_of(grown)

    def plan() -> PlannedReassignment:
        planned = plan_add_brokers(grown.assignment, grown.brokers, new, sizes=sizes)
        return plan_log_dirs(grown.assignment, planned, log_dirs, sizes=sizes)

    counts = Counter(len(log_dirs.dirs_of(b)) for b in grown.brokers.ids)
    spread = ", ".join(f"{n} with {dirs}" for dirs, n in sorted(counts.items()))
    return _Case(
        "jbod",
        f"add 2 brokers to 6 without racks, 3000 partitions, sizes; brokers by log dirs: {spread}",
        grown,
        grown.brokers,
        plan,
        log_dirs=log_dirs,
    )


def _cases() -> list[_Case]:
    return [
        _case_add(),
        _case_remove(),
        _rebalance_case(
            "rebalance_skewed",
            "rebalance 12 brokers in 4 racks, placement skew 1.0, 3000 partitions, sizes",
            synthetic_cluster(rack_sizes=(3, 3, 3, 3), partitions=3000, skew=1.0, seed=103),
        ),
        _rebalance_case(
            "rebalance_unequal_racks",
            "rebalance racks of 3, 2, 2 brokers, skew 0.6, 3000 partitions RF 3, sizes",
            synthetic_cluster(rack_sizes=(3, 2, 2), partitions=3000, skew=0.6, seed=104),
        ),
        _rebalance_case(
            "rebalance_no_racks",
            "rebalance 9 brokers without racks, skew 0.6, 3000 partitions, sizes",
            synthetic_cluster(rack_sizes=None, brokers=9, partitions=3000, skew=0.6, seed=105),
        ),
        _case_add_without_racks(),
        _case_topic_heavy(),
        _case_heterogeneous_capacities(),
        _case_hot_partitions(),
        _case_jbod(),
    ]


# -- inputs the scenarios share --------------------------------------------------------------


def _sizes_of(cluster: SyntheticCluster) -> PartitionSizes:
    if cluster.sizes is None:
        raise ValueError("this scenario needs partition sizes")
    return cluster.sizes


def _rates(
    assignment: ClusterAssignment,
    *,
    hot_fraction: float,
    hotter: float,
    seed: int,
    base: float = 100_000.0,
) -> PartitionRates:
    """Produce rates around ``base`` bytes/s (0.5-1.5 x), a seeded ``hot_fraction`` of the
    partitions ``hotter`` times that; each partition is read by two consumer groups, so its
    bytes out are twice its bytes in."""
    rng = random.Random(seed)
    partitions = sorted(assignment.partitions)
    hot = set(rng.sample(partitions, round(hot_fraction * len(partitions))))
    bytes_in = {
        tp: base * rng.uniform(0.5, 1.5) * (hotter if tp in hot else 1.0) for tp in partitions
    }
    return PartitionRates(bytes_in, {tp: 2 * rate for tp, rate in bytes_in.items()})


def _uneven_log_dirs(cluster: SyntheticCluster, *, seed: int, fill: float = 0.3) -> LogDirs:
    """Log directories for every broker (2, 3 or 4, seeded) and the current replicas in them.

    Each broker's disk is the same, split evenly over its directories, and sized so the
    cluster would fill ``fill`` of it once even. One directory of each broker (seeded) took 3x
    its part of the replicas, as directories drift when Kafka places by partition count.
    """
    rng = random.Random(seed)
    sizes = _sizes_of(cluster)
    total = sum(sizes.size(tp) * len(r) for tp, r in cluster.assignment.partitions.items())
    disk = total / len(cluster.brokers) / fill
    count = {b: rng.choice((2, 3, 4)) for b in cluster.brokers.ids}
    heavy = {b: rng.randrange(n) for b, n in count.items()}
    dirs = [
        LogDir(b, f"/var/lib/kafka/data-{k}", total_bytes=int(disk / n))
        for b, n in count.items()
        for k in range(n)
    ]
    replicas = []
    for tp, brokers in cluster.assignment.partitions.items():
        for b in brokers:
            weights = [3 if k == heavy[b] else 1 for k in range(count[b])]
            k = rng.choices(range(count[b]), weights)[0]
            replicas.append(ReplicaLog(tp, b, f"/var/lib/kafka/data-{k}", sizes.size(tp)))
    return LogDirs(dirs, replicas)


# -- balance figures computed from an assignment -------------------------------------------------


def _spread(values: Iterable[int]) -> int:
    counted = list(values)
    return max(counted) - min(counted) if counted else 0


def _balance(
    assignment: ClusterAssignment,
    target: BrokerSet,
    sizes: PartitionSizes | None,
    capacities: BrokerCapacities | None = None,
) -> dict[str, Any]:
    """Balance of ``assignment`` over the ``target`` brokers, counted from the lists themselves.

    Used both for Kafka's placement and to cross-check our planner's self-reported figures.
    ``stranded`` counts replicas left on brokers outside ``target`` (must be 0). The bytes
    ratio is the heaviest broker over its share: the mean, or with ``capacities`` its disk's
    part of all disks (so the ratio compares fractions of disk in use).
    """
    ids = set(target.ids)
    count = dict.fromkeys(ids, 0)
    lead = dict.fromkeys(ids, 0)
    held = dict.fromkeys(ids, 0)
    rack_of = {b.id: b.rack for b in target}
    racks = len(target.racks)
    stranded = 0
    violations = 0
    for tp, replicas in assignment.partitions.items():
        size = sizes.size(tp) if sizes is not None else 0
        if replicas[0] in lead:
            lead[replicas[0]] += 1
        for b in replicas:
            if b in ids:
                count[b] += 1
                held[b] += size
            else:
                stranded += 1
        if racks and len({rack_of.get(b) for b in replicas}) < min(len(replicas), racks):
            violations += 1
    groups: dict[str | None, list[int]] = defaultdict(list)
    for broker in target:
        groups[broker.rack].append(broker.id)
    room = {b: (capacities.disk(b) or 0) if capacities is not None else 1 for b in ids}

    def heaviest(members: list[int]) -> float | None:
        held_here = sum(held[b] for b in members)
        if not held_here or not all(room[b] for b in members):
            return None
        share = held_here / sum(room[b] for b in members)
        return max(held[b] / room[b] for b in members) / share

    within_bytes: float | None = None
    max_bytes: float | None = None
    if sizes is not None and sum(held.values()) > 0:
        max_bytes = heaviest(list(ids))
        ratios = [r for m in groups.values() if (r := heaviest(m)) is not None]
        within_bytes = max(ratios) if ratios else None
    used: dict[int, float] = {}
    if capacities is not None and sizes is not None:
        used = {b: held[b] / room[b] for b in ids if room[b]}
    return {
        "replica_spread": _spread(count.values()),
        "within_rack_spread": max(_spread(count[b] for b in m) for m in groups.values()),
        "leader_spread": _spread(lead.values()),
        "max_bytes_ratio": max_bytes,
        "within_rack_max_bytes_ratio": within_bytes,
        "rack_violations": violations,
        "stranded_replicas": stranded,
        "fullest_disk": max(used.values()) if used else None,
        "disk_used_spread": (max(used.values()) - min(used.values())) if used else None,
    }


def _rack_forced(assignment: ClusterAssignment, target: BrokerSet) -> tuple[int, float]:
    """The best replica spread and max-bytes ratio the racks allow, when racks fix the shares.

    When every partition's RF equals the number of racks, each partition has exactly one replica
    in every rack, so each rack holds exactly P replicas and all the bytes, whatever the plan:
    a rack of n brokers gives each about P / n. With unequal racks that is a spread of
    max ceil(P / n) - min floor(P / n) and a heaviest broker of N / (R * n_min) x the mean.
    Otherwise the racks fix nothing this simple, and (0, 1.0) is returned.
    """
    racks = len(target.racks)
    if not racks or any(len(r) != racks for r in assignment.partitions.values()):
        return 0, 1.0
    sizes_by_rack: dict[str | None, int] = defaultdict(int)
    for broker in target:
        sizes_by_rack[broker.rack] += 1
    partitions = len(assignment)
    spread = max(-(-partitions // n) for n in sizes_by_rack.values()) - min(
        partitions // n for n in sizes_by_rack.values()
    )
    return spread, len(target) / (racks * min(sizes_by_rack.values()))


def _topic_balance(
    assignment: ClusterAssignment, target: BrokerSet, *, racks_fix_shares: bool
) -> dict[str, Any]:
    """Each topic's spread over the ``target`` brokers, for replicas and for leaders.

    ``topic_spread`` and ``topic_leader_spread`` are the widest max - min per broker over all
    topics (what the plan's report calls its topic spreads). The target is judged per topic: a
    topic with at least as many replicas as brokers keeps max - min <= 2 (within each rack when
    the racks fix every rack's share, as with RF = racks of unequal size); a smaller topic puts
    at most one replica more than its even share (total / brokers, rounded down) on any broker.
    ``topics_off`` counts the topics that miss it, ``worst_topic`` names the first of them.
    """
    ids = target.ids
    groups: dict[str | None, list[int]] = defaultdict(list)
    for broker in target:
        groups[broker.rack if racks_fix_shares else None].append(broker.id)
    replicas: dict[str, Counter[int]] = defaultdict(Counter)
    leaders: dict[str, Counter[int]] = defaultdict(Counter)
    for tp, brokers in assignment.partitions.items():
        replicas[tp.topic].update(brokers)
        leaders[tp.topic][brokers[0]] += 1
    widest = widest_large = 0
    off: list[str] = []
    for topic, cells in replicas.items():
        widest = max(widest, _spread(cells[b] for b in ids))
        total = sum(cells.values())
        if total >= len(ids):
            large = max(_spread(cells[b] for b in members) for members in groups.values())
            widest_large = max(widest_large, large)
            if large > TOPIC_SPREAD:
                off.append(topic)
        elif any(cells[b] > total // len(ids) + 1 for b in ids):
            off.append(topic)
    return {
        "topic_spread": widest,
        "topic_leader_spread": max(
            (_spread(cells[b] for b in ids) for cells in leaders.values()), default=0
        ),
        "large_topic_spread": widest_large,
        "topics_off": len(off),
        "worst_topic": min(off) if off else None,
    }


def _loads(
    assignment: ClusterAssignment, target: BrokerSet, rates: PartitionRates
) -> dict[str, dict[str, float]]:
    """Network load per broker, counted from the replica lists and the rates.

    ``net_in``: a broker receives the produce rate of every partition it holds (its leader from
    producers, a follower from the leader). ``lead_in``: the produce rate of the partitions it
    leads. ``net_out``: what its leaders send, to consumers (bytes out) and to each follower
    (bytes in per follower). Each as max / mean and min / mean over the target brokers.
    """
    ids = target.ids
    load = {kind: dict.fromkeys(ids, 0.0) for kind in LOAD_GOALS}
    for tp, brokers in assignment.partitions.items():
        rate_in = rates.bytes_in.get(tp, 0.0)
        for b in brokers:
            if b in load["net_in"]:
                load["net_in"][b] += rate_in
        leader = brokers[0]
        if leader in load["lead_in"]:
            load["lead_in"][leader] += rate_in
            load["net_out"][leader] += rates.bytes_out.get(tp, 0.0) + (len(brokers) - 1) * rate_in
    figures: dict[str, dict[str, float]] = {}
    for kind, per_broker in load.items():
        mean = sum(per_broker.values()) / len(per_broker)
        figures[kind] = {
            "max_over_mean": max(per_broker.values()) / mean if mean else 0.0,
            "min_over_mean": min(per_broker.values()) / mean if mean else 0.0,
            "max_bytes_per_second": max(per_broker.values()),
        }
    return figures


def _dir_usage(
    log_dirs: LogDirs, assignment: ClusterAssignment, plan: ReassignmentPlan | None
) -> dict[tuple[int, str], int]:
    """Bytes in each (broker, directory): now (``plan`` None) or once ``plan`` has run.

    A replica the plan gives a directory goes there; any other stays where ``log_dirs`` says
    it is. A replica with neither (new on a broker with no choice to make) is not counted.
    """
    size_of = {(r.partition, r.broker): r.size for r in log_dirs if not r.future}
    new_size = log_dirs.partition_sizes()
    chosen: dict[tuple[TopicPartition, int], str] = {}
    after = assignment
    if plan is not None:
        after = plan.apply_to(assignment)
        for move in plan:
            for b, path in zip(move.after, move.log_dirs, strict=False):
                if path != ANY_LOG_DIR:
                    chosen[move.partition, b] = path
    used: dict[tuple[int, str], int] = defaultdict(int)
    for tp, brokers in after.partitions.items():
        for b in brokers:
            where = chosen.get((tp, b)) or log_dirs.dir_of(tp, b)
            if where is not None:
                used[b, where] += size_of.get((tp, b), new_size.size(tp))
    return used


def _dir_balance(log_dirs: LogDirs, used: Mapping[tuple[int, str], int]) -> dict[str, Any]:
    """Per broker, how evenly its directories fill (as fractions of their volumes).

    ``used_spread``: the widest max - min fraction of a broker's directories; ``over_share``:
    the highest fullest-directory fraction over the broker's own fraction (the ratio
    ``plan_log_dirs`` keeps within 1 + its tolerance); ``fullest``: the fullest directory's
    fraction of its volume.
    """
    by_broker: dict[int, list[LogDir]] = defaultdict(list)
    for d in log_dirs.dirs:
        if d.online and d.total_bytes:
            by_broker[d.broker].append(d)
    spread = over = fullest = 0.0
    for broker, dirs in by_broker.items():
        if len(dirs) < 2:
            continue
        fractions = [used.get((broker, d.path), 0) / (d.total_bytes or 1) for d in dirs]
        spread = max(spread, max(fractions) - min(fractions))
        fullest = max(fullest, *fractions)
        share = sum(used.get((broker, d.path), 0) for d in dirs) / sum(
            d.total_bytes or 0 for d in dirs
        )
        if share:
            over = max(over, max(fractions) / share)
    return {"used_spread": spread, "over_share": over, "fullest": fullest}


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def _close(a: float | None, b: float | None) -> bool:
    return a is None if b is None else a is not None and abs(a - b) <= 1e-9 * max(1.0, abs(b))


def _disagreements(
    report: PlanReport,
    recount: Mapping[str, Any],
    topics: Mapping[str, Any],
    *,
    with_capacities: bool,
) -> list[str]:
    """The figures where the plan's report and the recount of its result differ."""
    found = []
    pairs: list[tuple[str, object, object]] = [
        ("replica spread", report.replica_spread_after, recount["replica_spread"]),
        ("leader spread", report.leader_spread_after, recount["leader_spread"]),
        ("rack violations", report.rack_violations_after, recount["rack_violations"]),
        ("stranded replicas", 0, recount["stranded_replicas"]),
        ("topic spread", report.topic_spread_after, topics["topic_spread"]),
        ("topic leader spread", report.topic_leader_spread_after, topics["topic_leader_spread"]),
    ]
    found += [name for name, ours, theirs in pairs if ours != theirs]
    if not with_capacities:
        if not _close(report.max_bytes_ratio_after, recount["max_bytes_ratio"]):
            found.append("max bytes ratio")
    elif not _close(report.max_disk_used_after, recount["fullest_disk"]):
        found.append("fullest disk")
    return found


WAVE_CONCURRENCY = (1, 2, 5, 10)
"""Per-broker copy limits the wave estimate is measured at (the full run only)."""
WAVE_THROTTLE = 100 * 2**20
"""Bytes/s per broker for the wave estimate (its ratio to the bound does not depend on it)."""


def _wave_figures(plan: PlannedReassignment, sizes: PartitionSizes | None) -> dict[str, Any]:
    """Per concurrency limit, over the bandwidth bound (the busiest broker's bytes at the
    throttle, which no order of the moves beats): the estimate of ``reassign execute``'s schedule,
    and the waves run one after another."""
    figures: dict[str, Any] = {}
    for limit in WAVE_CONCURRENCY:
        estimate = estimate_duration(
            plan, throttle_bytes_per_second=WAVE_THROTTLE, sizes=sizes, concurrency=limit
        )
        bound = estimate.bandwidth_bound_seconds or None
        total, waves = estimate.total_seconds, estimate.waves_seconds
        figures[str(limit)] = {
            "waves": len(estimate.waves),
            "estimate_over_bound": total / bound if total is not None and bound else None,
            "waves_over_bound": waves / bound if waves is not None and bound else None,
        }
    return figures


def _wave_cell(figures: Mapping[str, Any]) -> str:
    return (
        f"{_num(figures['estimate_over_bound'], 2)} / "
        f"{_num(figures['waves_over_bound'], 2)} ({figures['waves']})"
    )


def _measure_case(case: _Case, *, traced: bool = True) -> dict[str, Any]:
    """Plan the scenario, check the report against a recount, and judge every target.

    ``traced``: plan it a second time under tracemalloc for its memory peak, and measure its
    waves (the full run).
    """
    plan, seconds = _timed(case.plan)
    traced_seconds, peak = _traced(case.plan) if traced else (None, None)
    report = plan.report
    current = case.cluster.assignment
    after = plan.apply_to(current)
    sizes = case.cluster.sizes
    recount = _balance(after, case.target, sizes, case.capacities)
    before = _balance(current, case.target, sizes, case.capacities)
    forced_spread, forced_bytes = _rack_forced(current, case.target)
    racks_forbid = forced_spread > 1
    topics = _topic_balance(after, case.target, racks_fix_shares=racks_forbid)
    topics_before = _topic_balance(current, case.target, racks_fix_shares=racks_forbid)
    lower = report.lower_bound_moves
    ratio = report.replica_moves / lower if lower else None
    moves_ok = report.replica_moves <= MOVES_FACTOR * lower
    if racks_forbid:
        spread_ok = (
            report.replica_spread_after <= forced_spread
            and recount["within_rack_spread"] <= 1
            and bool(report.notes)
        )
    else:
        spread_ok = report.replica_spread_after <= 1
    bytes_ratio = recount["max_bytes_ratio"]
    bytes_forced = forced_bytes > BYTES_FACTOR
    if bytes_ratio is None:
        bytes_ok: bool | None = None
    elif bytes_forced:
        within = recount["within_rack_max_bytes_ratio"]
        bytes_ok = within is not None and within <= BYTES_FACTOR
    else:
        bytes_ok = bytes_ratio <= BYTES_FACTOR
    disagree = _disagreements(report, recount, topics, with_capacities=case.capacities is not None)
    figures: dict[str, Any] = {
        "what": case.what,
        "partitions": len(current),
        "topics": len(current.topics),
        "brokers_before": len({b for r in current.partitions.values() for b in r}),
        "brokers_after": len(case.target),
        "replica_moves": report.replica_moves,
        "lower_bound_moves": lower,
        "lower_bound_derivation": report.lower_bound_derivation,
        "moves_over_lower_bound": ratio,
        "bytes_moved": report.bytes_moved,
        "lower_bound_bytes": report.lower_bound_bytes,
        "lower_bound_bytes_derivation": report.lower_bound_bytes_derivation,
        "bytes_over_lower_bound": (
            report.bytes_moved / report.lower_bound_bytes
            if report.bytes_moved is not None and report.lower_bound_bytes
            else None
        ),
        "replica_spread_before": report.replica_spread_before,
        "replica_spread_after": report.replica_spread_after,
        "within_rack_spread_after": recount["within_rack_spread"],
        "rack_forced_min_spread": forced_spread,
        "leader_spread_after": report.leader_spread_after,
        "topic_spread_before": topics_before["topic_spread"],
        "topic_spread_after": topics["topic_spread"],
        "topic_leader_spread_before": topics_before["topic_leader_spread"],
        "topic_leader_spread_after": topics["topic_leader_spread"],
        "topics_off_spread_before": topics_before["topics_off"],
        "topics_off_spread_after": topics["topics_off"],
        "worst_topic_after": topics["worst_topic"],
        "max_bytes_ratio_before": before["max_bytes_ratio"],
        "max_bytes_ratio_after": bytes_ratio,
        "within_rack_max_bytes_ratio_after": recount["within_rack_max_bytes_ratio"],
        "rack_forced_min_bytes_ratio": forced_bytes,
        "fullest_disk_before": before["fullest_disk"],
        "fullest_disk_after": recount["fullest_disk"],
        "disk_used_spread_before": before["disk_used_spread"],
        "disk_used_spread_after": recount["disk_used_spread"],
        "rack_violations_before": report.rack_violations_before,
        "rack_violations_after": report.rack_violations_after,
        "goals_unmet": list(report.goals_unmet),
        "goal_details": {g.goal: g.detail for g in report.goals if not g.met},
        "moves_by_goal": dict(report.decided_by),
        "plan_seconds": round(seconds, 4),
        "traced_plan_seconds": None if traced_seconds is None else round(traced_seconds, 4),
        "tracemalloc_peak_mib": None if peak is None else round(peak / 2**20, 1),
        "notes": list(report.notes),
        "report_disagrees_on": disagree,
    }
    targets: dict[str, Any] = {
        "moves_le_1.05x_lower_bound": moves_ok,
        "replica_spread": spread_ok,
        "replica_spread_rule": (
            f"racks forbid <= 1: spread <= {forced_spread}, within-rack <= 1, reason given"
            if racks_forbid
            else "spread <= 1"
        ),
        "leader_spread_le_1": report.leader_spread_after <= 1,
        "bytes": bytes_ok,
        "bytes_rule": (
            f"racks force >= {forced_bytes:.3f} x mean: within-rack max <= 1.10 x rack mean"
            if bytes_forced
            else (
                "max used fraction <= 1.10 x the cluster's"
                if case.capacities is not None
                else "max <= 1.10 x mean"
            )
        ),
        "topic_spread": topics["topics_off"] == 0,
        "topic_spread_rule": (
            "per topic: max-min <= 2 per broker"
            + (" within each rack" if racks_forbid else "")
            + " (topics with a replica per broker), else <= even share + 1 on every broker"
        ),
    }
    if case.capacities is not None:
        fullest = recount["fullest_disk"]
        targets["fullest_disk_le_0.8"] = fullest is not None and fullest <= DISK_FULLEST
    if case.rates is not None:
        figures.update(_load_figures(case, report, current, after, disagree))
        targets["load_goals_met"] = not set(LOAD_GOALS.values()) & set(report.goals_unmet)
    if case.log_dirs is not None:
        figures.update(_log_dir_figures(case.log_dirs, current, plan, report, disagree))
        targets["log_dirs_within_1.10x_share"] = (
            figures["log_dir_over_share_after"] <= 1 + LOG_DIR_TOLERANCE + 1e-9
        )
    figures["report_agrees_with_recount"] = not disagree
    figures["targets"] = targets
    if traced:
        figures["waves"] = _wave_figures(plan, sizes)
    return figures


def _load_figures(
    case: _Case,
    report: PlanReport,
    current: ClusterAssignment,
    after: ClusterAssignment,
    disagree: list[str],
) -> dict[str, Any]:
    """Network loads before and after, recounted; a goal met by the report's word must be
    within its tolerance on the recount too (the shares are even: equal racks)."""
    if case.rates is None:
        return {}
    before = _loads(current, case.target, case.rates)
    now = _loads(after, case.target, case.rates)
    for kind, goal in LOAD_GOALS.items():
        within = (
            now[kind]["max_over_mean"] <= 1 + LOAD_TOLERANCE + 1e-9
            and now[kind]["min_over_mean"] >= 1 - LOAD_TOLERANCE - 1e-9
        )
        if goal not in report.goals_unmet and not within:
            disagree.append(f"{goal} (met by the report, not by the recount)")
    return {"loads_before": before, "loads_after": now}


def _log_dir_figures(
    log_dirs: LogDirs,
    current: ClusterAssignment,
    plan: PlannedReassignment,
    report: PlanReport,
    disagree: list[str],
) -> dict[str, Any]:
    """Directory fill before and after, recounted from the plan's ``log_dirs`` entries, and
    checked against the report's directory table."""
    used_before = _dir_usage(log_dirs, current, None)
    used_after = _dir_usage(log_dirs, current, plan)
    for d in report.log_dirs:
        key = (d.broker, d.path)
        if d.bytes_before != used_before.get(key, 0) or d.bytes_after != used_after.get(key, 0):
            disagree.append(f"log dir {d.broker}:{d.path}")
            break
    before = _dir_balance(log_dirs, used_before)
    after = _dir_balance(log_dirs, used_after)
    return {
        "intra_broker_moves": report.intra_broker_moves,
        "intra_broker_bytes": report.intra_broker_bytes,
        "log_dirs": len(log_dirs.dirs),
        "log_dir_used_spread_before": before["used_spread"],
        "log_dir_used_spread_after": after["used_spread"],
        "log_dir_over_share_before": before["over_share"],
        "log_dir_over_share_after": after["over_share"],
        "fullest_log_dir_before": before["fullest"],
        "fullest_log_dir_after": after["fullest"],
    }


# -- Kafka's --generate ----------------------------------------------------------------------


def _kafka_replica_index(first: int, shift: int, follower: int, brokers: int) -> int:
    """Kafka's ``replicaIndex``: a follower sits 1 + (shift + j) mod (n - 1) places on.

    The 1 + ... mod (n - 1) keeps followers off the leader's own position.
    """
    return (first + 1 + (shift + follower) % (brokers - 1)) % brokers


def _kafka_rack_alternated(brokers: BrokerSet) -> list[int]:
    """Brokers listed rack by rack in turn: racks a, b, c give a0, b0, c0, a1, b1, c1, ...

    Racks and the ids within a rack are sorted, as Kafka sorts them; a rack that runs out is
    skipped, so unequal racks leave the larger racks' brokers at the end.
    """
    by_rack: dict[str, list[int]] = defaultdict(list)
    for broker in brokers:
        by_rack[broker.rack or ""].append(broker.id)
    columns = [sorted(by_rack[rack]) for rack in sorted(by_rack)]
    deepest = max(len(c) for c in columns)
    return [c[level] for level in range(deepest) for c in columns if level < len(c)]


def _kafka_assign_topic(
    partitions: int, factor: int, brokers: BrokerSet, rng: random.Random
) -> list[list[int]]:
    """``AdminUtils.assignReplicasToBrokers`` for one topic, as ``--generate`` calls it.

    The leader of partition p is at (p + start) mod n; followers follow at ``shift``, which
    grows by one each time p wraps around the broker list. Rack-aware: the list alternates
    racks, the shift is scaled by the rack count, and a candidate follower is skipped while its
    rack already holds a replica (unless every rack does) or it already holds one (unless every
    broker does).
    """
    rack_aware = brokers.rack_aware
    arranged = _kafka_rack_alternated(brokers) if rack_aware else list(brokers.ids)
    rack_of = {b.id: b.rack for b in brokers}
    racks = len(brokers.racks)
    n = len(arranged)
    start = rng.randrange(n)
    shift = rng.randrange(n)
    placed = []
    for p in range(partitions):
        if p > 0 and p % n == 0:
            shift += 1
        first = (p + start) % n
        replicas = [arranged[first]]
        if not rack_aware:
            replicas += [
                arranged[_kafka_replica_index(first, shift, j, n)] for j in range(factor - 1)
            ]
        else:
            with_racks = {rack_of[replicas[0]]}
            k = 0
            for _ in range(factor - 1):
                while True:
                    broker = arranged[_kafka_replica_index(first, shift * racks, k, n)]
                    k += 1
                    rack = rack_of[broker]
                    if (rack not in with_racks or len(with_racks) == racks) and (
                        broker not in replicas or len(replicas) == n
                    ):
                        break
                replicas.append(broker)
                with_racks.add(rack)
        placed.append(replicas)
    return placed


def kafka_generate(
    assignment: ClusterAssignment, brokers: BrokerSet, *, seed: int = KAFKA_SEED
) -> ClusterAssignment:
    """What ``kafka-reassign-partitions --generate`` proposes for every topic onto ``brokers``.

    Per topic, with the replication factor of its first partition, as the tool does; the
    topic's partitions receive the generated lists in partition order. Kafka's random start
    index and shift come from ``seed``, so the comparison is repeatable.
    """
    rng = random.Random(seed)
    by_topic: dict[str, list[TopicPartition]] = defaultdict(list)
    for tp in assignment:
        by_topic[tp.topic].append(tp)
    generated: dict[TopicPartition, tuple[int, ...]] = {}
    for topic in sorted(by_topic):
        tps = sorted(by_topic[topic])
        factor = len(assignment.replicas(tps[0]))
        for tp, replicas in zip(
            tps, _kafka_assign_topic(len(tps), factor, brokers, rng), strict=True
        ):
            generated[tp] = tuple(replicas)
    return ClusterAssignment(generated)


def _measure_kafka(case: _Case, ours: Mapping[str, Any]) -> dict[str, Any]:
    """Kafka's proposal for the same request, counted the way our plan is counted."""
    current = case.cluster.assignment
    generated, seconds = _timed(lambda: kafka_generate(current, case.target))
    moves = ReassignmentPlan.between(current, generated).replica_moves
    figures = _balance(generated, case.target, case.cluster.sizes, case.capacities)
    topics = _topic_balance(
        generated, case.target, racks_fix_shares=ours["rack_forced_min_spread"] > 1
    )
    sizes = case.cluster.sizes
    bytes_moved = None
    if sizes is not None:
        bytes_moved = sum(
            sizes.size(tp) * sum(1 for b in replicas if b not in current.replicas(tp))
            for tp, replicas in generated.partitions.items()
        )
    lower = ours["lower_bound_moves"]
    return {
        "replica_moves": moves,
        "ours_replica_moves": ours["replica_moves"],
        "kafka_over_ours": moves / ours["replica_moves"] if ours["replica_moves"] else None,
        "kafka_over_lower_bound": moves / lower if lower else None,
        "bytes_moved": bytes_moved,
        "ours_bytes_moved": ours["bytes_moved"],
        "replica_spread_after": figures["replica_spread"],
        "within_rack_spread_after": figures["within_rack_spread"],
        "leader_spread_after": figures["leader_spread"],
        "topic_spread_after": topics["topic_spread"],
        "topics_off_spread_after": topics["topics_off"],
        "max_bytes_ratio_after": figures["max_bytes_ratio"],
        "fullest_disk_after": figures["fullest_disk"],
        "rack_violations_after": figures["rack_violations"],
        "generate_seconds": round(seconds, 4),
    }


# -- small random clusters -------------------------------------------------------------------


def _small_random_case(seed: int) -> tuple[str, Callable[[], PlannedReassignment]]:
    """The cluster and request of ``test_lower_bound``'s within-five-percent test, seed for
    seed (the same draws in the same order), and how to plan it."""
    rng = random.Random(1000 + seed)
    racks = rng.choice([None, (2, 2, 2), (3, 3, 3), (2, 2, 2, 2)])
    brokers = rng.choice([6, 8, 9]) if racks is None else None
    partitions = rng.choice([120, 240, 400])
    topics = rng.choice([4, 10, 40])
    skew = rng.choice([0.0, 0.5, 1.0])
    cluster = synthetic_cluster(
        rack_sizes=racks,
        brokers=brokers,
        partitions=partitions,
        topics=topics,
        skew=skew,
        sizes=True,
        seed=seed,
    )
    request = rng.choice(["rebalance", "add", "remove"])
    shape = f"racks {'+'.join(map(str, racks))}" if racks else f"{brokers} brokers, no racks"
    what = f"{request}: {shape}, {partitions} partitions in {topics} topics, skew {skew}"
    if request == "add":
        grown, new = cluster.with_new_brokers(per_rack=1)
        return what, lambda: plan_add_brokers(
            grown.assignment, grown.brokers, new, sizes=grown.sizes
        )
    if request == "remove":
        last = max(cluster.brokers.ids)
        return what, lambda: plan_remove_brokers(
            cluster.assignment, cluster.brokers, [last], sizes=cluster.sizes
        )
    return what, lambda: plan_rebalance(cluster.assignment, cluster.brokers, sizes=cluster.sizes)


def _measure_small_random(seeds: int) -> dict[str, Any]:
    """Every seed planned once: moves against the bound, bytes against theirs, and time."""
    cases: list[dict[str, Any]] = []
    for seed in range(seeds):
        what, plan = _small_random_case(seed)
        planned, seconds = _timed(plan)
        report = planned.report
        lower = report.lower_bound_moves
        ratio = report.replica_moves / lower if lower else 1.0
        cases.append(
            {
                "seed": seed,
                "request": what,
                "replica_moves": report.replica_moves,
                "lower_bound_moves": lower,
                "moves_over_lower_bound": ratio,
                "within": lower <= report.replica_moves <= MOVES_FACTOR * lower,
                "bytes_over_lower_bound": (
                    report.bytes_moved / report.lower_bound_bytes
                    if report.bytes_moved is not None and report.lower_bound_bytes
                    else None
                ),
                "goals_unmet": list(report.goals_unmet),
                "plan_seconds": round(seconds, 4),
            }
        )
    worst = max(cases, key=lambda c: (c["moves_over_lower_bound"], -c["seed"]))
    slowest = max(cases, key=lambda c: (c["plan_seconds"], -c["seed"]))
    return {
        "seeds": seeds,
        "within": sum(1 for c in cases if c["within"]),
        "worst": {k: worst[k] for k in ("seed", "request", "moves_over_lower_bound")},
        "total_seconds": round(sum(c["plan_seconds"] for c in cases), 3),
        "slowest": {k: slowest[k] for k in ("seed", "request", "plan_seconds")},
        "cases": cases,
    }


# -- scale -----------------------------------------------------------------------------------


def _max_rss_mib() -> float:
    """The process's peak resident set so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_topics(cluster: SyntheticCluster, topics: int) -> SyntheticCluster:
    """The same partitions dealt round-robin into exactly ``topics`` topics, sizes with them
    (the generator makes ``partitions // topics`` per topic, so 333,334 would give 1,002)."""
    renamed = {
        tp: TopicPartition(f"topic-{index % topics:04d}", index // topics)
        for index, tp in enumerate(cluster.assignment)
    }
    sizes = _sizes_of(cluster)
    return SyntheticCluster(
        cluster.brokers,
        ClusterAssignment({renamed[tp]: r for tp, r in cluster.assignment.partitions.items()}),
        PartitionSizes({renamed[tp]: sizes.size(tp) for tp in renamed}),
    )


@dataclass(frozen=True)
class _ScaleInput:
    """A scale point: the cluster with its 15 new brokers and the options every goal needs."""

    grown: SyntheticCluster
    new: tuple[int, ...]
    options: PlanOptions
    topics: int
    disk_bytes: int
    hot_partitions: int

    def plan(self) -> PlannedReassignment:
        return plan_add_brokers(
            self.grown.assignment,
            self.grown.brokers,
            self.new,
            sizes=self.grown.sizes,
            options=self.options,
        )


def _scale_input(partitions: int) -> _ScaleInput:
    """135 brokers in 5 racks of 27, ``partitions`` at RF 3 in ~333 per topic, placed by
    Kafka's ``--generate``; 3 new brokers per rack; a disk per broker that the gate's 4 TiB
    scales to as full; rates for every partition, 0.1 % of them 10x hotter."""
    topics = max(1, round(SCALE_GATE_TOPICS * partitions / SCALE_GATE_PARTITIONS))
    generated = _in_topics(
        synthetic_cluster(
            rack_sizes=SCALE_RACKS, partitions=partitions, sizes=True, seed=300 + partitions
        ),
        topics,
    )
    placed = SyntheticCluster(
        generated.brokers,
        kafka_generate(generated.assignment, generated.brokers),
        generated.sizes,
    )
    grown, new = placed.with_new_brokers(per_rack=3)
    disk = round(SCALE_DISK_BYTES * partitions / SCALE_GATE_PARTITIONS)
    rates = _rates(grown.assignment, hot_fraction=0.001, hotter=10.0, seed=301 + partitions)
    capacities = BrokerCapacities(dict.fromkeys(grown.brokers.ids, disk))
    return _ScaleInput(
        grown,
        new,
        PlanOptions(capacities=capacities, rates=rates),
        topics,
        disk,
        round(0.001 * partitions),
    )


def _measure_scale(partitions: int) -> dict[str, Any]:
    """Plan the add with every default goal; untraced for wall time, traced for the peak.

    Planning a rebalance of the result with the same options must find nothing to do.
    """
    given, gen_seconds = _timed(lambda: _scale_input(partitions))
    grown = given.grown
    rss_before = _max_rss_mib()
    plan, seconds, cpu = _timed_cpu(given.plan)
    rss_after = _max_rss_mib()
    report = plan.report
    traced_seconds, peak = _traced(given.plan)
    after = plan.apply_to(grown.assignment)
    capacities = given.options.capacities
    recount = _balance(after, grown.brokers, grown.sizes, capacities)
    topics = _topic_balance(after, grown.brokers, racks_fix_shares=False)
    disagree = _disagreements(report, recount, topics, with_capacities=True)
    again, replan_seconds = _timed(
        lambda: plan_rebalance(after, grown.brokers, sizes=grown.sizes, options=given.options)
    )
    lower = report.lower_bound_moves
    return {
        "partitions": partitions,
        "replicas": grown.assignment.total_replicas,
        "topics": given.topics,
        "brokers": f"{len(grown.brokers) - len(given.new)} + {len(given.new)} "
        f"in {len(grown.brokers.racks)} racks",
        "disk_bytes_per_broker": given.disk_bytes,
        "hot_partitions": given.hot_partitions,
        "generate_seconds": round(gen_seconds, 3),
        "plan_seconds": round(seconds, 3),
        "plan_cpu_seconds": round(cpu, 3),
        "replica_moves": report.replica_moves,
        "lower_bound_moves": lower,
        "moves_over_lower_bound": report.replica_moves / lower if lower else None,
        "bytes_moved": report.bytes_moved,
        "lower_bound_bytes": report.lower_bound_bytes,
        "bytes_over_lower_bound": (
            report.bytes_moved / report.lower_bound_bytes
            if report.bytes_moved is not None and report.lower_bound_bytes
            else None
        ),
        "replica_spread_after": report.replica_spread_after,
        "leader_spread_after": report.leader_spread_after,
        "topic_spread_after": topics["topic_spread"],
        "topics_off_spread_after": topics["topics_off"],
        "max_bytes_ratio_after": recount["max_bytes_ratio"],
        "fullest_disk_after": recount["fullest_disk"],
        "rack_violations_after": report.rack_violations_after,
        "goals_unmet": list(report.goals_unmet),
        "goal_details": {g.goal: g.detail for g in report.goals if not g.met},
        "report_disagrees_on": disagree,
        "replan_seconds": round(replan_seconds, 3),
        "replan_replica_moves": again.report.replica_moves,
        "replan_leader_changes": again.report.leader_changes,
        "traced_plan_seconds": round(traced_seconds, 3),
        "tracemalloc_peak_mib": round(peak / 2**20, 1),
        "max_rss_mib_before_plan": round(rss_before, 1),
        "max_rss_mib": round(rss_after, 1),
    }


# -- printing --------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _gib(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**30:.1f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


_MOVES_HEADER = (
    f"{'scenario':<25}{'moves':>7}{'LB':>7}{'/LB':>7}{'GiB mv':>8}{'GiB LB':>8}{'B/LB':>7}"
    f"{'plan s':>8}{'peak MiB':>9}  moves  unmet goals"
)


def _moves_row(key: str, f: Mapping[str, Any]) -> str:
    return (
        f"{key:<25}{f['replica_moves']:>7}{f['lower_bound_moves']:>7}"
        f"{_num(f['moves_over_lower_bound']):>7}{_gib(f['bytes_moved']):>8}"
        f"{_gib(f['lower_bound_bytes']):>8}{_num(f['bytes_over_lower_bound'], 2):>7}"
        f"{f['plan_seconds']:>8.2f}{_num(f['tracemalloc_peak_mib'], 1):>9}  "
        f"{_verdict(f['targets']['moves_le_1.05x_lower_bound']):<7}"
        f"{', '.join(f['goals_unmet']) or '-'}"
    )


_OTHER_TARGETS = ("fullest_disk_le_0.8", "load_goals_met", "log_dirs_within_1.10x_share")
"""The one scenario-specific target some scenarios add (the ``other`` column)."""


_BALANCE_HEADER = (
    f"{'scenario':<25}{'spread':>10}{'in-rack':>8}{'lead':>5}{'topic':>7}{'t-lead':>7}"
    f"{'t-off':>10}{'maxB/sh':>8}{'fullest':>14}{'rackviol':>9}"
    "  spread lead bytes topic other"
)


def _balance_row(key: str, f: Mapping[str, Any]) -> str:
    t = f["targets"]
    other = [v for k, v in t.items() if k in _OTHER_TARGETS]
    fullest = (
        "-"
        if f["fullest_disk_after"] is None
        else f"{_pct(f['fullest_disk_before'])}->{_pct(f['fullest_disk_after'])}"
    )
    return (
        f"{key:<25}{f['replica_spread_before']:>5}->{f['replica_spread_after']:<3}"
        f"{f['within_rack_spread_after']:>8}{f['leader_spread_after']:>5}"
        f"{f['topic_spread_before']:>3}->{f['topic_spread_after']:<2}"
        f"{f['topic_leader_spread_after']:>7}"
        f"{f['topics_off_spread_before']:>5}->{f['topics_off_spread_after']:<3}"
        f"{_num(f['max_bytes_ratio_after']):>8}{fullest:>14}"
        f"{f['rack_violations_before']:>5}->{f['rack_violations_after']:<3}  "
        f"{_verdict(t['replica_spread']):<7}{_verdict(t['leader_spread_le_1']):<5}"
        f"{_verdict(t['bytes']):<6}{_verdict(t['topic_spread']):<6}"
        f"{_verdict(other[0]) if other else 'n/a'}"
    )


def _print_details(key: str, f: Mapping[str, Any]) -> None:
    t = f["targets"]
    print(f"  {key}: {f['what']}")
    print(f"    lower bound: {f['lower_bound_derivation']}")
    if f["lower_bound_bytes_derivation"]:
        print(f"    bytes bound: {f['lower_bound_bytes_derivation']}")
    print(f"    spread rule: {t['replica_spread_rule']}; bytes rule: {t['bytes_rule']}", end="")
    within = f["within_rack_max_bytes_ratio_after"]
    print("" if within is None else f" (within-rack max/share {within:.3f})")
    print(
        f"    topic rule: {t['topic_spread_rule']}: {f['topics_off_spread_before']} of "
        f"{f['topics']} topics off before, {f['topics_off_spread_after']} after"
        + (f" (e.g. {f['worst_topic_after']})" if f["worst_topic_after"] else "")
        + f"; topic leader spread {f['topic_leader_spread_before']} -> "
        f"{f['topic_leader_spread_after']}"
    )
    if f["fullest_disk_after"] is not None:
        print(
            f"    disks: fullest {_pct(f['fullest_disk_before'])} -> "
            f"{_pct(f['fullest_disk_after'])} (<= 80 %: {_verdict(t['fullest_disk_le_0.8'])}); "
            f"used-fraction spread {_num(f['disk_used_spread_before'])} -> "
            f"{_num(f['disk_used_spread_after'])}"
        )
    if "loads_after" in f:
        for kind, goal in LOAD_GOALS.items():
            was, now = f["loads_before"][kind], f["loads_after"][kind]
            print(
                f"    {goal}: max/mean {was['max_over_mean']:.3f} -> {now['max_over_mean']:.3f},"
                f" min/mean {was['min_over_mean']:.3f} -> {now['min_over_mean']:.3f}"
                f" (busiest {now['max_bytes_per_second'] / 2**20:.1f} MiB/s)"
            )
    if "intra_broker_moves" in f:
        print(
            f"    log dirs ({f['log_dirs']}): {f['intra_broker_moves']} intra-broker moves, "
            f"{_gib(f['intra_broker_bytes'])} GiB copied; widest used-fraction spread within a "
            f"broker {f['log_dir_used_spread_before']:.3f} -> "
            f"{f['log_dir_used_spread_after']:.3f}; fullest dir over its broker's fill "
            f"{f['log_dir_over_share_before']:.3f} -> {f['log_dir_over_share_after']:.3f} "
            f"(<= 1.10: {_verdict(t['log_dirs_within_1.10x_share'])}); fullest dir "
            f"{_pct(f['fullest_log_dir_before'])} -> {_pct(f['fullest_log_dir_after'])}"
        )
    decided = ", ".join(f"{goal} {n}" for goal, n in sorted(f["moves_by_goal"].items()))
    print(f"    moves (and reorders) by goal: {decided or '-'}")
    for goal, detail in f["goal_details"].items():
        print(f"    goal not met: {goal}: {detail}")
    for note in f["notes"]:
        print(f"    reason (plan note): {note}")
    if not f["report_agrees_with_recount"]:
        print(
            "    WARNING: the plan's report disagrees with a recount of its assignment on: "
            + ", ".join(f["report_disagrees_on"])
        )


_KAFKA_HEADER = (
    f"{'scenario':<25}{'kafka mv':>9}{'ours':>7}{'kafka/ours':>11}{'kafka/LB':>9}"
    f"{'GiB kafka':>10}{'GiB ours':>9}{'spread':>7}{'in-rack':>8}{'lead':>5}{'topic':>6}"
    f"{'t-off':>6}{'maxB/sh':>8}{'fullest':>8}{'rackviol':>9}"
)


def _kafka_row(key: str, k: Mapping[str, Any]) -> str:
    return (
        f"{key:<25}{k['replica_moves']:>9}{k['ours_replica_moves']:>7}"
        f"{_num(k['kafka_over_ours'], 2):>11}{_num(k['kafka_over_lower_bound'], 2):>9}"
        f"{_gib(k['bytes_moved']):>10}{_gib(k['ours_bytes_moved']):>9}"
        f"{k['replica_spread_after']:>7}{k['within_rack_spread_after']:>8}"
        f"{k['leader_spread_after']:>5}{k['topic_spread_after']:>6}"
        f"{k['topics_off_spread_after']:>6}{_num(k['max_bytes_ratio_after']):>8}"
        f"{_pct(k['fullest_disk_after']):>8}{k['rack_violations_after']:>9}"
    )


def _print_small_random(s: Mapping[str, Any]) -> None:
    worst, slowest = s["worst"], s["slowest"]
    print(
        f"  {s['within']} of {s['seeds']} plans within 1.05 x their bound; worst "
        f"{worst['moves_over_lower_bound']:.3f} x (seed {worst['seed']}: {worst['request']})"
    )
    print(
        f"  planning: {s['total_seconds']:.2f} s in all, slowest {slowest['plan_seconds']:.2f} s "
        f"(seed {slowest['seed']}: {slowest['request']})"
    )
    for c in s["cases"]:
        if not c["within"]:
            print(
                f"  off: seed {c['seed']}: {c['replica_moves']} moves, bound "
                f"{c['lower_bound_moves']} ({c['moves_over_lower_bound']:.3f} x), "
                f"{c['plan_seconds']:.2f} s, goals unmet: {', '.join(c['goals_unmet']) or '-'}"
            )


_SCALE_HEADER = (
    f"{'partitions':>10}{'replicas':>9}{'topics':>7}{'moves':>8}{'LB':>8}{'/LB':>7}{'B/LB':>6}"
    f"{'spread':>7}{'lead':>5}{'topic':>6}{'t-off':>6}{'maxB/sh':>8}{'fullest':>8}"
    f"{'replan mv':>10}  unmet goals"
)


def _scale_row(s: Mapping[str, Any]) -> str:
    return (
        f"{s['partitions']:>10}{s['replicas']:>9}{s['topics']:>7}{s['replica_moves']:>8}"
        f"{s['lower_bound_moves']:>8}{_num(s['moves_over_lower_bound']):>7}"
        f"{_num(s['bytes_over_lower_bound'], 2):>6}{s['replica_spread_after']:>7}"
        f"{s['leader_spread_after']:>5}{s['topic_spread_after']:>6}"
        f"{s['topics_off_spread_after']:>6}{_num(s['max_bytes_ratio_after']):>8}"
        f"{_pct(s['fullest_disk_after']):>8}{s['replan_replica_moves']:>10}  "
        f"{', '.join(s['goals_unmet']) or '-'}"
    )


_SCALE_COST_HEADER = (
    f"{'partitions':>10}{'gen s':>7}{'plan s':>8}{'cpu s':>7}{'replan s':>9}{'traced s':>9}"
    f"{'peak MiB':>9}{'RSS before':>11}{'RSS MiB':>8}"
)


def _scale_cost_row(s: Mapping[str, Any]) -> str:
    return (
        f"{s['partitions']:>10}{s['generate_seconds']:>7.2f}{s['plan_seconds']:>8.2f}"
        f"{s['plan_cpu_seconds']:>7.2f}{s['replan_seconds']:>9.2f}"
        f"{s['traced_plan_seconds']:>9.2f}{s['tracemalloc_peak_mib']:>9.1f}"
        f"{s['max_rss_mib_before_plan']:>11.1f}{s['max_rss_mib']:>8.1f}"
    )


# -- entry point -----------------------------------------------------------------------------


def run(quick: bool) -> dict[str, Any]:
    """Every quality scenario with Kafka's baseline, the small random clusters, then the scale
    points; prints as it goes."""
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cpus, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        " (timings are wall time and share the cpus with whatever else runs)",
        flush=True,
    )
    print("\nquality (our planners): moves and bytes against their bounds, cost, goals")
    print(_MOVES_HEADER)
    cases = _cases()
    scenarios: dict[str, dict[str, Any]] = {}
    for case in cases:
        scenarios[case.key] = _measure_case(case, traced=not quick)
        print(_moves_row(case.key, scenarios[case.key]), flush=True)
    print(
        "\nquality: balance before -> after, recounted from the assignments "
        "(topic = widest per-topic max-min, t-off = topics off their rule, maxB/sh = heaviest "
        "broker over its share of bytes)"
    )
    print(_BALANCE_HEADER)
    for key, figures in scenarios.items():
        print(_balance_row(key, figures))
    for key, figures in scenarios.items():
        _print_details(key, figures)
    if not quick:
        print(
            "\nexecution time over the bandwidth bound (busiest broker's copying at the throttle) "
            "at each per-broker copy limit: as reassign execute runs it / wave by wave (waves):"
        )
        print(f"{'scenario':<25}" + "".join(f"{f'limit {c}':>20}" for c in WAVE_CONCURRENCY))
        for key, figures in scenarios.items():
            cells = "".join(f"{_wave_cell(w):>20}" for w in figures["waves"].values())
            print(f"{key:<25}{cells}")

    print("\nKafka --generate on the same requests (same target brokers):")
    print(_KAFKA_HEADER)
    kafka: dict[str, dict[str, Any]] = {}
    for case in cases:
        kafka[case.key] = _measure_kafka(case, scenarios[case.key])
        print(_kafka_row(case.key, kafka[case.key]), flush=True)

    seeds = QUICK_SMALL_RANDOM_SEEDS if quick else SMALL_RANDOM_SEEDS
    print(f"\nsmall random clusters (test_lower_bound's generator, seeds 0-{seeds - 1}):")
    small = _measure_small_random(seeds)
    _print_small_random(small)

    points = [10_000] if quick else [10_000, 100_000, SCALE_GATE_PARTITIONS]
    print(
        "\nscale: 135 brokers in 5 racks placed by Kafka's --generate, RF 3, sizes, a disk per "
        "broker (4 TiB at the gate), rates (0.1 % of partitions 10x hot); add 15 (3 per rack) "
        "with every default goal, then plan again:"
    )
    print(_SCALE_HEADER)
    scale = []
    for partitions in points:
        figures = _measure_scale(partitions)
        scale.append(figures)
        print(_scale_row(figures), flush=True)
    print(_SCALE_COST_HEADER)
    for figures in scale:
        print(_scale_cost_row(figures))
    for figures in scale:
        for goal, detail in figures["goal_details"].items():
            print(f"  {figures['partitions']:,}: goal not met: {goal}: {detail}")
        if figures["report_disagrees_on"]:
            print(
                f"  {figures['partitions']:,}: WARNING: the report disagrees with a recount on: "
                + ", ".join(figures["report_disagrees_on"])
            )
    gate = next((s for s in scale if s["partitions"] == SCALE_GATE_PARTITIONS), None)
    if gate is not None:
        within_time = gate["plan_seconds"] <= SCALE_SECONDS
        memory = max(gate["max_rss_mib"], gate["tracemalloc_peak_mib"])
        within_memory = memory * 2**20 <= SCALE_MEMORY_BYTES
        gate["targets"] = {"le_10s": within_time, "le_2GiB": within_memory}
        print(
            f"target at {gate['replicas']:,} replicas on 150 brokers: planned in "
            f"{gate['plan_seconds']:.2f} s (<= {SCALE_SECONDS:.0f} s: {_verdict(within_time)}), "
            f"peak {memory:.0f} MiB (<= 2 GiB: {_verdict(within_memory)}); "
            f"{_verdict(within_time and within_memory)}"
        )
    else:
        print(f"target at {SCALE_GATE_PARTITIONS:,} partitions: not run (--quick)")
    for previous, current in itertools.pairwise(scale):
        size = current["partitions"] / previous["partitions"]
        wall = current["plan_seconds"] / max(previous["plan_seconds"], 1e-9)
        cpu = current["plan_cpu_seconds"] / max(previous["plan_cpu_seconds"], 1e-9)
        print(
            f"growth {previous['partitions']:,} -> {current['partitions']:,}: "
            f"{size:.0f}x partitions, planning {wall:.1f}x wall time, {cpu:.1f}x CPU time"
        )
    return {
        "load_average": list(load),
        "scenarios": scenarios,
        "kafka_generate": kafka,
        "small_random": small,
        "scale": scale,
    }
