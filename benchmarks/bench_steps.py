"""What the steps cost on real Kafka, against what the cluster itself makes unavoidable.

- *roll*: a rolling restart of a 3-broker KRaft cluster (one dedicated controller) under a
  workload, against the sum of each node's own restart: stop it, start it, wait until it serves,
  is back in every ISR and nothing is under-replicated (a controller: until it has caught up),
  measured the same way before the roll, one node at a time. Target: roll <= 1.2 x that sum.
  Also the time from each broker's return (back in every ISR) to its preferred leadership being
  restored (the roll's ``leader_delay`` of 1 s included), and the roll's own checks: acknowledged
  messages lost, samples with a partition below ``min.insync.replicas``, throttles left.
- *scale-out*: one broker added to three, its share copied under a replication throttle at
  several per-broker concurrencies. Kafka's throttle is a rate per broker (the follower rate
  caps what the new broker fetches, whatever the number of partitions it fetches at once), so
  the bound is the bytes the busiest broker must take in or send out divided by the throttle;
  with one new broker, every byte moved goes into it: ``bytes_moved / throttle``. The duration
  of the reassignment (waves, polling, the throttle's set-up and restore) is compared with that
  bound (target: <= 1.2 x) and with the issue's ``bytes / (throttle x concurrency)``, which would
  hold only if every move had a throttle of its own.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from confluent_kafka import Producer

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.planners.conditions import (
    Condition,
    all_met,
    broker_in_sync,
    broker_serving,
    controller_caught_up,
    fully_replicated,
    preferred_leaders_elected,
)
from confluent_ops.planners.health import throttles_in_force
from confluent_ops.ports import KafkaAdmin
from confluent_ops.steps import Roll, ScaleOut
from confluent_ops.testing import (
    ClusterSampler,
    LocalBrokerLifecycle,
    LocalKafkaCluster,
    Workload,
    eventually,
)

_TOPIC_CONFIG = {"min.insync.replicas": 2}


def _until(admin: KafkaAdmin, condition: Callable[..., Condition], what: str) -> None:
    eventually(
        lambda: condition(admin.snapshot(sizes=False)).met or None,
        what=what,
        timeout=300,
        interval=0.1,
    )


def _restart_by_hand(cluster: LocalKafkaCluster, admin: KafkaAdmin, node: int) -> float:
    """One node's own restart: stop, start, back and caught up; the seconds it took."""
    lifecycle = LocalBrokerLifecycle(cluster)
    started = time.monotonic()
    lifecycle.stop(node)
    lifecycle.start(node)
    if node in lifecycle.controllers():
        _until(admin, lambda s: controller_caught_up(s, node), f"controller {node} caught up")
    else:
        _until(
            admin,
            lambda s: all_met(
                [broker_serving(s, node), broker_in_sync(s, node), fully_replicated(s)]
            ),
            f"broker {node} back in every ISR",
        )
    return time.monotonic() - started


def _balance_leaders(admin: KafkaAdmin) -> None:
    admin.elect_preferred_leaders([p.partition for p in admin.snapshot(sizes=False)])
    _until(admin, preferred_leaders_elected, "preferred leaders elected")


def _roll_round(partitions: int) -> dict[str, object]:
    with LocalKafkaCluster(3, racks=3) as cluster:
        cluster.create_topic(
            "orders", partitions=partitions, replication_factor=3, config=_TOPIC_CONFIG
        )
        bootstrap = cluster.bootstrap_servers
        with (
            KafkaAdapter.connect(bootstrap) as admin,
            Workload(bootstrap, "orders", rate=300) as workload,
            ClusterSampler(bootstrap) as sampler,
        ):
            workload.wait_for_acknowledged(100)
            lifecycle = LocalBrokerLifecycle(cluster)
            nodes = (*lifecycle.controllers(), *lifecycle.brokers())
            by_hand = {node: _restart_by_hand(cluster, admin, node) for node in nodes}
            _balance_leaders(admin)
            result = Roll(admin, lifecycle).run()
            workload.wait_for_acknowledged(100)
            throttles = throttles_in_force(admin.snapshot(sizes=False))
        seen = sampler.report()
    verdict = workload.verdict
    assert verdict is not None
    baseline = sum(by_hand.values())
    return {
        "nodes": list(result.nodes),
        "restart_by_hand_s": {str(n): round(s, 2) for n, s in by_hand.items()},
        "sum_by_hand_s": round(baseline, 2),
        "roll_s": round(result.seconds, 2),
        "roll_per_node_s": {str(n): round(s, 2) for n, s in result.node_seconds.items()},
        "ratio": round(result.seconds / baseline, 3),
        "leadership_restored_after_return_s": {
            str(n): round(s, 2) for n, s in result.leadership_seconds.items()
        },
        "lost": len(verdict.lost),
        "acknowledged": verdict.acknowledged,
        "under_min_isr_samples": seen.under_min_isr_samples,
        "samples": seen.samples,
        "throttles_left": len(throttles),
    }


