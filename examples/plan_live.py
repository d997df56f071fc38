"""Plan a rebalance from a live cluster: read it, plan the fewest moves, estimate, write the plan.

Without ``--bootstrap`` it starts a real local 4-broker cluster (KRaft, two racks) and piles a
few topics, with some data, on brokers 0, 1 and 2, so that broker 3 holds nothing; with
``--bootstrap`` it reads the cluster given. It reads one ``ClusterSnapshot`` with
``KafkaAdapter`` (the assignment, the brokers with their racks, every partition's size), plans
with ``plan_rebalance`` (or ``plan_add_brokers`` with ``--new``), prints the plan's report of its
own quality, estimates the duration at ``--throttle`` in waves of at most ``--concurrency``
copies per broker, and writes the plan in Kafka's reassignment JSON to ``--output``, which
``confluent-ops reassign execute`` or ``kafka-reassign-partitions --execute`` runs. It executes
nothing: it reads the cluster again at the end to show that nothing moved. The last line is one
JSON object: ``replica_moves``, ``lower_bound_moves``, ``bytes_moved``, ``waves``,
``estimate_s``, ...

    python examples/plan_live.py [--fast] [--output plan.json] [--throttle BYTES_PER_S]
    python examples/plan_live.py --bootstrap kafka:9092 [--command-config client.properties]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from pathlib import Path

from confluent_kafka import Producer

from confluent_ops.adapters import KafkaAdapter, client_config_from_properties
from confluent_ops.model import ReassignmentPlan
from confluent_ops.planners import estimate_duration, plan_add_brokers, plan_rebalance
from confluent_ops.steps import DEFAULT_CONCURRENCY
from confluent_ops.testing import LocalKafkaCluster

PILED_ON = (0, 1, 2)
"""The brokers the local cluster's topics are created on; broker 3 gets nothing."""


def pile_topics(cluster: LocalKafkaCluster, *, fast: bool) -> None:
    """Create three topics on brokers 0-2 only (leaders rotated), and write data into them."""
    topics = {"orders": 6, "payments": 6, "audit": 3} if fast else {"orders": 24, "payments": 12}
    for name, partitions in topics.items():
        rotations = [PILED_ON[p % 3 :] + PILED_ON[: p % 3] for p in range(partitions)]
        cluster.create_topic(name, assignment=rotations, config={"min.insync.replicas": 2})
    producer = Producer({"bootstrap.servers": cluster.bootstrap_servers, "linger.ms": 20})
    names = list(topics)
    for n in range(200 if fast else 2_000):
        topic = names[n % len(names)]
        producer.produce(topic, value=b"x" * 10_000, partition=n // len(names) % topics[topic])
        producer.poll(0)
    producer.flush(60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", help="plan for this cluster (default: start a local one)")
    parser.add_argument("--command-config", help="Java client properties for --bootstrap")
    parser.add_argument("--fast", action="store_true", help="local cluster: fewer partitions")
    parser.add_argument("--new", help="plan add-brokers for these new, empty brokers: 3,4")
    parser.add_argument("--output", default="plan.json", help="where to write the plan")
    parser.add_argument(
        "--throttle", type=int, default=10_000_000, help="bytes/s per broker for the estimate"
    )
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="copies per broker at once"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        client: dict[str, str] = {}
        if args.bootstrap:
            bootstrap = args.bootstrap
            if args.command_config:
                client = stack.enter_context(client_config_from_properties(args.command_config))
        else:
            cluster = stack.enter_context(LocalKafkaCluster(4, racks=2))
            pile_topics(cluster, fast=args.fast)
            bootstrap = cluster.bootstrap_servers
        admin = stack.enter_context(KafkaAdapter.connect(bootstrap, client))
        snapshot = admin.snapshot()
        assignment, brokers, sizes = snapshot.assignment(), snapshot.broker_set(), snapshot.sizes
        if args.new:
            new = [int(b) for b in args.new.split(",")]
            plan = plan_add_brokers(assignment, brokers, new, sizes=sizes)
        else:
            plan = plan_rebalance(assignment, brokers, sizes=sizes)
        report = plan.report
        print("\n".join(report.summary_lines()))
        estimate = estimate_duration(
            plan,
            throttle_bytes_per_second=args.throttle,
            sizes=sizes,
            concurrency=args.concurrency,
        )
        seconds = estimate.total_seconds or 0.0
        print(
            f"execution: {len(estimate.waves)} wave(s) at {args.throttle:,} B/s per broker, "
            f"at most {args.concurrency} copies per broker at once: at least {seconds:.1f} s"
        )
        output = Path(args.output)
        output.write_text(plan.to_kafka_json())
        written = ReassignmentPlan.from_kafka_json(output.read_text(), assignment)
        after = admin.snapshot(sizes=False)
        untouched = after.assignment() == assignment and not after.reassignments
        print(f"plan written to {output}; the cluster is untouched: {untouched}")
    figures = {
        "ok": report.complete and untouched and written.moves == plan.moves,
        "request": report.request,
        "brokers": len(brokers.brokers),
        "partitions": len(assignment.partitions),
        "partitions_changed": report.partitions_changed,
        "replica_moves": report.replica_moves,
        "lower_bound_moves": report.lower_bound_moves,
        "bytes_moved": report.bytes_moved,
        "replica_spread_before": report.replica_spread_before,
        "replica_spread_after": report.replica_spread_after,
        "leader_spread_after": report.leader_spread_after,
        "waves": len(estimate.waves),
        "throttle_bytes_per_s": args.throttle,
        "estimate_s": round(seconds, 2),
        "plan_file": str(output),
        "plan_file_partitions": len(written),
        "untouched": untouched,
        "duration_s": round(time.monotonic() - started, 2),
    }
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
