"""When the next move of a throttled reassignment should be done (so that it is looked at then)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confluent_ops.model import TopicPartition
from confluent_ops.planners import (
    MoveProgress,
    MoveState,
    ReassignmentProgress,
    seconds_to_next_done,
)


def moving(partition: int, adding: tuple[int, ...], total: int, copied: int, caught_up=()):
    return MoveProgress(
        TopicPartition("t", partition),
        MoveState.MOVING,
        target=(0, *adding),
        replicas=(0, 1, *adding),
        adding=adding,
        caught_up=caught_up,
        bytes_total=total,
        bytes_copied=copied,
    )


def test_replicas_fetched_by_one_broker_share_its_throttle():
    # broker 3 fetches two partitions: each gets half of 1 MB/s; 0.5 MB left -> 1 s
    progress = ReassignmentProgress(
        (moving(0, (3,), 2_000_000, 1_500_000), moving(1, (3,), 2_000_000, 500_000))
    )
    assert seconds_to_next_done(progress, 1_000_000) == pytest.approx(1.0)


def test_a_move_into_two_brokers_waits_for_the_slower_share():
    # partition 0 adds 3 and 4; broker 4 also fetches partition 1: its share is half the rate
    progress = ReassignmentProgress(
        (moving(0, (3, 4), 2_000_000, 1_000_000), moving(1, (4,), 10_000_000, 0))
    )
    assert seconds_to_next_done(progress, 1_000_000) == pytest.approx(1.0)


def test_no_throttle_no_copy_or_only_completing_moves_give_no_estimate():
    copying = ReassignmentProgress((moving(0, (3,), 1_000, 0),))
    completing = ReassignmentProgress((moving(0, (3,), 1_000, 1_000, caught_up=(3,)),))
    assert seconds_to_next_done(copying, None) is None
    assert seconds_to_next_done(ReassignmentProgress(()), 1_000) is None
    assert seconds_to_next_done(completing, 1_000) is None


@given(
    st.lists(
        st.tuples(st.integers(3, 6), st.integers(0, 10**9), st.integers(0, 10**9)),
        min_size=1,
        max_size=20,
    ),
    st.integers(1, 10**9),
)
def test_the_estimate_is_never_negative_nor_later_than_copying_everything_alone(moves, rate):
    progress = ReassignmentProgress(
        tuple(
            moving(i, (broker,), max(total, copied), min(total, copied))
            for i, (broker, total, copied) in enumerate(moves)
        )
    )
    soon = seconds_to_next_done(progress, rate)
    assert soon is not None
    left = sum(m.bytes_total - m.bytes_copied for m in progress.moves)
    assert 0 <= soon <= left / rate + 1e-9
