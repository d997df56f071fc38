"""One way to wait: a predicate looked at under a policy, on a clock that can be replaced.

Every wait of the library (an adapter waiting for brokers to apply a config, a step waiting for
followers to catch up or a broker to come back, the testbed waiting for a JVM to serve) is
:func:`wait_for` with a :class:`WaitPolicy`. The loop is tenacity's; the decisions are small
policy objects combined with ``|`` as tenacity's are, reading time from an injected
:class:`~confluent_ops.ports.Clock`, so a test or a simulation runs a two-hour wait in no time.

The policy gives up on **lack of progress**, not on elapsed time: a check reports what it saw
(:class:`Check`): whether it is done, a figure that changes whenever something moved forward
(bytes caught up, a log end offset, the number of brokers back) and what still blocks. A wait
ends in :class:`~confluent_ops.errors.WaitTimedOut` only when that figure stood still for
``stall`` seconds (or an absolute ``timeout``, when one is set, passed), and the error says what
blocked. Strimzi's roller gives up after a fixed 127.75 s whatever is happening; a broker
recovering a large log, or followers copying at a throttle, are progress and are waited for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import attrs
import tenacity

from confluent_ops.errors import WaitTimedOut
from confluent_ops.ports import Clock

__all__ = [
    "SYSTEM_CLOCK",
    "Check",
    "SystemClock",
    "VirtualClock",
    "WaitPolicy",
    "wait_for",
    "wait_until",
]

_T = TypeVar("_T")


class SystemClock:
    """The real clock (``time.monotonic``, ``time.sleep``)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK: Clock = SystemClock()


class VirtualClock:
    """A clock that only moves when someone sleeps on it: for tests and simulations.

    ``on_sleep`` (optional) is called with the new time after each sleep, so that a simulated
    world can advance with it.
    """

    def __init__(self, start: float = 0.0, on_sleep: Callable[[float], None] | None = None):
        self.now = start
        self.slept: list[float] = []
        self._on_sleep = on_sleep

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)
        if self._on_sleep is not None:
            self._on_sleep(self.now)


@attrs.frozen
class Check(Generic[_T]):
    """What one look found: ``done``, the ``value`` to return, ``progress`` and the ``blocker``.

    ``progress`` is any hashable figure that changes when something moved forward; a wait whose
    check leaves it at None never sees progress (it gives up after ``stall`` seconds).
    ``look_again_in``: when the check knows the next look is worth taking sooner than the
    policy's pause (a copy at a known throttle ends in 0.3 s), the seconds until then.
    """

    done: bool
    value: _T | None = None
    progress: Hashable = None
    blocker: str = ""
    look_again_in: float | None = None


