"""Step events as log records, readable by people and, with :class:`JsonLogFormatter`, by machines.

A step that runs unattended (a job, an operator's reconcile loop) leaves its story in the logs.
:class:`LogEvents` logs each event as its one-line description and attaches the event's data
(``to_dict()``) to the record as ``event``, so that a structured handler keeps every field
while a plain one still prints a sentence. Levels follow what needs attention: a failure is a
warning, the polling lines of a wait are debug, everything else is info.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Mapping
from typing import Any

import attrs

from confluent_ops.steps.events import StepEvent

__all__ = ["JsonLogFormatter", "LogEvents"]

_EVENTS_LOGGER = "confluent_ops.events"
"""The logger events go to unless told otherwise."""

_LEVELS: Mapping[str, int] = {"failed": logging.WARNING, "waiting": logging.DEBUG}
"""The level of each kind that is not INFO."""


def _events_logger() -> logging.Logger:
    return logging.getLogger(_EVENTS_LOGGER)


@attrs.frozen
class LogEvents:
    """Log every event on ``logger``: message ``describe()``, data in ``extra={"event": ...}``.

    Level INFO, WARNING for ``failed`` and DEBUG for ``waiting``; unknown kinds are INFO.
    """

    logger: logging.Logger = attrs.field(factory=_events_logger)

    def __call__(self, event: StepEvent) -> None:
        level = _LEVELS.get(event.kind, logging.INFO)
        if self.logger.isEnabledFor(level):
            self.logger.log(level, event.describe(), extra={"event": event.to_dict()})


def _utc_timestamp(created: float) -> str:
    moment = datetime.datetime.fromtimestamp(created, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per record, on one line: what log collectors parse without rules.

    Keys: ``timestamp`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, then ``event``
    (the step event's data) when the record carries one, and ``exception`` (the formatted
    traceback) when it has one. A value JSON cannot hold is written as its ``str``, so that
    formatting a record never fails.
    """

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "timestamp": _utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        event = getattr(record, "event", None)
        if isinstance(event, Mapping):
            data["event"] = dict(event)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)