def _fill(bootstrap: str, topic: str, partitions: int, megabytes: int) -> None:
    """``megabytes`` spread evenly over the partitions, so that every move copies as much."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "acks": "all"})
    for number in range(megabytes * 100):
        producer.produce(topic, value=b"x" * 10_000, partition=number % partitions)
        producer.poll(0)
    producer.flush(300)


def _scale_round(megabytes: int, throttle: int, concurrency: int) -> dict[str, object]:
    with LocalKafkaCluster(3, racks=3) as cluster:
        cluster.create_topic("bulk", partitions=12, replication_factor=3, config=_TOPIC_CONFIG)
        bootstrap = cluster.bootstrap_servers
        _fill(bootstrap, "bulk", 12, megabytes)
        with KafkaAdapter.connect(bootstrap) as admin:
            result = ScaleOut(
                admin,
                LocalBrokerLifecycle(cluster),
                count=1,
                throttle=throttle,
                concurrency=concurrency,
            ).run()
            throttles = throttles_in_force(admin.snapshot(sizes=False))
    moved = result.bytes_moved or 0
    bound = moved / throttle
    naive = moved / (throttle * concurrency)
    return {
        "concurrency": concurrency,
        "throttle_bytes_per_s": throttle,
        "replica_moves": result.replica_moves,
        "lower_bound_moves": result.lower_bound_moves,
        "bytes_moved": moved,
        "reassign_s": round(result.reassign_seconds, 2),
        "per_broker_bound_s": round(bound, 2),
        "ratio_to_per_broker_bound": round(result.reassign_seconds / bound, 3),
        "issue_formula_s": round(naive, 2),
        "ratio_to_issue_formula": round(result.reassign_seconds / naive, 3),
        "scale_out_s": round(result.seconds, 2),
        "throttles_left": len(throttles),
    }


def run(quick: bool) -> dict[str, object]:
    """Rolls (2 rounds, 24 partitions; quick: 1, 6) and scale-outs at concurrency 1, 2, 5."""
    figures: dict[str, object] = {}
    rolls = [_roll_round(6 if quick else 24) for _ in range(1 if quick else 2)]
    for number, roll in enumerate(rolls, 1):
        print(
            f"roll {number}: {roll['roll_s']} s against {roll['sum_by_hand_s']} s of restarts by "
            f"hand ({roll['restart_by_hand_s']}): {roll['ratio']} x (target 1.2); leadership "
            f"restored {roll['leadership_restored_after_return_s']} s after each return; "
            f"lost {roll['lost']} of {roll['acknowledged']}, under-min-ISR samples "
            f"{roll['under_min_isr_samples']} of {roll['samples']}, throttles left "
            f"{roll['throttles_left']}",
            flush=True,
        )
    figures["roll"] = rolls
    figures["roll_ratio_max"] = max(float(r["ratio"]) for r in rolls)  # type: ignore[arg-type]
    # every partition holds as much; the new broker shares broker 0's rack and takes half of its
    # replicas (one per partition of half the partitions): half the data filled is moved
    megabytes, throttle = (24, 2_000_000) if quick else (120, 2_000_000)
    scales = [_scale_round(megabytes, throttle, k) for k in ((2,) if quick else (1, 2, 5))]
    for scale in scales:
        print(
            f"scale-out, concurrency {scale['concurrency']}: {scale['replica_moves']} moves "
            f"(bound {scale['lower_bound_moves']}), {scale['bytes_moved']} bytes at "
            f"{throttle} B/s per broker in {scale['reassign_s']} s: "
            f"{scale['ratio_to_per_broker_bound']} x the per-broker bound "
            f"{scale['per_broker_bound_s']} s (target 1.2), "
            f"{scale['ratio_to_issue_formula']} x bytes/(throttle x concurrency); throttles "
            f"left {scale['throttles_left']}",
            flush=True,
        )
    figures["scale_out"] = scales
    figures["scale_out_ratio_median"] = statistics.median(
        float(s["ratio_to_per_broker_bound"])  # type: ignore[arg-type]
        for s in scales
    )
    return figures
