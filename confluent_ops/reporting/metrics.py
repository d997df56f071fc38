"""Step events as Prometheus metrics: where a dashboard or an alert learns how a step is going.

A rolling restart or a reassignment can run for hours, often from a job nobody watches. Its
events, turned into counters and gauges, let a dashboard draw its progress and an alert fire
when it fails or waits too long. prometheus-client is an optional extra
(``pip install 'confluent-ops[metrics]'``): the rest of :mod:`confluent_ops.reporting` works
without it.

Metrics (see docs/reporting.md):

- ``confluent_ops_step_events_total{step,kind}``: counter of events;
- ``confluent_ops_step_progress_ratio{step,what}``: gauge, ``done / total`` in 0..1 (1 when
  ``total`` is 0), with ``confluent_ops_step_progress_done`` and
  ``confluent_ops_step_progress_total`` beside it;
- ``confluent_ops_step_waiting{step}``: gauge, 1 while the step's last event is ``waiting``;
- ``confluent_ops_step_last_duration_seconds{step}``: gauge, set by ``done`` (not in a dry run);
- ``confluent_ops_step_failures_total{step}``: counter of ``failed`` events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from confluent_ops.reporting._progress import ProgressReading
from confluent_ops.steps.events import StepEvent

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from prometheus_client import CollectorRegistry

    from confluent_ops.reporting._prometheus import StepMetrics

__all__ = ["PrometheusEvents"]

_INSTALL = "pip install 'confluent-ops[metrics]'"


def _step_metrics(registry: CollectorRegistry | None) -> StepMetrics:
    try:
        from confluent_ops.reporting._prometheus import StepMetrics  # noqa: PLC0415 - optional
    except ImportError as error:
        raise ImportError(
            f"PrometheusEvents needs prometheus-client, an optional dependency: {_INSTALL}"
        ) from error
    return StepMetrics.in_registry(registry)


def _finished_seconds(event: StepEvent) -> float | None:
    """How long a finished step ran; None for a dry run or an event without a duration."""
    seconds = getattr(event, "seconds", None)
    if getattr(event, "dry_run", False) is True:
        return None
    if isinstance(seconds, int | float) and not isinstance(seconds, bool):
        return float(seconds)
    return None


class PrometheusEvents:
    """Update Prometheus metrics from each event, in ``registry`` (default: a new one).

    Never the global default registry unless it is passed explicitly, so that tests and several
    steps in one process do not collide. One consumer serves any number of steps (every metric
    is labelled by ``step``); a registry holds the families of one consumer only.

    Raises :class:`ImportError`, saying what to install, when prometheus-client is missing.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self._metrics = _step_metrics(registry)

    @property
    def registry(self) -> CollectorRegistry:
        """Where the metrics are: to serve, push or read back."""
        return self._metrics.registry

    def __call__(self, event: StepEvent) -> None:
        metrics = self._metrics
        step = event.step
        metrics.events.labels(step, event.kind).inc()
        metrics.waiting.labels(step).set(1 if event.kind == "waiting" else 0)
        failures = metrics.failures.labels(step)  # present at 0 from a step's first event
        if event.kind == "failed":
            failures.inc()
        elif event.kind == "done":
            seconds = _finished_seconds(event)
            if seconds is not None:
                metrics.last_duration.labels(step).set(seconds)
        reading = ProgressReading.from_event(event)
        if reading is not None:
            metrics.progress_done.labels(*reading.key).set(reading.done)
            metrics.progress_total.labels(*reading.key).set(reading.total)
            metrics.progress_ratio.labels(*reading.key).set(reading.ratio)

    def serve(self, port: int, addr: str = "127.0.0.1") -> WSGIServer:
        """Serve the metrics at ``http://addr:port/`` from a daemon thread, for Prometheus.

        ``addr`` defaults to the loopback interface: pass ``"0.0.0.0"`` deliberately to expose
        the metrics to other hosts. Port 0 picks a free port (``server.server_port`` says which).
        Returns the server: ``server.shutdown()`` stops it, ``server.server_close()`` frees it.
        """
        from confluent_ops.reporting._prometheus import serve_registry  # noqa: PLC0415 - optional

        return serve_registry(self.registry, port, addr)
