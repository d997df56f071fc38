"""What the commands that talk to a cluster share: connection options and the adapter.

``--bootstrap`` (each entry checked: a malformed one is a usage error, exit 64, not an
unreachable cluster), ``--command-config`` (Java client properties, as Kafka's own tools take
them) and ``--timeout``. The exit codes of connection failures (69 unreachable, 77 refused
login or denied by an ACL) come from the one table in :mod:`confluent_ops.cli._app`, so that a
script never mistakes either for a verdict of ``health`` or ``reassign verify`` (0, 1, 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from confluent_ops.adapters import DEFAULT_TIMEOUT, KafkaAdapter
from confluent_ops.adapters.command_config import client_config_from_properties
from confluent_ops.cli._app import bootstrap, seconds

__all__ = ["add_connection_options", "connect"]


def add_connection_options(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--bootstrap",
        required=required,
        type=bootstrap,
        metavar="B",
        help="bootstrap servers, host:port[,host:port...]",
    )
    parser.add_argument(
        "--command-config",
        metavar="FILE",
        help="Java client properties (security.protocol, ssl.truststore.*, ssl.keystore.*, "
        "sasl.mechanism, sasl.jaas.config), as Kafka's tools take them",
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"give up on an unreachable cluster after this long (default {DEFAULT_TIMEOUT:g})",
    )


@contextmanager
def connect(args: argparse.Namespace) -> Iterator[KafkaAdapter]:
    """An adapter for the command's options, closed (and its PEM files removed) afterwards."""
    if args.command_config:
        with (
            client_config_from_properties(args.command_config) as client,
            KafkaAdapter.connect(args.bootstrap, client, timeout=args.timeout) as adapter,
        ):
            yield adapter
    else:
        with KafkaAdapter.connect(args.bootstrap, timeout=args.timeout) as adapter:
            yield adapter
