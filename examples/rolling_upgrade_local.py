"""A rolling upgrade of a local Kafka cluster from 3.9 to 4.1 (KRaft), then metadata.version.

Starts a real 3-broker cluster on Kafka 3.9.1 in KRaft mode, writes to a topic of replication
factor 3 and min.insync.replicas 2 throughout, rolls every node onto 4.1.1 with
``confluent_ops.steps.Roll(version=...)`` (the controller first, each node only when no
partition would fall below min ISR), then, as a separate gated step, raises metadata.version
with ``MetadataVersionBump`` once every node runs 4.1.1. The last line is one JSON object:
``ok``, ``lost``, ``under_min_isr_samples``, ``throttles_left``, ``duration_s``,
``metadata_version`` before and after, ...

    python examples/rolling_upgrade_local.py [--fast] [--from 3.9.1] [--to 4.1.1]
"""

from __future__ import annotations

import argparse
import json
import time

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.planners.health import throttles_in_force
from confluent_ops.reporting import ProgressDisplay
from confluent_ops.steps.roll import MetadataVersionBump, Roll
from confluent_ops.testing import ClusterSampler, LocalBrokerLifecycle, LocalKafkaCluster, Workload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", action="store_true", help="fewer partitions, slower workload")
    parser.add_argument("--from", dest="old", default="3.9.1", help="version to start on")
    parser.add_argument("--to", dest="new", default="4.1.1", help="version to upgrade to")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with LocalKafkaCluster(3, version=args.old, racks=3) as cluster:
        cluster.create_topic(
            "orders",
            partitions=6 if args.fast else 24,
            replication_factor=3,
            config={"min.insync.replicas": 2},
        )
        bootstrap = cluster.bootstrap_servers
        lifecycle = LocalBrokerLifecycle(cluster)
        with (
            KafkaAdapter.connect(bootstrap) as admin,
            Workload(bootstrap, "orders", rate=100 if args.fast else 300) as workload,
            ClusterSampler(bootstrap) as sampler,
            ProgressDisplay() as display,
        ):
            workload.wait_for_acknowledged(50)
            before = admin.snapshot(sizes=False).metadata_version
            roll = Roll(admin, lifecycle, version=args.new, emit=display).run()
            level = MetadataVersionBump(admin, lifecycle, version=args.new, emit=display).run()
            workload.wait_for_acknowledged(50)
            after = admin.snapshot(sizes=False)
            throttles = throttles_in_force(after)
        seen = sampler.report()
        versions = sorted(
            {str(cluster.version_of(n)) for n in (*cluster.broker_ids, *cluster.controller_ids)}
        )
    verdict = workload.verdict
    assert verdict is not None
    figures = {
        "ok": verdict.ok
        and not seen.under_min_isr_samples
        and not throttles
        and versions == [args.new]
        and after.metadata_version == level,
        "lost": len(verdict.lost),
        "acknowledged": verdict.acknowledged,
        "under_min_isr_samples": seen.under_min_isr_samples,
        "max_brokers_down": seen.max_brokers_down,
        "throttles_left": len(throttles),
        "versions": versions,
        "metadata_version_before": before,
        "metadata_version_after": after.metadata_version,
        "roll_s": round(roll.seconds, 2),
        "duration_s": round(time.monotonic() - started, 2),
    }
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
