"""``confluent-ops plan ...``: read Kafka's files (or a live cluster), plan, write the plan.

Inputs are the three files of Kafka's own tools (``--assignment``, ``--brokers``,
``--log-dirs``) or, with ``--bootstrap``, the same read from a live cluster; broker disk
capacities come from ``--capacities`` or else from the volume sizes the log dirs report;
per-partition load rates from ``--rates`` or, with ``--bootstrap``, ``--sample-rates``. Every
output location is checked before anything is read, and the plan and its summary are written
as one unit: both, or neither.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import attrs

from confluent_ops.cli._app import (
    EX_OK,
    CommandParser,
    Outputs,
    UsageError,
    broker_ids,
    integer,
    non_negative_int,
    number,
    positive_int,
    read_text,
    seconds,
)
from confluent_ops.cli._connection import add_connection_options, connect
from confluent_ops.errors import InvalidInput
from confluent_ops.model import (
    BrokerCapacities,
    BrokerSet,
    ClusterAssignment,
    LogDirs,
    PartitionRates,
    PartitionSizes,
    PlannedReassignment,
)
from confluent_ops.planners import (
    DEFAULT_GOALS,
    Goal,
    PlanOptions,
    estimate_duration,
    goals_named,
    plan_add_brokers,
    plan_leaders,
    plan_log_dirs,
    plan_rebalance,
    plan_remove_brokers,
    plan_replication_factor,
)

_Planner = Callable[
    [ClusterAssignment, BrokerSet, PartitionSizes | None, PlanOptions, argparse.Namespace],
    PlannedReassignment,
]


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _goals(text: str) -> tuple[Goal, ...]:
    """An argparse type: goal names in priority order, each one the planner knows."""
    names = _names(text)
    if not names:
        raise argparse.ArgumentTypeError("expected goal names separated by commas")
    try:
        return goals_named(names)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_DEFAULT_THRESHOLD = PlanOptions().capacity_threshold


def _fraction_of_disk(text: str) -> float:
    """An argparse type: a fraction above 0 and at most 1 (a full disk is the most allowed)."""
    try:
        value = number(0.0, 1.0)(text)
    except argparse.ArgumentTypeError:
        value = 0.0
    if value <= 0.0:
        raise argparse.ArgumentTypeError(
            f"expected a fraction of the disk above 0 and at most 1, got {text[:40]!r}"
        )
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--assignment",
        metavar="A.json",
        help="current assignment in Kafka's reassignment JSON (or use --bootstrap)",
    )
    parser.add_argument(
        "--brokers",
        metavar="B.json",
        help='every broker of the target cluster, with racks: {"version": 1, "brokers": '
        '[{"id": 0, "rack": "zone-a"}, ...]} (or use --bootstrap)',
    )
    parser.add_argument(
        "--log-dirs",
        metavar="L.json",
        help="kafka-log-dirs --describe output, for partition sizes (entries of partitions "
        "outside the assignment are ignored and counted)",
    )
    parser.add_argument(
        "--capacities",
        metavar="C.json",
        help='disk bytes per broker: {"version": 1, "brokers": [{"id": 0, "disk_bytes": '
        "1000000000000}, ...]} (default: the volume sizes the log dirs report, when they "
        "report one for every broker)",
    )
    parser.add_argument(
        "--capacity-threshold",
        type=_fraction_of_disk,
        default=_DEFAULT_THRESHOLD,
        metavar="F",
        help="the fraction of a broker's disk a plan may fill, above 0 and at most 1 "
        f"(default {_DEFAULT_THRESHOLD:g})",
    )
    parser.add_argument(
        "--rates",
        metavar="R.json",
        help='bytes per second per partition, to balance network load: {"version": 1, '
        '"partitions": [{"topic": "t", "partition": 0, "bytes_in_per_second": 1234.5, '
        '"bytes_out_per_second": 2469.0}, ...]} (cluster export --sample-rates writes one)',
    )
    parser.add_argument(
        "--sample-rates",
        type=seconds,
        metavar="SECONDS",
        help="with --bootstrap: measure each partition's rates on the live cluster over this "
        "long (offsets and sizes read twice; consumers seen through committed offsets)",
    )
    parser.add_argument(
        "--goals",
        type=_goals,
        metavar="NAME,NAME",
        help="the goals to pursue, in priority order (default: "
        + ",".join(goal.name for goal in DEFAULT_GOALS)
        + ")",
    )
    add_connection_options(parser, required=False)
    parser.add_argument(
        "--max-moves",
        type=non_negative_int,
        metavar="N",
        help="cap the plan at N replica moves (most helpful first)",
    )
    parser.add_argument(
        "--exclude-topics",
        type=_names,
        default=[],
        metavar="T1,T2",
        help="topics whose partitions must not change",
    )
    parser.add_argument(
        "--exclude-brokers",
        type=broker_ids,
        default=[],
        metavar="ID,ID",
        help="brokers that must not receive replicas",
    )
    parser.add_argument(
        "--byte-tolerance",
        type=number(0.0, 9.99),
        default=0.10,
        metavar="F",
        help="how far above its share of bytes a broker may stay (default 0.10)",
    )
    parser.add_argument(
        "--output", metavar="P.json", help="where to write the plan (default stdout)"
    )
    parser.add_argument("--summary-json", metavar="S.json", help="write the plan's figures as JSON")
    parser.add_argument(
        "--throttle",
        type=positive_int,
        metavar="BYTES_PER_S",
        help="estimate waves and duration at this per-broker replication rate",
    )
    parser.add_argument(
        "--concurrency",
        type=integer(1, 10_000),
        metavar="K",
        help="per-broker limit of concurrent incoming/outgoing moves per wave",
    )
    parser.add_argument(
        "--no-log-dirs",
        action="store_true",
        help="leave every replica's log directory to its broker; by default, when the log dirs "
        "show a broker with several online directories (JBOD), the plan places new replicas "
        "in them and evens them out within --byte-tolerance (Kafka's log_dirs)",
    )


def register(commands: argparse._SubParsersAction[CommandParser]) -> None:
    """Add ``plan`` and its five requests to the command tree."""
    plan = commands.add_parser(
        "plan",
        help="plan a partition reassignment (pure: reads files, writes a plan)",
        description="Plan a reassignment in Kafka's JSON, with a report of its quality.",
    )
    requests = plan.add_subparsers(dest="request", metavar="REQUEST", parser_class=CommandParser)
    requests.required = True

    def request(name: str, help_text: str, planner: _Planner) -> argparse.ArgumentParser:
        parser = requests.add_parser(name, help=help_text, description=help_text)
        _common(parser)
        parser.set_defaults(handler=lambda args: _run(args, planner))
        return parser

    request(
        "rebalance",
        "even out replicas, leaders and bytes; repair rack spread",
        lambda a, b, s, o, args: plan_rebalance(a, b, sizes=s, options=o),
    )
    add = request(
        "add-brokers",
        "move a fair share onto new, empty brokers",
        lambda a, b, s, o, args: plan_add_brokers(a, b, args.new, sizes=s, options=o),
    )
    add.add_argument(
        "--new", type=broker_ids, required=True, metavar="ID,ID", help="the new brokers"
    )
    remove = request(
        "remove-brokers",
        "move every replica off brokers about to be removed",
        lambda a, b, s, o, args: plan_remove_brokers(a, b, args.remove, sizes=s, options=o),
    )
    remove.add_argument(
        "--remove", type=broker_ids, required=True, metavar="ID,ID", help="the brokers to empty"
    )
    factor = request(
        "replication-factor",
        "change one topic's replication factor",
        lambda a, b, s, o, args: plan_replication_factor(
            a, b, args.topic, args.factor, sizes=s, options=o
        ),
    )
    factor.add_argument("--topic", required=True, metavar="T", help="the topic to change")
    factor.add_argument(
        "--factor",
        type=integer(1, 32_767),
        required=True,
        metavar="N",
        help="the replication factor it should have",
    )
    request(
        "leaders",
        "balance preferred leaders by reordering replicas only",
        lambda a, b, s, o, args: plan_leaders(a, b, sizes=s, options=o),
    )


@attrs.frozen
class _Inputs:
    """What a plan is made from, whether read from files or from a live cluster.

    ``notes`` says what was read but not used (printed before the report).
    """

    assignment: ClusterAssignment
    brokers: BrokerSet
    sizes: PartitionSizes | None
    capacities: BrokerCapacities | None
    rates: PartitionRates | None = None
    notes: tuple[str, ...] = ()
    log_dirs: LogDirs | None = None


def _capacities(
    given: BrokerCapacities | None, log_dirs: LogDirs | None, brokers: BrokerSet
) -> tuple[BrokerCapacities | None, tuple[str, ...]]:
    """``--capacities`` if given, else the log dirs' volume sizes if they cover every broker.

    The planners take a capacity for every broker or for none. Log dirs report none for a
    broker that is down or not started yet (``add-brokers``), nor from brokers before Kafka
    3.3; partial sizes like these are not used, with a note saying so: planning without them
    is what ``plan`` did before capacities existed, while refusing would break plans that worked
    then. A ``--capacities`` file is passed as it is: what it lacks is the user's to fix, and
    the planner says so.
    """
    if given is not None:
        return given, ()
    reported = BrokerCapacities.from_log_dirs(log_dirs if log_dirs is not None else LogDirs.empty())
    if not len(reported):
        return None, ()
    missing = [b for b in brokers.ids if b not in reported]
    if missing:
        return None, (
            "capacities: not used, the log dirs report no disk size for broker(s) "
            + ",".join(map(str, missing))
            + " (give every broker one with --capacities)",
        )
    return reported, ()


def _read_if_given(path: str | None, *, what: str) -> str | None:
    return read_text(path, what=what) if path is not None else None


def _inputs(args: argparse.Namespace) -> _Inputs:
    """The assignment, brokers, sizes and capacities: from files, or from a live cluster.

    Every file is read before any is parsed and every file is parsed before a cluster is
    reached: an unusable file (66) is reported before a malformed one (65), and the network is
    touched only when the files are sound.
    """
    if args.bootstrap is not None:
        if any(a is not None for a in (args.assignment, args.brokers, args.log_dirs)):
            raise UsageError(
                "confluent-ops plan: give either --bootstrap or the files "
                "(--assignment, --brokers, --log-dirs), not both"
            )
    elif args.assignment is None or args.brokers is None:
        raise UsageError(
            "confluent-ops plan: --assignment and --brokers are required (or --bootstrap)"
        )
    _check_rate_options(args)
    capacities_text = _read_if_given(args.capacities, what="capacities file")
    rates_text = _read_if_given(args.rates, what="rates file")
    if args.bootstrap is not None:
        given = (
            BrokerCapacities.from_json(capacities_text, source=args.capacities)
            if capacities_text is not None
            else None
        )
        rates = _read_rates(rates_text, args)
        with connect(args) as admin:
            snapshot = admin.snapshot()
            if args.sample_rates is not None:
                rates = admin.sample_rates(seconds=args.sample_rates)
        brokers = snapshot.broker_set()
        capacities, notes = _capacities(given, snapshot.log_dirs, brokers)
        return _Inputs(
            snapshot.assignment(),
            brokers,
            snapshot.sizes,
            capacities,
            rates=rates,
            notes=(*notes, *_rates_notes(rates, args)),
            log_dirs=snapshot.log_dirs,
        )
    assignment_text = read_text(args.assignment, what="assignment")
    brokers_text = read_text(args.brokers, what="brokers file")
    log_dirs_text = _read_if_given(args.log_dirs, what="log-dirs file")
    assignment = ClusterAssignment.from_kafka_json(assignment_text, source=args.assignment)
    brokers = BrokerSet.from_brokers_json(brokers_text, source=args.brokers)
    log_dirs = (
        LogDirs.from_log_dirs_json(log_dirs_text, source=args.log_dirs)
        if log_dirs_text is not None
        else None
    )
    given = (
        BrokerCapacities.from_json(capacities_text, source=args.capacities)
        if capacities_text is not None
        else None
    )
    rates = _read_rates(rates_text, args)
    capacities, notes = _capacities(given, log_dirs, brokers)
    sizes = log_dirs.partition_sizes() if log_dirs is not None else None
    return _Inputs(
        assignment,
        brokers,
        sizes,
        capacities,
        rates=rates,
        notes=(*notes, *_rates_notes(rates, args)),
        log_dirs=log_dirs,
    )


def _check_rate_options(args: argparse.Namespace) -> None:
    """Refuse ``--sample-rates`` without a cluster to sample, or beside a ``--rates`` file."""
    if args.sample_rates is None:
        return
    if args.bootstrap is None:
        raise UsageError(
            "confluent-ops plan: --sample-rates measures a live cluster and needs --bootstrap "
            "(or give the rates as a file with --rates)"
        )
    if args.rates is not None:
        raise UsageError("confluent-ops plan: give either --rates or --sample-rates, not both")


def _read_rates(text: str | None, args: argparse.Namespace) -> PartitionRates | None:
    return PartitionRates.from_json(text, source=args.rates) if text is not None else None


def _rates_notes(rates: PartitionRates | None, args: argparse.Namespace) -> tuple[str, ...]:
    """One line saying where the rates came from and what they add up to."""
    if rates is None:
        return ()
    origin = (
        f"sampled over {args.sample_rates:g} s" if args.sample_rates is not None else args.rates
    )
    return (
        f"rates ({origin}): {len(rates):,} partitions, {rates.total_bytes_in:,.0f} B/s in, "
        f"{rates.total_bytes_out:,.0f} B/s out to consumers",
    )


def _run(args: argparse.Namespace, planner: _Planner) -> int:
    outputs = Outputs.check(plan=(args.output, "plan"), summary=(args.summary_json, "summary"))
    inputs = _inputs(args)
    sizes = inputs.sizes
    options = PlanOptions(
        frozen_topics=frozenset(args.exclude_topics),
        no_receive=frozenset(args.exclude_brokers),
        max_moves=args.max_moves,
        byte_tolerance=args.byte_tolerance,
        capacities=inputs.capacities,
        rates=inputs.rates,
        capacity_threshold=args.capacity_threshold,
        goals=args.goals,
    )
    plan = _in_log_dirs(
        args, inputs, planner(inputs.assignment, inputs.brokers, sizes, options, args)
    )
    report = plan.report
    summary = report.to_dict()
    lines = [*inputs.notes, *report.summary_lines()]
    if args.throttle:
        estimate = estimate_duration(
            plan, throttle_bytes_per_second=args.throttle, sizes=sizes, concurrency=args.concurrency
        )
        summary["execution"] = estimate.to_dict()
        lines.append(
            f"execution at {args.throttle:,} B/s per broker"
            + (
                f", at most {args.concurrency} copies per broker at once: about "
                f"{_duration(estimate.total_seconds or 0.0)} as reassign execute starts each "
                f"move when its brokers have room ({len(estimate.waves)} wave(s) if run wave by "
                f"wave: {_duration(estimate.waves_seconds or 0.0)})"
                if args.concurrency
                else f", every move at once: about {_duration(estimate.total_seconds or 0.0)}"
            )
            + (
                f" (no order of the moves beats {_duration(estimate.bandwidth_bound_seconds)}: "
                "the busiest broker's copying at the throttle)"
                if sizes and estimate.bandwidth_bound_seconds
                else ""
            )
            + ("" if sizes else " (no sizes given: every move counts as 0 bytes)")
        )
    texts = {"plan": plan.to_kafka_json()}
    if args.summary_json:
        texts["summary"] = json.dumps(summary, indent=2) + "\n"
    outputs.write(**texts)
    print("\n".join(lines), file=sys.stderr)
    return EX_OK


def _in_log_dirs(
    args: argparse.Namespace, inputs: _Inputs, plan: PlannedReassignment
) -> PlannedReassignment:
    """The plan with log dirs placed and evened (JBOD), unless ``--no-log-dirs``; without a
    broker that reports several online directories, the plan as it is."""
    if args.no_log_dirs or inputs.log_dirs is None:
        return plan
    return plan_log_dirs(
        inputs.assignment, plan, inputs.log_dirs, sizes=inputs.sizes, tolerance=args.byte_tolerance
    )


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s"
