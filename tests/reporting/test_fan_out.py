"""fan_out: every consumer sees every event in order, and a broken one stops nothing."""

from __future__ import annotations

import io
import json
import logging

from hypothesis import given
from hypothesis import strategies as st
from reporting_events import QuorumResized, failure, rolling_restart
from rich.console import Console

from confluent_ops.reporting import (
    JsonLines,
    LogEvents,
    ProgressDisplay,
    PrometheusEvents,
    fan_out,
)

REPORTING = "confluent_ops.reporting"


class ConsumerError(Exception):
    pass


def broken(event):
    raise ConsumerError(f"cannot take {event.kind}")


def test_every_consumer_gets_every_event_in_the_order_given():
    seen = []
    emit = fan_out(
        lambda e: seen.append(("first", e.kind)), lambda e: seen.append(("second", e.kind))
    )
    for event in rolling_restart()[:2]:
        emit(event)

    assert seen == [
        ("first", "started"),
        ("second", "started"),
        ("first", "progress"),
        ("second", "progress"),
    ]


def test_a_consumer_that_raises_stops_neither_the_others_nor_the_step(caplog):
    seen = []
    emit = fan_out(seen.append, broken, seen.append)
    with caplog.at_level(logging.DEBUG, logger=REPORTING):
        for event in rolling_restart():
            emit(event)

    assert len(seen) == 2 * len(rolling_restart())
    warnings = [r for r in caplog.records if r.name == REPORTING and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].exc_info is not None
    assert isinstance(warnings[0].exc_info[1], ConsumerError)
    assert "the step goes on" in warnings[0].getMessage()
    later = [r for r in caplog.records if r.name == REPORTING and r.levelno == logging.DEBUG]
    assert len(later) == len(rolling_restart()) - 1


def test_each_broken_consumer_is_warned_about_once():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    logger = logging.getLogger(REPORTING)
    handler = Keep(logging.WARNING)
    logger.addHandler(handler)
    try:
        emit = fan_out(broken, broken)
        emit(failure())
        emit(failure())
    finally:
        logger.removeHandler(handler)

    assert len(records) == 2


@given(st.lists(st.booleans(), max_size=6), st.integers(min_value=0, max_value=5))
def test_consumers_that_work_see_every_event_whatever_the_others_do(breaks, events):
    seen: dict[int, int] = {}

    def consumer(position, fails):
        def consume(event):
            if fails:
                raise ConsumerError(event.kind)
            seen[position] = seen.get(position, 0) + 1

        return consume

    emit = fan_out(*(consumer(position, fails) for position, fails in enumerate(breaks)))
    for _ in range(events):
        emit(QuorumResized("scale-out", 3))

    working = [position for position, fails in enumerate(breaks) if not fails]
    assert seen == ({position: events for position in working} if events else {})


def test_no_consumer_at_all_is_a_quiet_emit():
    fan_out()(failure())


def test_one_roll_drives_a_terminal_logs_json_and_metrics_at_once(caplog):
    console = Console(file=io.StringIO(), force_terminal=False, width=100)
    stream = io.StringIO()
    metrics = PrometheusEvents()
    with (
        caplog.at_level(logging.DEBUG, logger="confluent_ops.events"),
        ProgressDisplay(console=console) as display,
    ):
        emit = fan_out(display, LogEvents(), metrics, JsonLines(stream))
        for event in [*rolling_restart(), QuorumResized("roll", 5), failure()]:
            emit(event)

    assert console.file.getvalue().splitlines()[-1] == failure().describe()
    assert len(caplog.records) == len(rolling_restart()) + 2
    assert json.loads(stream.getvalue().splitlines()[-1])["kind"] == "failed"
    assert (
        metrics.registry.get_sample_value("confluent_ops_step_failures_total", {"step": "roll"})
        == 1
    )
