"""``confluent-ops demo``: the slides' story on a real Kafka cluster on 127.0.0.1.

It starts three brokers (and a three-voter KRaft quorum) on the older supported Kafka version,
with a producer and a consumer that check every acknowledged message and an ISR sampler
throughout; shows the preflight; adds a broker and rebalances onto it under a throttle (the plan
shown first as a table, with its lower bound and estimated duration); rolls every node to the
newer version under the min-ISR gate and raises ``metadata.version``; removes the broker again;
stops everything it started. It ends with a report (acknowledged and lost messages, the worst
produce latency, time under-replicated, moves against the lower bound, throttles left), a PNG
plot in the working directory and, with ``--json``, the figures as the last line of stdout.

Everything it does goes through the library's public API: the steps (``ScaleOut``, ``Roll``,
``MetadataVersionBump``, ``ScaleIn``) on the admin port and the testbed's lifecycle, the
planners for the table, ``confluent_ops.testing`` for the cluster and the checks. Machines that
cannot start Java keep the planning tour on a generated cluster: ``--plan-only``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs
from rich.console import Console
from rich.table import Table

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.cli._app import EX_FAILURE, EX_OK, CommandParser, UsageError, integer
from confluent_ops.cli._demo_plot import BrokerLoad, Phase, write_plot
from confluent_ops.errors import KafkaVersionUnavailable, UnsafeOperation
from confluent_ops.model import ClusterSnapshot, synthetic_cluster
from confluent_ops.planners import estimate_duration, plan_add_brokers, throttled_replicas
from confluent_ops.planners.health import operation_preflight, throttles_in_force
from confluent_ops.reporting import ProgressDisplay
from confluent_ops.steps.roll import MetadataVersionBump, Roll
from confluent_ops.steps.scale import ScaleIn, ScaleOut, ScaleResult
from confluent_ops.testing import (
    SUPPORTED_KAFKA_VERSIONS,
    ClusterSampler,
    KafkaVersion,
    LocalBrokerLifecycle,
    LocalKafkaCluster,
    Workload,
    resolve_kafka,
)

PLOT = "confluent-ops-demo.png"
_MiB = 2**20


@attrs.frozen
class _Size:
    """How big the story is: the default tells it in a couple of minutes, ``--quick`` faster
    (one controller instead of a three-voter quorum, which the preflight then points out)."""

    controllers: int
    orders_partitions: int
    bulk_partitions: int
    bulk_mib: int
    rate: int
    throttle: int


_NORMAL = _Size(
    controllers=3,
    orders_partitions=12,
    bulk_partitions=24,
    bulk_mib=120,
    rate=200,
    throttle=5 * _MiB,
)
_QUICK = _Size(
    controllers=1,
    orders_partitions=6,
    bulk_partitions=12,
    bulk_mib=12,
    rate=100,
    throttle=10 * _MiB,
)


def register(commands: argparse._SubParsersAction[CommandParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="the whole story on a real local cluster: scale out, roll to a new version, scale in",
        description=(
            "Start a real 3-broker Kafka cluster on 127.0.0.1 with a workload that checks every "
            "acknowledged message, add a broker and rebalance onto it under a throttle, roll "
            "every node to the newer version and raise metadata.version, remove the broker, "
            "stop everything, and report what it proved (with a PNG plot). --plan-only plans "
            "on a generated cluster instead, without Java."
        ),
    )
    demo.add_argument(
        "--plan-only",
        action="store_true",
        help="no cluster: plan a 6-to-9-broker scale-out of a generated cluster and show it",
    )
    demo.add_argument(
        "--json",
        action="store_true",
        help="print the figures as one JSON object, as the last line of stdout",
    )
    demo.add_argument(
        "--quick",
        action="store_true",
        help="one controller, less data, fewer partitions (what the test suite runs)",
    )
    demo.add_argument(
        "--from-version",
        type=_version,
        default=SUPPORTED_KAFKA_VERSIONS[0],
        help=f"the Kafka version to start on (default {SUPPORTED_KAFKA_VERSIONS[0]})",
    )
    demo.add_argument(
        "--to-version",
        type=_version,
        default=SUPPORTED_KAFKA_VERSIONS[-1],
        help=f"the Kafka version to roll to (default {SUPPORTED_KAFKA_VERSIONS[-1]})",
    )
    demo.add_argument(
        "--plot",
        default=PLOT,
        help=f"where to write the PNG plot (default ./{PLOT})",
    )
    demo.add_argument(
        "--throttle",
        type=integer(1, 2**40),
        default=None,
        help="replication throttle in bytes/s per broker (default 5 MiB/s, 10 MiB/s with "
        "--quick, 50 MiB/s with --plan-only)",
    )
    demo.add_argument(
        "--concurrency",
        type=integer(1, 10_000),
        default=4,
        help="concurrent moves per broker per wave (default 4)",
    )
    demo.add_argument(
        "--partitions",
        type=integer(1, 1_000_000),
        default=3000,
        help="with --plan-only: partitions of the generated cluster (default 3000)",
    )
    demo.add_argument(
        "--seed",
        type=integer(0, 2**32 - 1),
        default=7,
        help="with --plan-only: seed of the generated cluster (same seed, same plan)",
    )
    demo.set_defaults(handler=_run)


def _version(text: str) -> str:
    """A Kafka release the story can run: KRaft (3.3 or newer), as ``MAJOR.MINOR.PATCH``."""
    try:
        version = KafkaVersion.parse(text)
    except KafkaVersionUnavailable as exc:
        raise argparse.ArgumentTypeError(exc.detail) from None
    if (version.major, version.minor) < (3, 3):
        raise argparse.ArgumentTypeError(f"{text}: the demo runs KRaft, which needs Kafka 3.3+")
    return str(version)


def _run(args: argparse.Namespace) -> int:
    if args.plan_only:
        return _plan_only(args)
    if KafkaVersion.parse(args.to_version) < KafkaVersion.parse(args.from_version):
        raise UsageError(
            f"--to-version {args.to_version} is older than --from-version {args.from_version}: "
            "the story rolls forward (a metadata.version once raised cannot be lowered)"
        )
    return _on_a_real_cluster(args)


# -- the story on a real cluster -------------------------------------------------------------


class _Story:
    """The demo's narration on stdout, and the clock of its phases (for the plot)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.phases: list[Phase] = []
        self.origin = time.monotonic()

    def say(self, text: str) -> None:
        self.console.print(text, highlight=False)

    @contextmanager
    def phase(self, label: str, title: str) -> Iterator[None]:
        """A part of the story: ``title`` heads it on the console, ``label`` marks the plot."""
        self.console.rule(title, style="cyan")
        started = time.monotonic() - self.origin
        try:
            yield
        finally:
            self.phases.append(Phase(label, started, time.monotonic() - self.origin))


