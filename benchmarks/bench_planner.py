"""Reassignment planners: plan quality on generated clusters, Kafka's ``--generate`` for
comparison, and the cost of planning at 200,000 partitions.

Why each part exists:

- Quality. A planner is only worth using if it moves little data and still leaves the cluster
  even. Every scenario is a seeded :func:`synthetic_cluster`, planned once, and judged against
  fixed targets: replica moves at most 1.05 x the plan's own lower bound, replica-count spread
  at most 1 (or the best the racks allow, with the plan's reason printed), leader spread at
  most 1, and the heaviest broker at most 1.10 x the mean bytes. The balance figures are
  recomputed here from the resulting assignment, so a report that flatters itself shows up.
- Baseline. ``kafka-reassign-partitions --generate`` is what operators use without us. It
  places every partition afresh with ``AdminUtils.assignReplicasToBrokers`` (round-robin from a
  random start, followers at a growing shift; rack-aware over a rack-alternating broker list),
  ignoring where replicas are now. It is reimplemented below from its documented behaviour, with
  a seeded generator standing in for Kafka's random start, so the ratio of its moves to ours is
  on record for the same inputs.
- Scale. 115 brokers in 5 racks with 200,000 partitions at RF 3, adding 15 brokers, must plan in
  at most 15 s and 2 GiB on the 2-core machine. The 10k and 50k points show how cost grows.
  Wall time is measured on an untraced run (tracemalloc slows Python several-fold); the traced
  peak comes from a second, identical run.

Run with ``python -m benchmarks planner [--quick]``; ``--quick`` keeps every quality scenario
(they take seconds) and only the 10k scale point, so a test can call ``run(quick=True)``.
"""

from __future__ import annotations

import gc
import itertools
import os
import random
import resource
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from confluent_ops.model import (
    BrokerSet,
    ClusterAssignment,
    PartitionSizes,
    ReassignmentPlan,
    SyntheticCluster,
    TopicPartition,
    synthetic_cluster,
)
from confluent_ops.planners import plan_add_brokers, plan_rebalance, plan_remove_brokers

T = TypeVar("T")

MOVES_FACTOR = 1.05
"""Replica moves may exceed the plan's lower bound by at most 5 %."""
BYTES_FACTOR = 1.10
"""The heaviest broker may hold at most 10 % more bytes than the mean."""
SCALE_SECONDS = 15.0
SCALE_MEMORY_BYTES = 2 * 2**30
SCALE_GATE_PARTITIONS = 200_000
"""The scale point the time and memory targets apply to."""
KAFKA_SEED = 20_151
"""Stands in for the random start index and shift Kafka draws per topic."""


@dataclass(frozen=True)
class _Case:
    """One quality scenario: the cluster the planner sees and how to plan on it.

    ``cluster.brokers`` is every broker the planner is given (new ones included, removed ones
    still listed); ``target`` is the brokers the partitions must live on afterwards, which is
    also the broker list Kafka's ``--generate`` is asked to place onto.
    """

    key: str
    what: str
    cluster: SyntheticCluster
    target: BrokerSet
    plan: Callable[[], ReassignmentPlan]


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
    ]


# -- balance figures computed from an assignment -------------------------------------------------


def _spread(values: list[int]) -> int:
    return max(values) - min(values) if values else 0


