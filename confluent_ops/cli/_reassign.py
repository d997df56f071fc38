"""``confluent-ops reassign execute|verify|cancel``: run a plan in waves, owning its throttles.

Like ``kafka-reassign-partitions``, except that moves run in waves (at most ``--concurrency``
copies per broker at once), the throttles in force before ``execute`` are recorded (in
``--state``, by default ``<plan>.state.json``) and put back exactly once nothing moves, and the
state is kept until every broker we touched has its values back. Exit codes: ``verify`` 0 every
move complete and throttles restored, 1 still moving or waiting (or a touched broker is down and
still owes its restore), 2 a move failed; ``execute`` the same once it ends; ``cancel`` 0
cancelled and restored, 1 a restore is still owed, 2 a cancellation was refused. The one table of
``confluent_ops.cli._app`` gives the rest (64, 65, 66, 69, 75, 77). A plan with ``log_dirs``
(JBOD) also places replicas in those directories, as Kafka's tool does.
"""

from __future__ import annotations

import argparse
import sys

from confluent_ops.cli._app import EX_OK, CommandParser, integer, positive_int, read_text, seconds
from confluent_ops.cli._connection import add_connection_options, connect
from confluent_ops.cli._reporting import add_reporting_options, reporting
from confluent_ops.model import ClusterAssignment
from confluent_ops.reporting import fan_out
from confluent_ops.steps import FileStepState, step_policy
from confluent_ops.steps.reassign import (
    DEFAULT_CONCURRENCY,
    ProgressReported,
    Reassignment,
    default_state_path,
)

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[CommandParser]) -> None:
    reassign = commands.add_parser(
        "reassign",
        help="execute, verify or cancel a reassignment plan in waves, restoring its throttles",
        description=(
            "Run a plan in Kafka's reassignment JSON. execute records the throttles in force, "
            "then starts the moves in waves (at most --concurrency copies into or out of any "
            "broker) until all are done; verify reports progress (exit 0 done and throttles "
            "restored, 1 moving, 2 failed); cancel stops the moves and restores the throttles. "
            "A plan's log_dirs (several log directories per broker) are honoured: replicas are "
            "placed in, or moved between, the named directories."
        ),
    )
    actions = reassign.add_subparsers(dest="action", metavar="ACTION", parser_class=CommandParser)
    actions.required = True
    for name, text in (
        ("execute", "record throttles, then run the moves in waves until every move is done"),
        ("verify", "report progress; restore the recorded throttles once nothing moves"),
        ("cancel", "cancel the moves in flight and restore the recorded throttles"),
    ):
        parser = actions.add_parser(name, help=text, description=text)
        parser.add_argument(
            "--plan", required=True, metavar="P.json", help="the plan, in Kafka's reassignment JSON"
        )
        add_connection_options(parser)
        parser.add_argument(
            "--state",
            metavar="FILE",
            help="where the step keeps its progress and throttle record (default "
            "<plan>.state.json)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say what would be done; change nothing on the cluster, write no file",
        )
        add_reporting_options(parser)
        if name == "execute":
            parser.add_argument(
                "--throttle",
                type=positive_int,
                metavar="BYTES_PER_S",
                help="replication throttle on every broker the plan touches (default: none)",
            )
            parser.add_argument(
                "--dir-throttle",
                type=positive_int,
                metavar="BYTES_PER_S",
                help="limit on copies between a broker's log directories, on every broker the "
                "plan places replicas on in named log_dirs (Kafka's "
                "replica.alter.log.dirs.io.max.bytes.per.second; default: none)",
            )
            parser.add_argument(
                "--concurrency",
                type=integer(1, 10_000),
                metavar="K",
                help="copies in flight per broker, in and out "
                f"(default {DEFAULT_CONCURRENCY}, or what the state holds)",
            )
            parser.add_argument(
                "--no-wait",
                action="store_true",
                help="start what fits now and return; run execute again to start the next wave",
            )
            parser.add_argument(
                "--stall",
                type=seconds,
                default=300.0,
                metavar="SECONDS",
                help="give up when no move and no byte has progressed for this long (default "
                "300); the moves in flight go on, and running execute again carries on",
            )
        parser.set_defaults(handler=_run)


def _moves_on_stdout(event: object) -> None:
    """``verify`` prints where each move stands on stdout, one line per move."""
    if isinstance(event, ProgressReported):
        for move in event.progress.moves:
            print(move.describe())


def _run(args: argparse.Namespace) -> int:
    # Everything local first: a bad plan or an unusable state location never reaches a cluster.
    plan_text = read_text(args.plan, what="plan")
    ClusterAssignment.from_kafka_json(plan_text, source=args.plan)  # refused before connecting
    state = FileStepState(args.state if args.state else default_state_path(args.plan))
    state.check(writing=not args.dry_run)
    with connect(args) as admin, reporting(args) as report:
        emit = report if args.json or args.action != "verify" else fan_out(report, _moves_on_stdout)
        policy = step_policy(interval=1.0, stall=getattr(args, "stall", 300.0))
        step = Reassignment(
            admin, plan_text, state=state, source=args.plan, emit=emit, policy=policy
        )
        if args.action == "execute":
            result = step.execute(
                throttle=args.throttle,
                concurrency=args.concurrency,
                dry_run=args.dry_run,
                wait=not args.no_wait,
                dir_throttle=args.dir_throttle,
            )
            if args.json:
                return EX_OK if args.dry_run else result.exit_code
            if args.dry_run:
                print(f"dry run: {result.progress.summary()}; nothing was changed")
                return EX_OK
            print(
                f"{result.progress.summary()}; started {len(result.submitted)} in this run"
                + ("" if result.progress.finished else "; run `reassign execute` to carry on")
            )
            return result.exit_code
        if args.action == "verify":
            verdict = step.verify(dry_run=args.dry_run)
            if verdict.progress.waiting and not verdict.progress.moving:
                print(
                    f"{verdict.progress.waiting} move(s) wait for a slot: run `reassign execute` "
                    "to start them",
                    file=sys.stderr,
                )
            return verdict.exit_code
        cancelled = step.cancel(dry_run=args.dry_run)
        for tp, why in cancelled.refused.items():
            print(f"{tp}: cancellation refused: {why}", file=sys.stderr)
        return cancelled.exit_code
