"""``confluent-ops demo``: the runbook on what the library embeds, no cluster needed.

Until the simulated platform exists, the demo plans on a generated cluster: it scales a
six-broker, three-rack cluster to nine brokers, shows the plan's report, the waves and the time
they take at a given throttle, and the throttled-replica lists Kafka would be given.
"""

from __future__ import annotations

import argparse

from confluent_ops.cli._app import EX_OK, CommandParser, integer
from confluent_ops.model import synthetic_cluster
from confluent_ops.planners import estimate_duration, plan_add_brokers, throttled_replicas


def register(commands: argparse._SubParsersAction[CommandParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="run the runbook on a generated cluster (no cluster needed)",
        description="Scale a generated 6-broker cluster to 9 brokers and show the plan.",
    )
    demo.add_argument(
        "--partitions",
        type=integer(1, 1_000_000),
        default=3000,
        help="partitions of the generated cluster (default 3000)",
    )
    demo.add_argument(
        "--throttle",
        type=integer(1, 2**40),
        default=50 * 2**20,
        help="replication throttle in bytes/s per broker (default 50 MiB/s)",
    )
    demo.add_argument(
        "--concurrency",
        type=integer(1, 10_000),
        default=4,
        help="concurrent moves per broker per wave (default 4)",
    )
    demo.add_argument(
        "--seed",
        type=integer(0, 2**32 - 1),
        default=7,
        help="seed of the generated cluster: the same seed gives the same cluster and plan",
    )
    demo.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    cluster, new = synthetic_cluster(
        rack_sizes=(2, 2, 2), partitions=args.partitions, topics=30, seed=args.seed
    ).with_new_brokers(per_rack=1)
    print(
        f"cluster: {len(cluster.brokers) - len(new)} brokers in 3 racks, "
        f"{len(cluster.assignment):,} partitions at RF 3; adding brokers {list(new)}\n"
    )
    before = cluster.assignment
    plan = plan_add_brokers(before, cluster.brokers, new, sizes=cluster.sizes)
    print("\n".join(plan.report.summary_lines()))
    estimate = estimate_duration(
        plan,
        throttle_bytes_per_second=args.throttle,
        sizes=cluster.sizes,
        concurrency=args.concurrency,
    )
    seconds = estimate.total_seconds or 0.0
    print(
        f"\nexecution at {args.throttle / 2**20:.0f} MiB/s per broker, "
        f"{args.concurrency} moves per broker at once: {len(estimate.waves)} waves, "
        f"about {seconds / 3600:.1f} h"
    )
    for wave in estimate.waves[:3]:
        print(
            f"  wave {wave.index}: {len(wave.moves)} partitions, {wave.bytes / 2**30:.1f} GiB, "
            f"{(wave.seconds or 0) / 60:.1f} min"
        )
    throttles = throttled_replicas(plan)
    topic = next(iter(throttles))
    print(f"\nthrottled replicas for {topic} (as kafka-reassign-partitions sets them):")
    print(f"  leader.replication.throttled.replicas={throttles[topic].leader[:100]}...")
    print(f"  follower.replication.throttled.replicas={throttles[topic].follower[:100]}...")
    print(
        f"\nplan JSON: {len(plan):,} partitions, {len(plan.to_kafka_json()):,} bytes "
        "(confluent-ops plan add-brokers writes it)"
    )
    return EX_OK