def _on_a_real_cluster(args: argparse.Namespace) -> int:
    size = _QUICK if args.quick else _NORMAL
    throttle = args.throttle or size.throttle
    story = _Story(Console(highlight=False))
    plot_path = Path(args.plot)
    can_plot = importlib.util.find_spec("matplotlib") is not None
    started = time.monotonic()
    story.say(
        f"Kafka {args.from_version} and {args.to_version}: resolving the jars "
        "(the first run downloads them, 1 to 2 minutes; later runs use the cache)"
    )
    for version in (args.from_version, args.to_version):
        resolve_kafka(version)
    if not can_plot:
        story.say("no matplotlib: no plot (pip install 'confluent-ops[demo]' brings it)")
    loads: dict[str, tuple[BrokerLoad, ...]] = {}
    with LocalKafkaCluster(
        3,
        version=args.from_version,
        racks=3,
        controllers=size.controllers,
        broker_config={"min.insync.replicas": 2},  # as production runs it: acks=all means two
    ) as cluster:
        bootstrap = cluster.bootstrap_servers
        lifecycle = LocalBrokerLifecycle(cluster)
        story.say(
            f"cluster: brokers {list(cluster.broker_ids)} in three racks and KRaft controller(s) "
            f"{list(cluster.controller_ids)} on {bootstrap}, Kafka {args.from_version}"
        )
        for topic, partitions in (
            ("orders", size.orders_partitions),
            ("bulk", size.bulk_partitions),
        ):
            cluster.create_topic(
                topic,
                partitions=partitions,
                replication_factor=3,
                config={"min.insync.replicas": 2},
            )
        _fill(cluster, "bulk", size.bulk_mib, story)
        with (
            KafkaAdapter.connect(bootstrap) as admin,
            Workload(bootstrap, "orders", rate=size.rate) as workload,
            ClusterSampler(bootstrap) as sampler,
            ProgressDisplay() as display,
        ):
            story.origin = sampler.started_at
            workload.wait_for_acknowledged(50)
            story.say(
                f"workload: {size.rate} messages/s to 'orders' (acks=all), read back and checked"
            )
            with story.phase("preflight", "preflight"):
                before = admin.snapshot()
                loads["start"] = _loads(before)
                _show_preflight(story, before)
            with story.phase(
                "scale out", "scale out: a fourth broker, rebalanced under a throttle"
            ):
                adding = ScaleOut(
                    admin,
                    lifecycle,
                    count=1,
                    throttle=throttle,
                    concurrency=args.concurrency,
                    emit=display,
                )
                _show_scale_out_plan(story, adding, before, throttle, args.concurrency)
                scale_out = adding.run()
                loads["after scale-out"] = _loads(admin.snapshot(sizes=False))
                story.say(
                    f"added broker {list(scale_out.brokers)}: {scale_out.replica_moves} moves "
                    f"(lower bound {scale_out.lower_bound_moves}), "
                    f"{_mib(scale_out.bytes_moved)} copied in {scale_out.reassign_seconds:.1f} s"
                )
            with story.phase(f"roll to {args.to_version}", f"rolling upgrade to {args.to_version}"):
                metadata_before = admin.snapshot(sizes=False).metadata_version
                roll = Roll(admin, lifecycle, version=args.to_version, emit=display).run()
                level = MetadataVersionBump(
                    admin, lifecycle, version=args.to_version, emit=display
                ).run()
                story.say(
                    f"rolled {len(roll.nodes)} nodes in {roll.seconds:.1f} s, one at a time, "
                    f"each only while no partition would fall below min.insync.replicas; "
                    f"metadata.version {metadata_before} -> {level}"
                )
            with story.phase("scale in", "scale in: the fourth broker removed"):
                scale_in = ScaleIn(
                    admin,
                    lifecycle,
                    brokers=scale_out.brokers,
                    throttle=throttle,
                    concurrency=args.concurrency,
                    emit=display,
                ).run()
                story.say(
                    f"removed broker {list(scale_in.brokers)}: {scale_in.replica_moves} moves "
                    f"(lower bound {scale_in.lower_bound_moves}), "
                    f"{_mib(scale_in.bytes_moved)} copied in {scale_in.reassign_seconds:.1f} s"
                )
            workload.wait_for_acknowledged(50)
            after = admin.snapshot(sizes=False)
            loads["end"] = _loads(after)
            throttles = throttles_in_force(after)
        seen = sampler.report()
        timeline = sampler.timeline()
        versions = sorted(
            {str(cluster.version_of(n)) for n in (*cluster.broker_ids, *cluster.controller_ids)}
        )
    verdict = workload.verdict
    if verdict is None:  # the workload's context always judges it on exit
        raise UnsafeOperation("the workload ended without a verdict")
    plot = None
    if can_plot:
        plot = write_plot(plot_path, loads, timeline, story.phases)
    figures: dict[str, object] = {
        "ok": verdict.ok
        and not seen.under_min_isr_samples
        and not throttles
        and versions == [args.to_version],
        "acknowledged": verdict.acknowledged,
        "lost": len(verdict.lost),
        "worst_produce_latency_s": round(verdict.max_produce_latency, 3),
        "under_replicated_s": seen.under_replicated_seconds,
        "under_min_isr_samples": seen.under_min_isr_samples,
        "samples": seen.samples,
        "max_brokers_down": seen.max_brokers_down,
        "scale_out": _scale_figures(scale_out),
        "roll": {"nodes": len(roll.nodes), "seconds": round(roll.seconds, 2)},
        "metadata_version_before": metadata_before,
        "metadata_version_after": level,
        "versions": versions,
        "scale_in": _scale_figures(scale_in),
        "throttles_left": len(throttles),
        "plot": None if plot is None else str(plot),
        "duration_s": round(time.monotonic() - started, 1),
    }
    _report(story, figures, scale_out, scale_in, versions, verdict.summary())
    if args.json:
        print(json.dumps(figures, sort_keys=True), flush=True)
    return EX_OK if figures["ok"] else EX_FAILURE