def _positive_or_none(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not value > 0:
        raise ValueError(f"{attribute.name} must be > 0 or None, got {value}")


@attrs.frozen
class WaitPolicy:
    """How to wait: how often to look, and when to give up.

    ``interval`` is the first pause between looks, growing by ``backoff`` up to
    ``max_interval`` while nothing changes, and short again after progress. ``stall``: give up
    once progress stood still this long (None: never). ``timeout``: give up after this long
    whatever happens (None: never). At least one of the two must be set. ``retry_on``:
    exception types a look may raise that count as "not yet" (a broker restarting refuses
    connections) rather than ending the wait.
    """

    interval: float = 0.5
    max_interval: float = 5.0
    backoff: float = 1.5
    stall: float | None = attrs.field(default=120.0, validator=_positive_or_none)
    timeout: float | None = attrs.field(default=None, validator=_positive_or_none)
    retry_on: tuple[type[BaseException], ...] = ()
    clock: Clock = attrs.field(default=SYSTEM_CLOCK, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.stall is None and self.timeout is None:
            raise ValueError("a wait policy needs a stall limit, a timeout, or both")
        if self.interval < 0 or self.max_interval < self.interval or self.backoff < 1:
            raise ValueError("intervals must be >= 0, max_interval >= interval, backoff >= 1")

    @classmethod
    def bounded(
        cls, timeout: float, *, interval: float = 0.1, clock: Clock = SYSTEM_CLOCK
    ) -> WaitPolicy:
        """A short wait with a hard deadline: an adapter waiting for a cluster to apply a change."""
        return cls(
            interval=interval,
            max_interval=max(interval, 1.0),
            stall=None,
            timeout=timeout,
            clock=clock,
        )

    def evolve(self, **changes: Any) -> WaitPolicy:
        """This policy with some fields changed (``attrs.evolve``)."""
        return attrs.evolve(self, **changes)


class _Tracker:
    """Remembers when the progress figure last changed, on the policy's clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.started = clock.monotonic()
        self.changed = self.started
        self.figure: Hashable = _UNSEEN
        self.looks_since_change = 0
        self.last: Check[Any] = Check(False, blocker="not looked at yet")

    def record(self, check: Check[Any]) -> Check[Any]:
        self.looks_since_change += 1
        if check.progress is not None and check.progress != self.figure:
            if self.figure is not _UNSEEN:
                self.changed = self.clock.monotonic()
                self.looks_since_change = 1
            self.figure = check.progress
        self.last = check
        return check


_UNSEEN = object()


#: The shortest pause a check's ``look_again_in`` may ask for: no look hammers the cluster.
_SHORTEST_PAUSE = 0.2


class _Backoff(tenacity.wait.wait_base):
    """Pauses that grow while nothing changes and start short again after progress.

    A reassignment whose waves finish one after another is looked at often; one that is stuck
    is looked at less and less, up to ``max_interval``. A check that knows when the next thing
    will happen (``look_again_in``) shortens the pause to then, never below ``_SHORTEST_PAUSE``,
    as long as progress was seen within the last ``max_interval`` (progress often shows in steps:
    log sizes grow a segment at a time); a stuck copy's estimate does not hammer the cluster.
    """

    def __init__(self, tracker: _Tracker, policy: WaitPolicy) -> None:
        self.tracker, self.policy = tracker, policy

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        exponent = max(0, self.tracker.looks_since_change - 1)
        pause = min(
            self.policy.interval * self.policy.backoff ** min(exponent, 64),
            self.policy.max_interval,
        )
        hint = self.tracker.last.look_again_in
        recent = self.tracker.clock.monotonic() - self.tracker.changed <= self.policy.max_interval
        if hint is not None and recent:  # only while things move: a stuck copy is not hammered
            pause = min(pause, max(hint, _SHORTEST_PAUSE))
        return pause


class _Stalled(tenacity.stop.stop_base):
    def __init__(self, tracker: _Tracker, seconds: float) -> None:
        self.tracker, self.seconds = tracker, seconds

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.tracker.clock.monotonic() - self.tracker.changed >= self.seconds


class _PastDeadline(tenacity.stop.stop_base):
    def __init__(self, tracker: _Tracker, seconds: float) -> None:
        self.tracker, self.seconds = tracker, seconds

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.tracker.clock.monotonic() - self.tracker.started >= self.seconds


def wait_for(
    check: Callable[[], Check[_T]],
    *,
    policy: WaitPolicy,
    what: str,
    on_wait: Callable[[Check[_T], float], None] | None = None,
) -> _T | None:
    """Look with ``check`` until it is done; return its value, or raise ``WaitTimedOut``.

    ``on_wait(check, seconds)`` is told, before each pause, what was seen and how long the pause
    is: the steps turn it into "waiting" events that say what blocks.
    """
    tracker = _Tracker(policy.clock)

    def look() -> Check[_T]:
        try:
            return tracker.record(check())
        except policy.retry_on as exc:
            return tracker.record(Check(False, blocker=f"{type(exc).__name__}: {exc}"))

    stops: list[tenacity.stop.stop_base] = []
    if policy.stall is not None:
        stops.append(_Stalled(tracker, policy.stall))
    if policy.timeout is not None:
        stops.append(_PastDeadline(tracker, policy.timeout))
    stop = stops[0] if len(stops) == 1 else stops[0] | stops[1]

    def before_sleep(retry_state: tenacity.RetryCallState) -> None:
        if on_wait is not None and retry_state.next_action is not None:
            on_wait(tracker.last, retry_state.next_action.sleep)

    def give_up(retry_state: tenacity.RetryCallState) -> Check[_T]:
        now = policy.clock.monotonic()
        raise WaitTimedOut(
            what,
            tracker.last.blocker or "it did not happen",
            waited=now - tracker.started,
            stalled=now - tracker.changed,
        )

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_result(lambda seen: not seen.done),
        stop=stop,
        wait=_Backoff(tracker, policy),
        sleep=policy.clock.sleep,
        before_sleep=before_sleep,
        retry_error_callback=give_up,
    )
    result: Check[_T] = retrying(look)
    return result.value


def wait_until(
    predicate: Callable[[], bool],
    *,
    policy: WaitPolicy,
    what: str,
    blocker: str = "",
) -> None:
    """Wait until ``predicate()`` holds (no progress figure: the policy's timeout decides)."""
    wait_for(
        lambda: Check(predicate(), blocker=blocker or f"{what} has not happened yet"),
        policy=policy,
        what=what,
    )