def _balance(
    assignment: ClusterAssignment, target: BrokerSet, sizes: PartitionSizes | None
) -> dict[str, Any]:
    """Balance of ``assignment`` over the ``target`` brokers, counted from the lists themselves.

    Used both for Kafka's placement and to cross-check our planner's self-reported figures.
    ``stranded`` counts replicas left on brokers outside ``target`` (must be 0).
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
    within_bytes: float | None = None
    max_bytes: float | None = None
    total_bytes = sum(held.values())
    if sizes is not None and total_bytes > 0:
        max_bytes = max(held.values()) / (total_bytes / len(held))
        within_bytes = max(
            max(held[b] for b in members) / (sum(held[b] for b in members) / len(members))
            for members in groups.values()
            if sum(held[b] for b in members)
        )
    return {
        "replica_spread": _spread(list(count.values())),
        "within_rack_spread": max(_spread([count[b] for b in m]) for m in groups.values()),
        "leader_spread": _spread(list(lead.values())),
        "max_bytes_ratio": max_bytes,
        "within_rack_max_bytes_ratio": within_bytes,
        "rack_violations": violations,
        "stranded_replicas": stranded,
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


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _measure_case(case: _Case) -> dict[str, Any]:
    """Plan the scenario, check the report against a recount, and judge every target."""
    plan, seconds = _timed(case.plan)
    report = plan.report
    if report is None:
        raise RuntimeError(f"{case.key}: the planner returned a plan without its report")
    current = case.cluster.assignment
    after = plan.apply_to(current)
    recount = _balance(after, case.target, case.cluster.sizes)
    forced_spread, forced_bytes = _rack_forced(current, case.target)
    lower = report.lower_bound_moves
    ratio = report.replica_moves / lower if lower else None
    moves_ok = report.replica_moves <= MOVES_FACTOR * lower
    racks_forbid = forced_spread > 1
    if racks_forbid:
        spread_ok = (
            report.replica_spread_after <= forced_spread
            and recount["within_rack_spread"] <= 1
            and bool(report.notes)
        )
    else:
        spread_ok = report.replica_spread_after <= 1
    bytes_ratio = report.max_bytes_ratio_after
    bytes_forced = forced_bytes > BYTES_FACTOR
    if bytes_ratio is None:
        bytes_ok: bool | None = None
    elif bytes_forced:
        within = recount["within_rack_max_bytes_ratio"]
        bytes_ok = within is not None and within <= BYTES_FACTOR
    else:
        bytes_ok = bytes_ratio <= BYTES_FACTOR
    agrees = (
        recount["replica_spread"] == report.replica_spread_after
        and recount["leader_spread"] == report.leader_spread_after
        and recount["rack_violations"] == report.rack_violations_after
        and recount["stranded_replicas"] == 0
    )
    return {
        "what": case.what,
        "partitions": len(current),
        "brokers_before": len({b for r in current.partitions.values() for b in r}),
        "brokers_after": len(case.target),
        "replica_moves": report.replica_moves,
        "lower_bound_moves": lower,
        "lower_bound_derivation": report.lower_bound_derivation,
        "moves_over_lower_bound": ratio,
        "replica_spread_before": report.replica_spread_before,
        "replica_spread_after": report.replica_spread_after,
        "within_rack_spread_after": recount["within_rack_spread"],
        "rack_forced_min_spread": forced_spread,
        "leader_spread_after": report.leader_spread_after,
        "max_bytes_ratio_after": bytes_ratio,
        "within_rack_max_bytes_ratio_after": recount["within_rack_max_bytes_ratio"],
        "rack_forced_min_bytes_ratio": forced_bytes,
        "bytes_moved": report.bytes_moved,
        "rack_violations_before": report.rack_violations_before,
        "rack_violations_after": report.rack_violations_after,
        "plan_seconds": round(seconds, 4),
        "notes": list(report.notes),
        "report_agrees_with_recount": agrees,
        "targets": {
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
                else "max <= 1.10 x mean"
            ),
        },
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
    figures = _balance(generated, case.target, case.cluster.sizes)
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
        "max_bytes_ratio_after": figures["max_bytes_ratio"],
        "rack_violations_after": figures["rack_violations"],
        "generate_seconds": round(seconds, 4),
    }


# -- printing --------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _gib(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**30:.1f}"


_QUALITY_HEADER = (
    f"{'scenario':<24}{'moves':>7}{'LB':>7}{'/LB':>7}{'spread':>12}{'in-rack':>8}{'lead':>5}"
    f"{'maxB/mean':>10}{'GiB mv':>8}{'rackviol':>9}{'secs':>7}  moves spread lead bytes"
)


def _quality_row(key: str, f: Mapping[str, Any]) -> str:
    t = f["targets"]
    bytes_verdict = "n/a" if t["bytes"] is None else _verdict(t["bytes"])
    spread = f"{f['replica_spread_before']}->{f['replica_spread_after']}"
    rack = f"{f['rack_violations_before']}->{f['rack_violations_after']}"
    return (
        f"{key:<24}{f['replica_moves']:>7}{f['lower_bound_moves']:>7}"
        f"{_num(f['moves_over_lower_bound']):>7}{spread:>12}{f['within_rack_spread_after']:>8}"
        f"{f['leader_spread_after']:>5}{_num(f['max_bytes_ratio_after']):>10}"
        f"{_gib(f['bytes_moved']):>8}{rack:>9}{f['plan_seconds']:>7.2f}  "
        f"{_verdict(t['moves_le_1.05x_lower_bound']):<6}{_verdict(t['replica_spread']):<7}"
        f"{_verdict(t['leader_spread_le_1']):<5}{bytes_verdict}"
    )


def _print_details(key: str, f: Mapping[str, Any]) -> None:
    t = f["targets"]
    print(f"  {key}: {f['what']}")
    print(f"    lower bound: {f['lower_bound_derivation']}")
    print(f"    spread rule: {t['replica_spread_rule']}; bytes rule: {t['bytes_rule']}", end="")
    within = f["within_rack_max_bytes_ratio_after"]
    print("" if within is None else f" (within-rack max/mean {within:.3f})")
    for note in f["notes"]:
        print(f"    reason (plan note): {note}")
    if not f["report_agrees_with_recount"]:
        print("    WARNING: the plan's report disagrees with a recount of its assignment")


_KAFKA_HEADER = (
    f"{'scenario':<24}{'kafka mv':>9}{'ours':>7}{'kafka/ours':>11}{'kafka/LB':>9}"
    f"{'GiB kafka':>10}{'GiB ours':>9}{'spread':>7}{'in-rack':>8}{'lead':>5}{'maxB/mean':>10}"
    f"{'rackviol':>9}"
)


def _kafka_row(key: str, k: Mapping[str, Any]) -> str:
    return (
        f"{key:<24}{k['replica_moves']:>9}{k['ours_replica_moves']:>7}"
        f"{_num(k['kafka_over_ours'], 2):>11}{_num(k['kafka_over_lower_bound'], 2):>9}"
        f"{_gib(k['bytes_moved']):>10}{_gib(k['ours_bytes_moved']):>9}"
        f"{k['replica_spread_after']:>7}{k['within_rack_spread_after']:>8}"
        f"{k['leader_spread_after']:>5}{_num(k['max_bytes_ratio_after']):>10}"
        f"{k['rack_violations_after']:>9}"
    )


_SCALE_HEADER = (
    f"{'partitions':>10}{'replicas':>9}{'gen s':>7}{'add s':>8}{'cpu s':>7}{'moves':>8}{'LB':>8}"
    f"{'spread':>7}{'lead':>5}{'rebal s':>8}{'rebal mv':>9}{'traced s':>9}{'peak MiB':>9}"
    f"{'RSS MiB':>8}"
)


def _scale_row(s: Mapping[str, Any]) -> str:
    return (
        f"{s['partitions']:>10}{s['replicas']:>9}{s['generate_seconds']:>7.2f}"
        f"{s['add_seconds']:>8.2f}{s['add_cpu_seconds']:>7.2f}"
        f"{s['add_replica_moves']:>8}{s['add_lower_bound_moves']:>8}"
        f"{s['add_replica_spread_after']:>7}{s['add_leader_spread_after']:>5}"
        f"{s['rebalance_seconds']:>8.2f}{s['rebalance_replica_moves']:>9}"
        f"{s['traced_add_seconds']:>9.2f}{s['tracemalloc_peak_mib']:>9.1f}"
        f"{s['max_rss_mib']:>8.1f}"
    )


# -- scale -----------------------------------------------------------------------------------


def _max_rss_mib() -> float:
    """The process's peak resident set so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure_scale(partitions: int) -> dict[str, Any]:
    """115 brokers in 5 racks, balanced, RF 3, no sizes; add 15 brokers, then rebalance.

    The add is planned twice: untraced for wall time, then under tracemalloc for the peak of
    memory the planner allocates. The rebalance of the result should find nothing to do.
    """
    cluster, gen_seconds = _timed(
        lambda: synthetic_cluster(
            rack_sizes=(23,) * 5, partitions=partitions, sizes=False, seed=200 + partitions
        )
    )
    grown, new = cluster.with_new_brokers(per_rack=3)
    rss_before = _max_rss_mib()
    plan, add_seconds, add_cpu = _timed_cpu(
        lambda: plan_add_brokers(grown.assignment, grown.brokers, new)
    )
    rss_after = _max_rss_mib()
    report = plan.report
    if report is None:
        raise RuntimeError("plan_add_brokers returned a plan without its report")
    gc.collect()
    tracemalloc.start()
    try:
        _, traced_seconds = _timed(lambda: plan_add_brokers(grown.assignment, grown.brokers, new))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    after = plan.apply_to(grown.assignment)
    again, rebalance_seconds = _timed(lambda: plan_rebalance(after, grown.brokers))
    return {
        "partitions": partitions,
        "replicas": grown.assignment.total_replicas,
        "brokers": f"{len(cluster.brokers)} + {len(new)} in {len(grown.brokers.racks)} racks",
        "generate_seconds": round(gen_seconds, 3),
        "add_seconds": round(add_seconds, 3),
        "add_cpu_seconds": round(add_cpu, 3),
        "add_replica_moves": report.replica_moves,
        "add_lower_bound_moves": report.lower_bound_moves,
        "add_replica_spread_after": report.replica_spread_after,
        "add_leader_spread_after": report.leader_spread_after,
        "add_rack_violations_after": report.rack_violations_after,
        "rebalance_seconds": round(rebalance_seconds, 3),
        "rebalance_replica_moves": again.replica_moves,
        "traced_add_seconds": round(traced_seconds, 3),
        "tracemalloc_peak_mib": round(peak / 2**20, 1),
        "max_rss_mib_before_add": round(rss_before, 1),
        "max_rss_mib": round(rss_after, 1),
    }


