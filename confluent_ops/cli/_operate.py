"""``confluent-ops drain | roll | upgrade | scale``: the steps, from a terminal or a script.

Each reads the cluster through ``--bootstrap`` and reaches its processes through the lifecycle
options (:mod:`confluent_ops.cli._lifecycle`); shows progress on a terminal (``--json``: one
event per line on stdout); ``--dry-run`` says what it would do, in order and why, with its
estimated duration, and changes nothing. Progress is kept in ``--state`` (a file, 0600), so
running the same command again after an interrupt carries on.

Exit codes: 0 done (or previewed); 3 refused for safety before anything changed (a partition
would fall below min ISR, a reassignment that is not ours is in flight, nodes not on the new
version yet); 75 gave up waiting because nothing progressed (the message names what blocks;
run the command again to carry on); and the shared codes (64, 65, 66, 69, 71, 77).
"""

from __future__ import annotations

import argparse

from confluent_ops.cli._app import EX_OK, CommandParser, broker_ids, integer, positive_int, seconds
from confluent_ops.cli._connection import add_connection_options, connect
from confluent_ops.cli._lifecycle import add_lifecycle_options, lifecycle
from confluent_ops.cli._reporting import add_reporting_options, reporting
from confluent_ops.errors import InvalidInput
from confluent_ops.steps import FileStepState, step_policy
from confluent_ops.steps.drain import Drain
from confluent_ops.steps.reassign import DEFAULT_CONCURRENCY
from confluent_ops.steps.roll import MetadataVersionBump, Roll
from confluent_ops.steps.scale import ScaleIn, ScaleOut
from confluent_ops.waiting import WaitPolicy

__all__ = ["register"]


def _common(parser: argparse.ArgumentParser, step: str) -> None:
    add_connection_options(parser)
    parser.add_argument(
        "--state",
        metavar="FILE",
        default=f"confluent-ops-{step}.state.json",
        help=f"where progress is kept, to carry on after an interrupt (default "
        f"confluent-ops-{step}.state.json)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="say what would be done, in order and why, and how long; change nothing",
    )
    parser.add_argument(
        "--stall",
        type=seconds,
        default=300.0,
        metavar="SECONDS",
        help="give up a wait when nothing has progressed for this long (default 300)",
    )
    add_reporting_options(parser)