def _fill(cluster: LocalKafkaCluster, topic: str, mib: int, story: _Story) -> None:
    """Write ``mib`` MiB to ``topic`` with Kafka's own producer benchmark: data to move."""
    records = mib * 100
    result = cluster.run_tool(
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic", topic,
        "--num-records", str(records),
        "--record-size", str(_MiB // 100),
        "--throughput", "-1",
        "--producer-props", f"bootstrap.servers={cluster.bootstrap_servers}", "acks=1",
        "linger.ms=20",
        timeout=300,
    )  # fmt: skip
    if result.returncode != 0:
        raise UnsafeOperation(f"could not write the data to move: {result.stderr[-500:]}")
    story.say(f"wrote {mib} MiB to '{topic}' ({records} records), data for the moves to copy")


def _loads(snapshot: ClusterSnapshot) -> tuple[BrokerLoad, ...]:
    replicas = snapshot.assignment().replica_counts()
    leaders = Counter(p.leader for p in snapshot if p.leader is not None)
    return tuple(
        BrokerLoad(broker, replicas.get(broker, 0), leaders.get(broker, 0))
        for broker in sorted(snapshot.broker_ids)
    )


def _show_preflight(story: _Story, snapshot: ClusterSnapshot) -> None:
    findings = operation_preflight(snapshot)
    table = Table(title="preflight", show_lines=False)
    for column in ("check", "where", "finding"):
        table.add_column(column)
    if not findings:
        table.add_row(
            "durability, quorum, foreign reassignments and throttles",
            "every topic",
            "nothing stands in the way",
        )
    for finding in findings:
        table.add_row(f"{finding.severity.value}: {finding.code}", finding.subject, finding.message)
    story.console.print(table)


def _show_scale_out_plan(
    story: _Story, step: ScaleOut, snapshot: ClusterSnapshot, throttle: int, concurrency: int
) -> None:
    """The plan the scale-out step will make for the new broker, as a table."""
    plan = step.plan(snapshot)
    report = plan.report
    (new,) = (b for b in report.brokers if b.broker not in snapshot.broker_ids)
    estimate = estimate_duration(
        plan, throttle_bytes_per_second=throttle, sizes=snapshot.sizes, concurrency=concurrency
    )
    table = Table(title=f"plan: add broker {new.broker} in rack {new.rack}")
    for column in ("broker", "rack", "replicas", "leaders", "bytes"):
        table.add_column(column, justify="right")
    for b in report.brokers:
        table.add_row(
            str(b.broker),
            b.rack or "-",
            f"{b.replicas_before} -> {b.replicas_after}",
            f"{b.leaders_before} -> {b.leaders_after}",
            f"{_mib(b.bytes_before)} -> {_mib(b.bytes_after)}",
        )
    story.console.print(table)
    seconds = estimate.total_seconds or 0.0
    story.say(
        f"{report.replica_moves} replica moves (lower bound {report.lower_bound_moves}: "
        f"{report.lower_bound_derivation}), {_mib(report.bytes_moved)} to copy at "
        f"{throttle / _MiB:.0f} MiB/s per broker: about {seconds:.1f} s"
    )


def _scale_figures(result: ScaleResult) -> dict[str, object]:
    keep = ("replica_moves", "lower_bound_moves", "bytes_moved", "reassign_seconds", "seconds")
    values = result.to_dict()
    return {
        key: round(v, 2) if isinstance(v, float) else v for key, v in values.items() if key in keep
    }


def _mib(value: int | None) -> str:
    return "? MiB" if value is None else f"{value / _MiB:.1f} MiB"


def _report(
    story: _Story,
    figures: dict[str, object],
    out: ScaleResult,
    in_: ScaleResult,
    versions: list[str],
    workload: str,
) -> None:
    story.console.rule("report", style="cyan")
    table = Table(show_header=False)
    table.add_column("what")
    table.add_column("figure")
    rows = [
        ("messages acknowledged", f"{figures['acknowledged']:,}"),
        ("messages lost", str(figures["lost"])),
        ("worst produce latency", f"{figures['worst_produce_latency_s']} s"),
        ("time under-replicated", f"{figures['under_replicated_s']} s"),
        ("samples under min.insync.replicas", str(figures["under_min_isr_samples"])),
        (
            "scale-out moves / lower bound",
            f"{out.replica_moves} / {out.lower_bound_moves}",
        ),
        ("scale-in moves / lower bound", f"{in_.replica_moves} / {in_.lower_bound_moves}"),
        ("versions after the roll", " ".join(versions)),
        ("throttles left", str(figures["throttles_left"])),
        ("plot", str(figures["plot"] or "none (no matplotlib)")),
        ("duration", f"{figures['duration_s']} s"),
    ]
    for what, figure in rows:
        table.add_row(what, figure)
    story.console.print(table)
    story.say(f"workload: {workload}")
    story.say("verdict: " + ("safe throughout" if figures["ok"] else "NOT SAFE: see above"))


# -- the planning tour, without a cluster ----------------------------------------------------


def _plan_only(args: argparse.Namespace) -> int:
    throttle = args.throttle or 50 * _MiB
    cluster, new = synthetic_cluster(
        rack_sizes=(2, 2, 2), partitions=args.partitions, topics=30, seed=args.seed
    ).with_new_brokers(per_rack=1)
    print(
        f"cluster: {len(cluster.brokers) - len(new)} brokers in 3 racks, "
        f"{len(cluster.assignment):,} partitions at RF 3; adding brokers {list(new)}\n"
    )
    plan = plan_add_brokers(cluster.assignment, cluster.brokers, new, sizes=cluster.sizes)
    print("\n".join(plan.report.summary_lines()))
    estimate = estimate_duration(
        plan,
        throttle_bytes_per_second=throttle,
        sizes=cluster.sizes,
        concurrency=args.concurrency,
    )
    seconds = estimate.total_seconds or 0.0
    print(
        f"\nexecution at {throttle / _MiB:.0f} MiB/s per broker, "
        f"{args.concurrency} moves per broker at once: about {seconds / 3600:.1f} h as "
        f"reassign execute runs it; run wave by wave, {len(estimate.waves)} waves:"
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
    if args.json:
        figures = {
            "partitions": len(cluster.assignment),
            "replica_moves": plan.report.replica_moves,
            "lower_bound_moves": plan.report.lower_bound_moves,
            "bytes_moved": plan.report.bytes_moved,
            "waves": len(estimate.waves),
            "estimated_s": round(seconds, 1),
        }
        print(json.dumps(figures, sort_keys=True))
    return EX_OK
