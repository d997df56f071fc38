"""How the commands that run steps show them: a live display on a terminal, JSON for machines.

``--json`` prints one JSON object per event on stdout (:class:`~confluent_ops.reporting.JsonLines`)
and nothing else there; otherwise a :class:`~confluent_ops.reporting.ProgressDisplay` draws the
step's progress on stderr. ``--metrics-port P`` also serves the events as Prometheus metrics on
127.0.0.1:P while the command runs (needs ``confluent-ops[metrics]``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from confluent_ops.cli._app import integer
from confluent_ops.reporting import JsonLines, ProgressDisplay, PrometheusEvents, fan_out

__all__ = ["add_reporting_options", "reporting"]


def add_reporting_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="print every event as one JSON object per line on stdout (for machines)",
    )
    parser.add_argument(
        "--metrics-port",
        type=integer(0, 65535),
        metavar="P",
        help="serve the events as Prometheus metrics on 127.0.0.1:P while running "
        "(pip install 'confluent-ops[metrics]')",
    )


@contextmanager
def reporting(args: argparse.Namespace) -> Iterator[Callable[[Any], None]]:
    """The ``emit`` for a command's step, live for the length of the ``with`` block."""
    with ExitStack() as stack:
        consumers: list[Callable[[Any], None]] = []
        if getattr(args, "json", False):
            consumers.append(JsonLines(sys.stdout))
        else:
            consumers.append(stack.enter_context(ProgressDisplay()))
        port = getattr(args, "metrics_port", None)
        if port is not None:
            metrics = PrometheusEvents()
            server = metrics.serve(port)
            stack.callback(server.shutdown)
            consumers.append(metrics)
        yield consumers[0] if len(consumers) == 1 else fan_out(*consumers)
