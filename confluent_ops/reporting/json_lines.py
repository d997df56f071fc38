"""Step events as JSON Lines: what a command's ``--json`` prints for the program reading it.

One object per line, written and flushed as the event happens, so that a reader (``jq``, a
pipeline, a test) can act on each event while the step still runs and lose none if it stops.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

import attrs

from confluent_ops.steps.events import StepEvent

__all__ = ["JsonLines"]


def _stdout() -> TextIO:
    return sys.stdout


@attrs.frozen
class JsonLines:
    """Write each event's ``to_dict()`` as one line of JSON to ``stream`` (default stdout).

    The stream is looked up when the consumer is made, not when the module is imported, so a
    redirected ``sys.stdout`` is honoured.
    """

    stream: TextIO = attrs.field(factory=_stdout)

    def __call__(self, event: StepEvent) -> None:
        self.stream.write(json.dumps(event.to_dict()) + "\n")
        self.stream.flush()
