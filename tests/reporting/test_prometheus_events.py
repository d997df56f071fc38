"""PrometheusEvents: counters and gauges read back from the registry they were given."""

from __future__ import annotations

import urllib.request

import prometheus_client
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from reporting_events import QuorumResized, copying, failure, rolling_restart

from confluent_ops.reporting import PrometheusEvents
from confluent_ops.steps.events import BrokerStopped, StepDone, StepProgress, StepWaiting


def value(metrics: PrometheusEvents, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_every_event_is_counted_by_step_and_kind():
    metrics = PrometheusEvents()
    for event in rolling_restart():
        metrics(event)

    def events(kind: str) -> float | None:
        return value(metrics, "confluent_ops_step_events_total", step="roll", kind=kind)

    assert events("started") == 1
    assert events("waiting") == 2
    assert events("progress") == 3
    assert events("broker-stopped") == 1
    assert events("done") == 1
    assert events("failed") is None


def test_progress_is_a_ratio_with_its_counts_for_each_piece_of_work():
    metrics = PrometheusEvents()
    metrics(copying(3, 12, 2**30))
    metrics(StepProgress("reassign", "leaders", 1, 2))

    labels = {"step": "reassign", "what": "partitions"}
    assert value(metrics, "confluent_ops_step_progress_ratio", **labels) == 0.25
    assert value(metrics, "confluent_ops_step_progress_done", **labels) == 3
    assert value(metrics, "confluent_ops_step_progress_total", **labels) == 12
    assert (
        value(metrics, "confluent_ops_step_progress_ratio", step="reassign", what="leaders") == 0.5
    )


def test_progress_with_nothing_to_do_is_complete():
    metrics = PrometheusEvents()
    metrics(StepProgress("scale-in", "partitions", 0, 0))

    assert (
        value(metrics, "confluent_ops_step_progress_ratio", step="scale-in", what="partitions") == 1
    )


@given(st.integers(min_value=-5, max_value=10**12), st.integers(min_value=-5, max_value=10**12))
def test_the_progress_ratio_stays_between_zero_and_one(done, total):
    metrics = PrometheusEvents()
    metrics(StepProgress("reassign", "partitions", done, total))

    ratio = value(metrics, "confluent_ops_step_progress_ratio", step="reassign", what="partitions")
    assert ratio is not None
    assert 0 <= ratio <= 1


def test_a_step_is_waiting_only_while_its_last_event_is_a_wait():
    metrics = PrometheusEvents()
    metrics(BrokerStopped("drain", 1, "drain"))
    metrics(BrokerStopped("roll", 2, "restart"))
    assert value(metrics, "confluent_ops_step_waiting", step="roll") == 0

    metrics(StepWaiting("roll", "broker 2 to rejoin the ISR", "2 partitions", 5))
    assert value(metrics, "confluent_ops_step_waiting", step="roll") == 1
    assert value(metrics, "confluent_ops_step_waiting", step="drain") == 0

    metrics(StepProgress("roll", "brokers", 2, 3))
    assert value(metrics, "confluent_ops_step_waiting", step="roll") == 0


def test_done_sets_the_last_duration_and_a_dry_run_leaves_it():
    metrics = PrometheusEvents()
    metrics(StepDone("upgrade", "3 brokers on 4.1.1", seconds=930.5))
    metrics(StepDone("upgrade", "3 brokers would move to 4.1.1", seconds=0.2, dry_run=True))

    assert value(metrics, "confluent_ops_step_last_duration_seconds", step="upgrade") == 930.5


def test_failures_are_counted_from_zero():
    metrics = PrometheusEvents()
    metrics(BrokerStopped("roll", 1, "restart"))
    assert value(metrics, "confluent_ops_step_failures_total", step="roll") == 0

    metrics(failure())
    metrics(failure())
    assert value(metrics, "confluent_ops_step_failures_total", step="roll") == 2


def test_an_unknown_kind_is_counted_and_changes_nothing_else():
    metrics = PrometheusEvents()
    metrics(QuorumResized("scale-out", 5))

    assert (
        value(metrics, "confluent_ops_step_events_total", step="scale-out", kind="quorum-resized")
        == 1
    )
    assert value(metrics, "confluent_ops_step_waiting", step="scale-out") == 0
    assert value(metrics, "confluent_ops_step_last_duration_seconds", step="scale-out") is None


def test_metrics_go_to_the_registry_given_and_never_to_the_global_one():
    mine = CollectorRegistry()
    PrometheusEvents(mine)(failure())
    PrometheusEvents()(failure())

    assert mine.get_sample_value("confluent_ops_step_failures_total", {"step": "roll"}) == 1
    assert PrometheusEvents().registry is not prometheus_client.REGISTRY
    global_value = prometheus_client.REGISTRY.get_sample_value(
        "confluent_ops_step_failures_total", {"step": "roll"}
    )
    assert global_value is None


def test_served_metrics_can_be_scraped():
    metrics = PrometheusEvents()
    metrics(copying(5, 10, 2**30))
    server = metrics.serve(0)
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            page = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()

    assert 'confluent_ops_step_progress_ratio{step="reassign",what="partitions"} 0.5' in page
