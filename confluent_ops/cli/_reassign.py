"""``confluent-ops reassign execute|verify|cancel``: run a plan, owning its throttles.

Like ``kafka-reassign-partitions``, except that the throttles in force before ``execute`` are
recorded (in ``--state``, by default ``<plan>.state.json``) and ``verify`` / ``cancel`` restore
exactly those. Exit codes: ``verify`` 0 every move complete and throttles restored, 1 still
moving (per-partition progress on stdout), 2 a move failed; ``execute`` 2 when the cluster
refused partitions (each named on stderr); ``cancel`` 2 when a cancellation was refused.
69 when the cluster cannot be reached, 77 when it refuses our login.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from confluent_ops.cli._app import EX_OK, CommandParser, positive_int, read_text
from confluent_ops.cli._cluster import add_connection_options, connect, unavailable
from confluent_ops.errors import AuthenticationFailed, ClusterUnreachable, ReassignmentRefused
from confluent_ops.steps.reassign import (
    Event,
    MoveProgress,
    PartitionsCancelled,
    PartitionsSubmitted,
    Reassignment,
    ThrottlesApplied,
    ThrottlesRecorded,
    ThrottlesRestored,
    default_state_path,
)

__all__ = ["register"]

EX_FAILED = 2


def register(commands: argparse._SubParsersAction[CommandParser]) -> None:
    reassign = commands.add_parser(
        "reassign",
        help="execute, verify or cancel a reassignment plan, restoring the throttles it set",
        description=(
            "Run a plan in Kafka's reassignment JSON. execute records the throttles in force, "
            "sets its own and starts the moves; verify reports progress (exit 0 done and "
            "throttles restored, 1 moving, 2 failed); cancel stops the moves and restores."
        ),
    )
    actions = reassign.add_subparsers(dest="action", metavar="ACTION", parser_class=CommandParser)
    actions.required = True
    for name, text in (
        ("execute", "record throttles, set them and start the moves"),
        ("verify", "report progress; restore the recorded throttles once nothing moves"),
        ("cancel", "cancel the moves in flight and restore the recorded throttles"),
    ):
        parser = actions.add_parser(name, help=text, description=text)
        parser.add_argument("--plan", required=True, metavar="P.json", help="Kafka's JSON")
        add_connection_options(parser)
        parser.add_argument(
            "--state",
            metavar="FILE",
            help="where the throttle record is kept (default <plan>.state.json)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change; change nothing"
        )
        if name == "execute":
            parser.add_argument(
                "--throttle",
                type=positive_int,
                metavar="BYTES_PER_S",
                help="replication throttle on every broker the plan touches",
            )
        parser.set_defaults(handler=_run)


def _say(event: Event) -> None:
    """Progress on stdout for verify, the rest of the story on stderr."""
    if isinstance(event, MoveProgress):
        print(event.describe())
        return
    prefix = "would " if getattr(event, "dry_run", False) else ""
    if isinstance(event, ThrottlesRecorded):
        how = "found (resuming)" if event.resumed else "recorded"
        text = f"throttles in force {how} in {event.path}"
    elif isinstance(event, ThrottlesApplied):
        if not event.changes:
            return
        text = (
            f"{prefix}set throttles on brokers {sorted(event.changes.brokers)} and topics "
            f"{sorted(event.changes.topics)}"
        )
    elif isinstance(event, PartitionsSubmitted):
        text = f"{prefix}start {len(event.partitions)} partition move(s)"
    elif isinstance(event, PartitionsCancelled):
        text = f"{prefix}cancel {len(event.partitions)} partition move(s)"
    elif isinstance(event, ThrottlesRestored):
        text = f"{prefix}restore the throttles in force before execute"
    print(text, file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    plan_text = read_text(args.plan)
    state = Path(args.state) if args.state else default_state_path(args.plan)
    try:
        with connect(args) as admin:
            step = Reassignment(admin, plan_text, state_path=state, source=args.plan, emit=_say)
            if args.action == "execute":
                try:
                    result = step.execute(throttle=args.throttle, dry_run=args.dry_run)
                except ReassignmentRefused as refused:
                    for partition, reason in refused.reasons.items():
                        print(f"{partition}: refused: {reason}", file=sys.stderr)
                    return EX_FAILED
                print(
                    f"started {len(result.submitted)}, already moving "
                    f"{len(result.already_moving)}, already done {len(result.already_done)}"
                )
                return EX_OK
            if args.action == "verify":
                verdict = step.verify(dry_run=args.dry_run)
                return verdict.exit_code
            cancelled = step.cancel(dry_run=args.dry_run)
            for tp, why in cancelled.refused.items():
                print(f"{tp}: cancellation refused: {why}", file=sys.stderr)
            return EX_FAILED if cancelled.refused else EX_OK
    except (ClusterUnreachable, AuthenticationFailed) as error:
        return unavailable(error)
