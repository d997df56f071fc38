"""``confluent-ops plan ...``: read Kafka's files (or a live cluster), plan, write the plan.

Inputs are the three files of Kafka's own tools (``--assignment``, ``--brokers``,
``--log-dirs``) or, with ``--bootstrap``, the same read from a live cluster. Every output
location is checked before anything is read, and the plan and its summary are written as one
unit: both, or neither.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

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
)
from confluent_ops.cli._connection import add_connection_options, connect
from confluent_ops.model import BrokerSet, ClusterAssignment, PartitionSizes, PlannedReassignment
from confluent_ops.planners import (
    PlanOptions,
    estimate_duration,
    plan_add_brokers,
    plan_leaders,
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


def _inputs(
    args: argparse.Namespace,
) -> tuple[ClusterAssignment, BrokerSet, PartitionSizes | None]:
    """The assignment, brokers and sizes: from Kafka's files, or from a live cluster."""
    if args.bootstrap is not None:
        if any(a is not None for a in (args.assignment, args.brokers, args.log_dirs)):
            raise UsageError(
                "confluent-ops plan: give either --bootstrap or the files "
                "(--assignment, --brokers, --log-dirs), not both"
            )
        with connect(args) as admin:
            snapshot = admin.snapshot()
        return snapshot.assignment(), snapshot.broker_set(), snapshot.sizes
    if args.assignment is None or args.brokers is None:
        raise UsageError(
            "confluent-ops plan: --assignment and --brokers are required (or --bootstrap)"
        )
    assignment_text = read_text(args.assignment, what="assignment")
    brokers_text = read_text(args.brokers, what="brokers file")
    sizes_text = (
        read_text(args.log_dirs, what="log-dirs file") if args.log_dirs is not None else None
    )
    assignment = ClusterAssignment.from_kafka_json(assignment_text, source=args.assignment)
    brokers = BrokerSet.from_brokers_json(brokers_text, source=args.brokers)
    sizes = (
        PartitionSizes.from_log_dirs_json(sizes_text, source=args.log_dirs)
        if sizes_text is not None
        else None
    )
    return assignment, brokers, sizes


def _run(args: argparse.Namespace, planner: _Planner) -> int:
    outputs = Outputs.check(plan=(args.output, "plan"), summary=(args.summary_json, "summary"))
    assignment, brokers, sizes = _inputs(args)
    options = PlanOptions(
        frozen_topics=frozenset(args.exclude_topics),
        no_receive=frozenset(args.exclude_brokers),
        max_moves=args.max_moves,
        byte_tolerance=args.byte_tolerance,
    )
    plan = planner(assignment, brokers, sizes, options, args)
    report = plan.report
    summary = report.to_dict()
    lines = report.summary_lines()
    if args.throttle:
        estimate = estimate_duration(
            plan, throttle_bytes_per_second=args.throttle, sizes=sizes, concurrency=args.concurrency
        )
        summary["execution"] = estimate.to_dict()
        lines.append(
            f"execution: {len(estimate.waves)} wave(s) at {args.throttle:,} B/s per broker"
            + (
                f", at most {args.concurrency} moves per broker per wave"
                if args.concurrency
                else ""
            )
            + f": about {_duration(estimate.total_seconds or 0.0)}"
            + ("" if sizes else " (no sizes given: every move counts as 0 bytes)")
        )
    texts = {"plan": plan.to_kafka_json()}
    if args.summary_json:
        texts["summary"] = json.dumps(summary, indent=2) + "\n"
    outputs.write(**texts)
    print("\n".join(lines), file=sys.stderr)
    return EX_OK


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s"
