"""Consumers of step events: the same events drive a terminal, logs, metrics and notebooks.

No step prints (:mod:`confluent_ops.steps.events`): each hands typed events to an ``emit``
callable, and what becomes of them is the caller's choice. These are the consumers the commands
use, offered to Python callers too:

- :class:`ProgressDisplay`: rich progress bars and one line per event, for a person at a
  terminal (plain lines where output is not a terminal);
- :class:`LogEvents` and :class:`JsonLogFormatter`: one log record per event, with the
  event's data attached, rendered as JSON lines for log collectors;
- :class:`PrometheusEvents`: counters and gauges for dashboards and alerts (needs the
  ``metrics`` extra: ``pip install 'confluent-ops[metrics]'``);
- :class:`JsonLines`: the events as JSON Lines on stdout, what ``--json`` prints;
- :func:`fan_out`: one ``emit`` for several consumers, where one that fails stops nothing.

Consumers read events by their protocol (``step``, ``kind``, ``describe()``, ``to_dict()``),
so kinds they do not know are shown or counted by those and never raise. See docs/reporting.md.
"""

from __future__ import annotations

from confluent_ops.reporting._fan_out import fan_out
from confluent_ops.reporting.display import ProgressDisplay
from confluent_ops.reporting.json_lines import JsonLines
from confluent_ops.reporting.logs import JsonLogFormatter, LogEvents
from confluent_ops.reporting.metrics import PrometheusEvents

__all__ = [
    "JsonLines",
    "JsonLogFormatter",
    "LogEvents",
    "ProgressDisplay",
    "PrometheusEvents",
    "fan_out",
]
