"""The metric families of step events: the one module that imports prometheus-client.

prometheus-client is an optional extra (``confluent-ops[metrics]``); keeping every use of it
here lets :mod:`confluent_ops.reporting` import without it, and lets
:class:`~confluent_ops.reporting.PrometheusEvents` say how to install it when it is missing.
"""

from __future__ import annotations

from wsgiref.simple_server import WSGIServer

import attrs
from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

__all__ = ["StepMetrics", "serve_registry"]

_STEP = ("step",)
_STEP_WHAT = ("step", "what")


@attrs.frozen
class StepMetrics:
    """The families one consumer updates, all registered in ``registry``."""

    registry: CollectorRegistry
    events: Counter
    progress_ratio: Gauge
    progress_done: Gauge
    progress_total: Gauge
    waiting: Gauge
    last_duration: Gauge
    failures: Counter

    @classmethod
    def in_registry(cls, registry: CollectorRegistry | None) -> StepMetrics:
        """Register the families in ``registry``, or in a new one (never the global default)."""
        into = registry if registry is not None else CollectorRegistry()
        return cls(
            registry=into,
            events=Counter(
                "confluent_ops_step_events_total",
                "Events emitted by steps, by step and kind.",
                ("step", "kind"),
                registry=into,
            ),
            progress_ratio=Gauge(
                "confluent_ops_step_progress_ratio",
                "Fraction of a step's piece of work done (0..1; 1 when there is nothing to do).",
                _STEP_WHAT,
                registry=into,
            ),
            progress_done=Gauge(
                "confluent_ops_step_progress_done",
                "Units of a step's piece of work done.",
                _STEP_WHAT,
                registry=into,
            ),
            progress_total=Gauge(
                "confluent_ops_step_progress_total",
                "Units of a step's piece of work in all.",
                _STEP_WHAT,
                registry=into,
            ),
            waiting=Gauge(
                "confluent_ops_step_waiting",
                "1 while the step's last event is a wait, else 0.",
                _STEP,
                registry=into,
            ),
            last_duration=Gauge(
                "confluent_ops_step_last_duration_seconds",
                "How long the step's last run took, in seconds (dry runs excluded).",
                _STEP,
                registry=into,
            ),
            failures=Counter(
                "confluent_ops_step_failures_total",
                "Times the step failed.",
                _STEP,
                registry=into,
            ),
        )


def serve_registry(registry: CollectorRegistry, port: int, addr: str) -> WSGIServer:
    """Serve ``registry`` over HTTP from a daemon thread; the server, to read its port or stop."""
    server, _thread = start_http_server(port, addr=addr, registry=registry)
    return server
