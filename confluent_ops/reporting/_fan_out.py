"""One ``emit`` for many consumers, where a broken consumer never stops the step."""

from __future__ import annotations

import logging

from confluent_ops.steps.events import Emit

__all__ = ["fan_out"]

_LOG = logging.getLogger("confluent_ops.reporting")


class _FanOut:
    """Pass each event to every consumer in order; a consumer's error is logged, not raised.

    A progress bar or a metrics exporter failing is no reason to leave a cluster half rolled.
    The first error of each consumer is a warning with its traceback; later ones of the same
    consumer are debug lines, so that a consumer failing on every event does not flood the log.
    """

    def __init__(self, consumers: tuple[Emit, ...]) -> None:
        self._consumers = consumers
        self._failed: set[int] = set()

    def __call__(self, event: object) -> None:
        for position, consumer in enumerate(self._consumers):
            try:
                consumer(event)
            except Exception:
                level = logging.DEBUG if position in self._failed else logging.WARNING
                self._failed.add(position)
                _LOG.log(
                    level,
                    "event consumer %r failed on %s; the step goes on",
                    consumer,
                    type(event).__name__,
                    exc_info=True,
                )

    def __repr__(self) -> str:
        return f"fan_out({', '.join(repr(consumer) for consumer in self._consumers)})"


def fan_out(*consumers: Emit) -> Emit:
    """One ``emit`` callable that passes each event to every consumer, in the order given.

    A consumer that raises (any ``Exception``) does not stop the others or the step: its error
    is logged on the ``confluent_ops.reporting`` logger (a warning the first time) and the next
    consumer gets the event.
    """
    return _FanOut(consumers)
