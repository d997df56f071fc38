"""A rolling restart of a local Kafka cluster, watched: nothing lost, nothing below min ISR.

Starts a real 3-broker cluster (KRaft, one controller) on 127.0.0.1, writes to a topic of
replication factor 3 and min.insync.replicas 2 throughout, restarts every node with
``confluent_ops.steps.Roll`` (the controller first, one node at a time, each only when no
partition would fall below min ISR, each waited for until it is back in every ISR and its
preferred leadership is restored), then stops everything it started. The last line is one JSON
object: ``ok``, ``lost``, ``under_min_isr_samples``, ``throttles_left``, ``duration_s``, ...

    python examples/rolling_restart_local.py [--fast] [--version 4.1.1] [--parallel]
"""

from __future__ import annotations

import argparse
import json
import time

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.planners.health import throttles_in_force
from confluent_ops.reporting import ProgressDisplay
from confluent_ops.steps.roll import Roll
from confluent_ops.testing import ClusterSampler, LocalBrokerLifecycle, LocalKafkaCluster, Workload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", action="store_true", help="fewer partitions, shorter waits")
    parser.add_argument("--version", default="4.1.1", help="Kafka version (default 4.1.1)")
    parser.add_argument("--parallel", action="store_true", help="restart in safe batches")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with LocalKafkaCluster(3, version=args.version, racks=3) as cluster:
        cluster.create_topic(
            "orders",
            partitions=6 if args.fast else 24,
            replication_factor=3,
            config={"min.insync.replicas": 2},
        )
        bootstrap = cluster.bootstrap_servers
        with (
            KafkaAdapter.connect(bootstrap) as admin,
            Workload(bootstrap, "orders", rate=100 if args.fast else 300) as workload,
            ClusterSampler(bootstrap) as sampler,
            ProgressDisplay() as display,
        ):
            workload.wait_for_acknowledged(50)
            roll = Roll(admin, LocalBrokerLifecycle(cluster), parallel=args.parallel, emit=display)
            result = roll.run()
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
        "samples": seen.samples,
        "max_brokers_down": seen.max_brokers_down,
        "throttles_left": len(throttles),
        "nodes_restarted": len(result.nodes),
        "roll_s": round(result.seconds, 2),
        "node_s": {str(n): round(s, 2) for n, s in result.node_seconds.items()},
        "leadership_restored_s": {
            str(n): round(s, 2) for n, s in result.leadership_seconds.items()
        },
        "duration_s": round(time.monotonic() - started, 2),
    }
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
