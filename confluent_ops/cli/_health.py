"""``confluent-ops health``: the cluster's partitions and durability settings, judged.

Exit 0 healthy, 1 degraded (under-replicated partitions), 2 critical (offline or under
``min.insync.replicas``); 69 when the cluster cannot be reached, 77 when it refuses our login.
The verdict is about the partitions now; findings (``risk:``, ``advice:``) are about what comes
next and never change the exit code.
"""

from __future__ import annotations

import argparse
import json
import sys

from confluent_ops.cli._app import CommandParser
from confluent_ops.cli._connection import add_connection_options, connect
from confluent_ops.model import TopicPartition
from confluent_ops.planners.health import HealthReport, Severity, cluster_health

__all__ = ["register", "render_table"]

_SHOWN = 20


def register(commands: argparse._SubParsersAction[CommandParser]) -> None:
    parser = commands.add_parser(
        "health",
        help="judge a cluster's partitions and durability settings (exit 0, 1 or 2)",
        description=(
            "Read a snapshot of the cluster and report offline, under-min-ISR, "
            "under-replicated and at-min-ISR partitions (counted as kafka-topics --describe "
            "counts them) and the preflight findings. Exit 0 healthy, 1 degraded "
            "(under-replicated), 2 offline or under min ISR; 69 unreachable, 77 authentication "
            "or authorization failed. Findings (risk, advice) never change the exit code."
        ),
    )
    add_connection_options(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(handler=_run)


def _names(partitions: tuple[TopicPartition, ...]) -> str:
    shown = ", ".join(str(tp) for tp in partitions[:_SHOWN])
    more = f" (+{len(partitions) - _SHOWN} more)" if len(partitions) > _SHOWN else ""
    return shown + more


def render_table(report: HealthReport) -> str:
    """The human form of ``report``: one row per check, then the findings with their fixes."""
    risks = sum(1 for f in report.findings if f.severity is Severity.RISK)
    verdict = report.status.value.upper() + (f" ({risks} risk(s) below)" if risks else "")
    rows = [
        ("status", verdict),
        ("brokers", ",".join(str(b) for b in report.brokers)),
        ("controller", str(report.controller)),
        ("partitions", str(report.partitions)),
    ]
    for title, partitions in (
        ("offline", report.offline),
        ("under min ISR", report.under_min_isr),
        ("under-replicated", report.under_replicated),
        ("at min ISR", report.at_min_isr),
        ("reassigning", report.reassigning),
    ):
        rows.append(
            (title, f"{len(partitions)}" + (f"  {_names(partitions)}" if partitions else ""))
        )
    width = max(len(title) for title, _ in rows)
    lines = [f"{title.ljust(width)}  {value}" for title, value in rows]
    for finding in report.findings:
        lines.append(
            f"{finding.severity.value}: {finding.subject}: {finding.message} "
            f"[{finding.code}]\n  fix: {finding.fix}"
        )
    return "\n".join(lines) + "\n"


def _run(args: argparse.Namespace) -> int:
    with connect(args) as admin:
        snapshot = admin.snapshot(sizes=False)
    report = cluster_health(snapshot)
    if args.json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(render_table(report))
    return report.status.exit_code
