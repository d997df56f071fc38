"""``confluent-ops cluster export``: a live cluster as the three files ``plan`` reads.

``assignment.json`` (Kafka's reassignment JSON, every partition, internal topics included),
``brokers.json`` (the brokers file, with racks) and ``log-dirs.json`` (what
``kafka-log-dirs --describe`` prints), written into ``--out DIR`` as one unit. They are the
same inputs ``plan --bootstrap`` reads, saved so that a plan can be made, reviewed and made
again offline, or handed to Kafka's own tools. With ``--sample-rates SECONDS`` it also measures
each partition's load over that long and writes ``rates.json`` (what ``plan --rates`` reads).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from confluent_ops._files import PUBLIC, check_folder, check_output, write_files
from confluent_ops.cli._app import EX_OK, CommandParser, seconds
from confluent_ops.cli._connection import add_connection_options, connect

__all__ = ["EXPORTED_FILES", "RATES_FILE", "register"]

EXPORTED_FILES = ("assignment.json", "brokers.json", "log-dirs.json")
RATES_FILE = "rates.json"
"""Written beside the three with ``--sample-rates``."""


def register(commands: argparse._SubParsersAction[CommandParser]) -> None:
    cluster = commands.add_parser(
        "cluster",
        help="read a live cluster into the files that plan and Kafka's tools read",
        description="Read a live cluster into Kafka's own file formats.",
    )
    actions = cluster.add_subparsers(dest="action", metavar="ACTION", parser_class=CommandParser)
    actions.required = True
    export = actions.add_parser(
        "export",
        help="write assignment.json, brokers.json and log-dirs.json into --out DIR",
        description=(
            "Write the cluster's current assignment (Kafka's reassignment JSON), its brokers "
            "with racks (the brokers file) and its log dirs (kafka-log-dirs --describe JSON) "
            "into --out DIR, all three or none (four with --sample-rates, which adds each "
            "partition's measured load as rates.json)."
        ),
    )
    add_connection_options(export)
    export.add_argument(
        "--out", required=True, metavar="DIR", help="folder for the three files (created)"
    )
    export.add_argument(
        "--sample-rates",
        type=seconds,
        metavar="SECONDS",
        help=f"also measure each partition's bytes in and out per second over this long and "
        f"write them as {RATES_FILE} (what plan --rates reads)",
    )
    export.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    out = check_folder(args.out, what="output folder")
    names = (*EXPORTED_FILES, *((RATES_FILE,) if args.sample_rates is not None else ()))
    if out.exists():
        for name in names:
            check_output(out / name, what=name)
    with connect(args) as admin:
        snapshot = admin.snapshot()
        rates = (
            admin.sample_rates(seconds=args.sample_rates) if args.sample_rates is not None else None
        )
    texts = (
        snapshot.assignment().to_kafka_json(),
        snapshot.broker_set().to_brokers_json(),
        snapshot.log_dirs.to_log_dirs_json(),
        *((rates.to_json(),) if rates is not None else ()),
    )
    out.mkdir(parents=True, exist_ok=True)
    write_files({Path(out, name): (text, PUBLIC) for name, text in zip(names, texts, strict=True)})
    print(
        f"wrote {', '.join(names)} into {out}: {len(snapshot.partitions):,} "
        f"partitions on {len(snapshot.brokers)} brokers"
        + (
            f"; {rates.total_bytes_in:,.0f} B/s in, {rates.total_bytes_out:,.0f} B/s out to "
            f"consumers over {args.sample_rates:g} s"
            if rates is not None
            else ""
        )
    )
    return EX_OK
