"""What the commands that talk to a cluster share: connection options and their errors.

``--bootstrap``, ``--command-config`` (Java client properties, as Kafka's own tools take them)
and ``--timeout``. A cluster that does not answer exits with 69 (``EX_UNAVAILABLE``) and a
refused login with 77 (``EX_NOPERM``), so that a script never mistakes either for a verdict
of ``health`` or ``reassign verify`` (0, 1, 2).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from confluent_ops.adapters import DEFAULT_TIMEOUT, KafkaAdapter
from confluent_ops.adapters.command_config import client_config_from_properties
from confluent_ops.cli._app import one_line, positive_seconds
from confluent_ops.errors import AuthenticationFailed, ClusterUnreachable

__all__ = ["EX_NOPERM", "EX_UNAVAILABLE", "add_connection_options", "connect", "unavailable"]

EX_UNAVAILABLE = 69  # sysexits: a service is unavailable
EX_NOPERM = 77  # sysexits: permission denied


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bootstrap", required=True, metavar="B", help="bootstrap servers, host:port[,...]"
    )
    parser.add_argument(
        "--command-config",
        metavar="FILE",
        help="Java client properties (security.protocol, ssl.truststore.*, ssl.keystore.*, "
        "sasl.mechanism, sasl.jaas.config), as Kafka's tools take them",
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
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


def unavailable(error: ClusterUnreachable | AuthenticationFailed) -> int:
    """Print the one-line reason and return 69 (unreachable) or 77 (authentication)."""
    print(f"confluent-ops: error: {one_line(error)}", file=sys.stderr)
    return EX_NOPERM if isinstance(error, AuthenticationFailed) else EX_UNAVAILABLE
