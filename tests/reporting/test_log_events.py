"""LogEvents and JsonLogFormatter: one record per event, its data kept, readable by machines."""

from __future__ import annotations

import datetime
import io
import json
import logging
import sys

import pytest
from reporting_events import QuorumResized, copying, failure, rolling_restart

from confluent_ops.reporting import JsonLogFormatter, LogEvents
from confluent_ops.steps.events import BrokerStopped, StepStarted, StepWaiting

EVENTS = "confluent_ops.events"


def as_json(data):
    """What JSON makes of a value (tuples become lists)."""
    return json.loads(json.dumps(data))


def test_a_failed_event_is_logged_as_a_warning_with_its_fields(caplog):
    with caplog.at_level(logging.DEBUG, logger=EVENTS):
        LogEvents()(failure())

    [record] = caplog.records
    assert record.name == EVENTS
    assert record.levelno == logging.WARNING
    assert record.getMessage() == failure().describe()
    assert record.event == failure().to_dict()
    assert record.event["kind"] == "failed"


def test_a_wait_is_logged_at_debug(caplog):
    wait = StepWaiting("roll", "no under-replicated partitions", "4 under-replicated", 5)
    with caplog.at_level(logging.DEBUG, logger=EVENTS):
        LogEvents()(wait)

    [record] = caplog.records
    assert record.levelno == logging.DEBUG
    assert record.event == wait.to_dict()


@pytest.mark.parametrize(
    "event",
    [
        StepStarted("upgrade", "upgrade 3 brokers to 4.1.1", dry_run=True),
        BrokerStopped("roll", 1, "restart"),
        copying(3, 10, 2**30),
        rolling_restart()[-1],
        QuorumResized("scale-out", 5),
    ],
    ids=lambda event: event.kind,
)
def test_every_other_kind_is_logged_at_info_with_its_description(caplog, event):
    with caplog.at_level(logging.DEBUG, logger=EVENTS):
        LogEvents()(event)

    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == event.describe()
    assert record.event == event.to_dict()


def test_a_wait_is_not_logged_where_debug_is_off(caplog):
    with caplog.at_level(logging.INFO, logger=EVENTS):
        LogEvents()(StepWaiting("roll", "a quorum", "2 of 3 voters", 5))

    assert caplog.records == []


def test_events_go_to_the_logger_given():
    logger = logging.getLogger("tests.reporting.my-job")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        LogEvents(logger)(BrokerStopped("drain", 4, "decommissioned"))
    finally:
        logger.removeHandler(handler)

    assert stream.getvalue() == "drain: stopped node 4: decommissioned\n"


def test_json_logs_are_one_object_per_line_with_the_events_fields():
    logger = logging.getLogger("tests.reporting.json")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        for event in rolling_restart():
            LogEvents(logger)(event)
    finally:
        logger.removeHandler(handler)

    lines = stream.getvalue().splitlines()
    assert len(lines) == len(rolling_restart())
    for line, event in zip(lines, rolling_restart(), strict=True):
        logged = json.loads(line)
        assert set(logged) == {"timestamp", "level", "logger", "message", "event"}
        assert logged["logger"] == "tests.reporting.json"
        assert logged["message"] == event.describe()
        assert logged["event"] == as_json(event.to_dict())
        assert logged["level"] == ("DEBUG" if event.kind == "waiting" else "INFO")
        moment = datetime.datetime.fromisoformat(logged["timestamp"])
        assert moment.utcoffset() == datetime.timedelta(0)


def test_the_json_timestamp_is_iso_8601_in_utc():
    record = logging.makeLogRecord({"msg": "x", "created": 86400.25, "levelname": "INFO"})

    assert json.loads(JsonLogFormatter().format(record))["timestamp"] == (
        "1970-01-02T00:00:00.250Z"
    )


def test_a_record_without_an_event_has_no_event_field_and_stays_one_line():
    record = logging.makeLogRecord(
        {"name": "confluent_ops.adapters.kafka", "msg": "line one\nline %s", "args": ("two",)}
    )

    formatted = JsonLogFormatter().format(record)
    assert "\n" not in formatted
    logged = json.loads(formatted)
    assert logged["message"] == "line one\nline two"
    assert "event" not in logged


def test_a_record_with_an_exception_carries_its_traceback():
    try:
        raise RuntimeError("broker 2 unreachable")
    except RuntimeError:
        record = logging.getLogger("tests.reporting").makeRecord(
            "tests.reporting", logging.WARNING, __file__, 1, "failed", (), sys.exc_info()
        )

    logged = json.loads(JsonLogFormatter().format(record))
    assert "RuntimeError: broker 2 unreachable" in logged["exception"]


def test_a_value_json_cannot_hold_is_written_as_text():
    record = logging.makeLogRecord({"msg": "odd", "event": {"kind": "odd", "at": object}})

    assert json.loads(JsonLogFormatter().format(record))["event"] == {
        "kind": "odd",
        "at": str(object),
    }
