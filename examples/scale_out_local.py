"""A throttled scale-out of a local Kafka cluster: a new broker gets its share, in waves.

Starts a real 3-broker cluster, fills a topic with data to move, writes to another throughout
(both of replication factor 3 and min.insync.replicas 2), adds a fourth broker with
``confluent_ops.steps.ScaleOut``: the broker is started, the plan moves the fewest replicas to
give it its share, the moves run in waves under a replication throttle, and the throttles are
restored. The last line is one JSON object:
``ok``, ``lost``, ``under_min_isr_samples``, ``throttles_left``, ``duration_s``,
``replica_moves``, ``bytes_moved``, ``lower_bound_moves``, ...

    python examples/scale_out_local.py [--fast] [--throttle BYTES_PER_S] [--concurrency K]
"""

from __future__ import annotations

import argparse
import json
import time

from confluent_kafka import Producer

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.planners.health import throttles_in_force
from confluent_ops.reporting import ProgressDisplay
from confluent_ops.steps.scale import ScaleOut
from confluent_ops.testing import ClusterSampler, LocalBrokerLifecycle, LocalKafkaCluster, Workload


def fill(bootstrap: str, topic: str, megabytes: int, partitions: int) -> None:
    """Write ``megabytes`` of data over every partition, so that whichever partitions the plan
    moves, the new broker has something to copy (without keys, the client's sticky partitioner
    may put a small batch in one partition only)."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for n in range(megabytes * 100):
        producer.produce(topic, value=b"x" * 10_000, partition=n % partitions)
        producer.poll(0)
    producer.flush(60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", action="store_true", help="less data, a higher throttle")
    parser.add_argument("--throttle", type=int, help="bytes/s per broker (default by --fast)")
    parser.add_argument("--concurrency", type=int, default=2, help="copies per broker at once")
    args = parser.parse_args(argv)
    throttle = args.throttle or (4_000_000 if args.fast else 2_000_000)
    started = time.monotonic()
    with LocalKafkaCluster(3, racks=3) as cluster:
        for topic in ("bulk", "orders"):
            cluster.create_topic(
                topic,
                partitions=6 if args.fast else 24,
                replication_factor=3,
                config={"min.insync.replicas": 2},
            )
        bootstrap = cluster.bootstrap_servers
        fill(bootstrap, "bulk", 4 if args.fast else 40, 6 if args.fast else 24)
        with (
            KafkaAdapter.connect(bootstrap) as admin,
            Workload(bootstrap, "orders", rate=100 if args.fast else 300) as workload,
            ClusterSampler(bootstrap) as sampler,
            ProgressDisplay() as display,
        ):
            workload.wait_for_acknowledged(50)
            step = ScaleOut(
                admin,
                LocalBrokerLifecycle(cluster),
                count=1,
                throttle=throttle,
                concurrency=args.concurrency,
                emit=display,
            )
            result = step.run()
            workload.wait_for_acknowledged(50)
            throttles = throttles_in_force(admin.snapshot(sizes=False))
        seen = sampler.report()
    verdict = workload.verdict
    assert verdict is not None
    figures = {
        "ok": verdict.ok and not seen.under_min_isr_samples and not throttles,
        "lost": len(verdict.lost),
        "acknowledged": verdict.acknowledged,
        "under_min_isr_samples": seen.under_min_isr_samples,
        "max_brokers_down": seen.max_brokers_down,
        "throttles_left": len(throttles),
        "replica_moves": result.replica_moves,
        "bytes_moved": result.bytes_moved,
        "lower_bound_moves": result.lower_bound_moves,
        "throttle_bytes_per_s": throttle,
        "concurrency": args.concurrency,
        "reassign_s": round(result.reassign_seconds, 2),
        "duration_s": round(time.monotonic() - started, 2),
    }
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