# -- entry point -----------------------------------------------------------------------------


def run(quick: bool) -> dict[str, Any]:
    """Every quality scenario with Kafka's baseline, then the scale points; prints as it goes."""
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cpus, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        " (timings are wall time and share the cpus with whatever else runs)",
        flush=True,
    )
    print("\nquality (our planners):")
    print(_QUALITY_HEADER)
    cases = _cases()
    scenarios: dict[str, dict[str, Any]] = {}
    for case in cases:
        scenarios[case.key] = _measure_case(case)
        print(_quality_row(case.key, scenarios[case.key]), flush=True)
    for key, figures in scenarios.items():
        _print_details(key, figures)

    print("\nKafka --generate on the same requests (same target brokers):")
    print(_KAFKA_HEADER)
    kafka: dict[str, dict[str, Any]] = {}
    for case in cases:
        kafka[case.key] = _measure_kafka(case, scenarios[case.key])
        print(_kafka_row(case.key, kafka[case.key]), flush=True)

    points = [10_000] if quick else [10_000, 50_000, SCALE_GATE_PARTITIONS]
    print("\nscale: 115 brokers in 5 racks, RF 3, no sizes; add 15 (3 per rack), then rebalance:")
    print(_SCALE_HEADER)
    scale = []
    for partitions in points:
        figures = _measure_scale(partitions)
        scale.append(figures)
        print(_scale_row(figures), flush=True)
    gate = next((s for s in scale if s["partitions"] == SCALE_GATE_PARTITIONS), None)
    if gate is not None:
        within_time = gate["add_seconds"] <= SCALE_SECONDS
        memory = max(gate["max_rss_mib"], gate["tracemalloc_peak_mib"])
        within_memory = memory * 2**20 <= SCALE_MEMORY_BYTES
        gate["targets"] = {"le_15s": within_time, "le_2GiB": within_memory}
        print(
            f"target at {SCALE_GATE_PARTITIONS:,} partitions: add planned in "
            f"{gate['add_seconds']:.2f} s (<= {SCALE_SECONDS:.0f} s: {_verdict(within_time)}), "
            f"peak {memory:.0f} MiB (<= 2 GiB: {_verdict(within_memory)}); "
            f"{_verdict(within_time and within_memory)}"
        )
    else:
        print(f"target at {SCALE_GATE_PARTITIONS:,} partitions: not run (--quick)")
    for previous, current in itertools.pairwise(scale):
        size = current["partitions"] / previous["partitions"]
        wall = current["add_seconds"] / max(previous["add_seconds"], 1e-9)
        cpu = current["add_cpu_seconds"] / max(previous["add_cpu_seconds"], 1e-9)
        print(
            f"growth {previous['partitions']:,} -> {current['partitions']:,}: "
            f"{size:.0f}x partitions, add planning {wall:.1f}x wall time, {cpu:.1f}x CPU time"
        )
    return {
        "load_average": list(load),
        "scenarios": scenarios,
        "kafka_generate": kafka,
        "scale": scale,
    }