def _config(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value.strip()


def register(commands: argparse._SubParsersAction[CommandParser]) -> None:
    drain = commands.add_parser(
        "drain",
        help="move every leadership off a broker (--undo: give it back)",
        description=(
            "Move the leadership of every partition a broker leads to another in-sync replica "
            "(a reorder of its replica list and a preferred-leader election; no data moves), "
            "and wait until it leads nothing. --undo puts the orders back and elects it again."
        ),
    )
    drain.add_argument("--broker", type=integer(0, 2**31 - 1), required=True, metavar="ID",
                       help="the broker to drain")  # fmt: skip
    drain.add_argument("--undo", action="store_true", help="give the broker its leadership back")
    _common(drain, "drain")
    drain.set_defaults(handler=_drain)

    for name, text in (
        (
            "roll",
            "restart a cluster's nodes one at a time (or in safe batches), never below min ISR",
        ),
        ("upgrade", "roll a cluster onto another Kafka version, then raise metadata.version"),
        ("scale", "add brokers and move their share onto them, or empty and remove brokers"),
    ):
        parser = commands.add_parser(name, help=text, description=text)
        kinds = parser.add_subparsers(dest="kind", metavar="KIND", parser_class=CommandParser)
        kinds.required = True
        kafka = kinds.add_parser(
            "kafka", help=f"{name} the Kafka cluster", description=_DESCRIPTIONS[name]
        )
        add_lifecycle_options(kafka, scale=name == "scale")
        _common(kafka, name)
        kafka.add_argument(
            "--force",
            action="store_true",
            help="start although a reassignment that is not ours is in flight",
        )
        if name == "roll":
            kafka.add_argument(
                "--batch",
                choices=("one", "safe"),
                default="one",
                help="one node at a time (default), or safe batches: brokers that share no "
                "partition that would fall below min.insync.replicas together",
            )
            kafka.add_argument(
                "--batch-limit", type=integer(1, 1000), metavar="N", help="at most N per batch"
            )
            kafka.add_argument(
                "--only", type=broker_ids, metavar="ID,ID", help="restart these nodes only"
            )
            kafka.add_argument(
                "--config",
                type=_config,
                action="append",
                default=[],
                metavar="KEY=VALUE",
                help="broker properties to change (repeatable); applied without a restart when "
                "Kafka allows it",
            )
        if name == "upgrade":
            kafka.add_argument(
                "--version", required=True, metavar="V", help="the Kafka version to roll onto"
            )
            kafka.add_argument(
                "--bump-metadata",
                action="store_true",
                help="once every node runs it, raise metadata.version (cannot be undone)",
            )
            kafka.add_argument(
                "--metadata-level",
                type=integer(1, 32767),
                metavar="N",
                help="the metadata.version level to raise to (default: the highest supported)",
            )
        if name == "scale":
            kafka.add_argument(
                "--brokers", type=integer(1, 10_000), required=True, metavar="N",
                help="the number of brokers the cluster should have",
            )  # fmt: skip
            kafka.add_argument(
                "--throttle",
                type=positive_int,
                metavar="BYTES_PER_S",
                help="replication throttle while replicas move (default: none)",
            )
            kafka.add_argument(
                "--concurrency",
                type=integer(1, 10_000),
                default=DEFAULT_CONCURRENCY,
                metavar="K",
                help=f"copies in flight per broker (default {DEFAULT_CONCURRENCY})",
            )
        kafka.set_defaults(handler=_HANDLERS[name])


_DESCRIPTIONS = {
    "roll": (
        "Restart every node (controllers first, the active controller last), each only when no "
        "partition would fall below min.insync.replicas, waiting after each until it serves, "
        "is back in every ISR and nothing is under-replicated, then restoring its preferred "
        "leadership. Waits give up only when nothing progresses."
    ),
    "upgrade": (
        "Roll every node onto --version (controllers first), as roll does; with --bump-metadata, "
        "then raise metadata.version once every node runs it."
    ),
    "scale": (
        "Scale to --brokers N: add brokers and move their fair share onto them in waves "
        "(throttled), or move every replica off the highest brokers, check they hold and lead "
        "nothing, and remove them."
    ),
}


def _state(args: argparse.Namespace) -> FileStepState | None:
    if args.dry_run:
        return None
    state = FileStepState(args.state)
    state.check()
    return state


def _policy(args: argparse.Namespace) -> WaitPolicy:
    return step_policy(stall=args.stall)


def _drain(args: argparse.Namespace) -> int:
    state = _state(args)
    with connect(args) as admin, reporting(args) as emit:
        step = Drain(admin, args.broker, state=state, emit=emit, policy=_policy(args))
        if args.dry_run:
            step.preview()
        elif args.undo:
            step.undo()
        else:
            step.run()
    return EX_OK


def _roll(args: argparse.Namespace) -> int:
    """``roll`` and ``upgrade``: one :class:`Roll`; an upgrade names a version (and may bump)."""
    state = _state(args)
    version = getattr(args, "version", None)
    nodes = lifecycle(args, prog=f"confluent-ops {'upgrade' if version else 'roll'} kafka")
    with connect(args) as admin, reporting(args) as emit:
        step = Roll(
            admin,
            nodes,
            nodes=getattr(args, "only", None),
            version=version,
            config=dict(getattr(args, "config", ())),
            parallel=getattr(args, "batch", "one") == "safe",
            batch_limit=getattr(args, "batch_limit", None),
            state=state,
            emit=emit,
            policy=_policy(args),
            force=args.force,
        )
        if args.dry_run:
            step.preview()  # a bump is previewed once the nodes run the new version
            return EX_OK
        step.run()
        if getattr(args, "bump_metadata", False):
            assert version is not None  # only upgrade has --bump-metadata
            MetadataVersionBump(
                admin, nodes, version=version, level=args.metadata_level, emit=emit
            ).run()
    return EX_OK


def _scale(args: argparse.Namespace) -> int:
    state = _state(args)
    nodes = lifecycle(args, prog="confluent-ops scale kafka")
    with connect(args) as admin, reporting(args) as emit:
        current = sorted(nodes.brokers())
        options = {
            "throttle": args.throttle,
            "concurrency": args.concurrency,
            "emit": emit,
            "policy": _policy(args),
            "force": args.force,
        }
        resumed = None
        if state is not None:
            resumed = ScaleOut.resume(admin, nodes, state=state, **options) or ScaleIn.resume(
                admin, nodes, state=state, **options
            )
        options["state"] = state
        if resumed is not None:
            step: ScaleOut | ScaleIn = resumed  # an interrupted run's: carry on with it
        elif args.brokers > len(current):
            step = ScaleOut(admin, nodes, count=args.brokers - len(current), **options)
        elif args.brokers < len(current):
            step = ScaleIn(admin, nodes, brokers=current[args.brokers - len(current) :], **options)
        else:
            raise InvalidInput(f"the cluster has {len(current)} broker(s) already")
        if args.dry_run:
            step.preview()
        else:
            step.run()
    return EX_OK


_HANDLERS = {"roll": _roll, "upgrade": _roll, "scale": _scale}
