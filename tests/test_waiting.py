"""The one wait policy: progress-based deadlines on an injectable clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confluent_ops.errors import WaitTimedOut
from confluent_ops.waiting import Check, VirtualClock, WaitPolicy, wait_for, wait_until


def test_a_wait_that_keeps_progressing_outlasts_its_stall_limit():
    clock = VirtualClock()
    looks = iter(range(1, 1000))

    def copying():
        n = next(looks)
        return Check(n >= 200, value=n, progress=n, blocker="followers copying")

    assert wait_for(copying, policy=WaitPolicy(stall=10, clock=clock), what="copy") == 200
    assert clock.now > 10 * 5  # far longer than the stall limit: progress kept it going
    assert set(clock.slept) == {0.5}  # and every look after progress came soon


def test_pauses_grow_while_nothing_changes_and_shrink_after_progress():
    clock = VirtualClock()
    figures = iter([0, 0, 0, 0, 1, 1, 1, 2])
    wait_for(
        lambda: Check((figure := next(figures)) == 2, progress=figure),
        policy=WaitPolicy(interval=1, backoff=2, max_interval=8, stall=100, clock=clock),
        what="x",
    )
    assert clock.slept == [1, 2, 4, 8, 1, 2, 4]


def test_a_check_that_knows_when_the_next_thing_happens_is_looked_at_then():
    clock = VirtualClock()
    # a copy due in 0.3 s, then one due in 0.05 s (looked at no sooner than 0.2 s), then stuck
    # with the same estimate: it counts for max_interval (1 s) after the last progress, then
    # the backoff takes over again
    seen = iter([(1, 0.3), (2, 0.05), (3, 0.05)] + [(3, 0.05)] * 7 + [(4, None)])

    def look():
        figure, soon = next(seen)
        return Check(figure == 4, progress=figure, look_again_in=soon)

    wait_for(look, policy=WaitPolicy(interval=1, max_interval=1, stall=100, clock=clock), what="x")
    assert clock.slept[:3] == [0.3, 0.2, 0.2]
    assert clock.slept[3:8] == pytest.approx([0.2] * 5)  # within 1 s of the last progress
    assert clock.slept[8:] == [1, 1]  # stuck for longer: the policy's own pauses


def test_a_stalled_wait_gives_up_after_the_stall_and_says_what_blocks():
    clock = VirtualClock()
    with pytest.raises(WaitTimedOut) as caught:
        wait_for(
            lambda: Check(False, progress=7, blocker="broker 2 is not back"),
            policy=WaitPolicy(stall=30, clock=clock),
            what="broker 2",
        )
    assert "broker 2 is not back" in str(caught.value)
    assert 30 <= caught.value.stalled < 36
    assert clock.now < 36


def test_a_timeout_is_a_hard_cap_whatever_the_progress():
    clock = VirtualClock()
    looks = iter(range(10_000))
    with pytest.raises(WaitTimedOut):
        wait_for(
            lambda: Check(False, progress=next(looks)),
            policy=WaitPolicy(stall=None, timeout=5, clock=clock),
            what="x",
        )
    assert 5 <= clock.now < 11


def test_exceptions_named_in_retry_on_count_as_not_yet():
    clock = VirtualClock()
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionRefusedError("restarting")
        return Check(True, value="up")

    policy = WaitPolicy.bounded(10, clock=clock).evolve(retry_on=(ConnectionRefusedError,))
    assert wait_for(flaky, policy=policy, what="x") == "up"
    with pytest.raises(KeyError):  # anything else ends the wait at once
        wait_until(lambda: {}["k"], policy=WaitPolicy.bounded(10, clock=clock), what="x")


def test_on_wait_hears_each_pause_and_why():
    clock = VirtualClock()
    heard = []
    looks = iter([False, False, True])
    wait_for(
        lambda: Check(next(looks), blocker="2 moves in flight"),
        policy=WaitPolicy.bounded(10, clock=clock),
        what="x",
        on_wait=lambda check, seconds: heard.append((check.blocker, seconds)),
    )
    assert [b for b, _ in heard] == ["2 moves in flight", "2 moves in flight"]
    assert sum(s for _, s in heard) == pytest.approx(clock.now)


@given(st.floats(0.01, 5), st.floats(1.0, 3.0), st.floats(1, 60))
def test_pauses_grow_and_never_exceed_max_interval(interval, backoff, stall):
    clock = VirtualClock()
    policy = WaitPolicy(
        interval=interval, backoff=backoff, max_interval=10, stall=stall, clock=clock
    )
    with pytest.raises(WaitTimedOut):
        wait_until(lambda: False, policy=policy, what="never")
    assert all(interval - 1e-9 <= s <= 10 + 1e-9 for s in clock.slept)
    assert clock.slept == sorted(clock.slept)


def test_a_policy_needs_a_limit():
    with pytest.raises(ValueError, match="stall limit, a timeout"):
        WaitPolicy(stall=None, timeout=None)
