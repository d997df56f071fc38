"""``confluent-ops cluster export``: a live cluster as the three files ``plan`` reads.

``assignment.json`` (Kafka's reassignment JSON, every partition, internal topics included),
``brokers.json`` (the brokers file, with racks) and ``log-dirs.json`` (what
``kafka-log-dirs --describe`` prints), written into ``--out DIR`` as one unit. They are the
same inputs ``plan --bootstrap`` reads, saved so that a plan can be made, reviewed and made
again offline, or handed to Kafka's own tools.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from confluent_ops._files import PUBLIC, check_folder, check_output, write_files
from confluent_ops.cli._app import EX_OK, CommandParser
from confluent_ops.cli._connection import add_connection_options, connect

__all__ = ["EXPORTED_FILES", "register"]

EXPORTED_FILES = ("assignment.json", "brokers.json", "log-dirs.json")


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
            "into --out DIR, all three or none."
        ),
    )
    add_connection_options(export)
    export.add_argument(
        "--out", required=True, metavar="DIR", help="folder for the three files (created)"
    )
    export.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    out = check_folder(args.out, what="output folder")
    if out.exists():
        for name in EXPORTED_FILES:
            check_output(out / name, what=name)
    with connect(args) as admin:
        snapshot = admin.snapshot()
    texts = (
        snapshot.assignment().to_kafka_json(),
        snapshot.broker_set().to_brokers_json(),
        snapshot.log_dirs.to_log_dirs_json(),
    )
    out.mkdir(parents=True, exist_ok=True)
    write_files(
        {Path(out, name): (text, PUBLIC) for name, text in zip(EXPORTED_FILES, texts, strict=True)}
    )
    print(
        f"wrote {', '.join(EXPORTED_FILES)} into {out}: {len(snapshot.partitions):,} "
        f"partitions on {len(snapshot.brokers)} brokers"
    )
    return EX_OK
