"""The reassignment planners, each request and each constraint on its own."""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confluent_ops.errors import ImpossiblePlan, InvalidInput, UnknownBroker, UnknownPartition
from confluent_ops.model import (
    Broker,
    BrokerSet,
    ClusterAssignment,
    PartitionMove,
    PartitionSizes,
    ReassignmentPlan,
    TopicPartition,
    synthetic_cluster,
)
from confluent_ops.planners import (
    PlanOptions,
    goals_named,
    plan_add_brokers,
    plan_leaders,
    plan_rebalance,
    plan_remove_brokers,
    plan_replication_factor,
)


def _racks_of(replicas: tuple[int, ...], brokers: BrokerSet) -> int:
    return len({brokers.rack_of(b) for b in replicas})


_NO_TOPIC_GOALS = PlanOptions(
    goals=goals_named(
        [
            "rack-awareness",
            "disk-capacity",
            "replica-distribution",
            "disk-usage-distribution",
            "leader-distribution",
        ]
    )
)
"""Our goals without the per-topic ones: the classic count, byte and leader balance."""


def _spread(counts: Counter[int], ids: tuple[int, ...]) -> int:
    values = [counts.get(b, 0) for b in ids]
    return max(values) - min(values)


def test_add_brokers_gives_new_brokers_their_share_with_the_fewest_moves() -> None:
    cluster, new = synthetic_cluster(
        rack_sizes=(2, 2, 2), partitions=600, seed=3
    ).with_new_brokers()
    plan = plan_add_brokers(cluster.assignment, cluster.brokers, new, sizes=cluster.sizes)
    after = plan.apply_to(cluster.assignment)
    counts = after.replica_counts()
    assert all(counts[b] == 200 for b in new)
    assert plan.report is not None
    # The random placement leaves topics off their spread: fixing them costs a few moves more
    # than the 600 the new brokers need, and the bound counts them too.
    assert 600 <= plan.report.lower_bound_moves <= plan.report.replica_moves
    assert plan.report.replica_moves <= 1.05 * plan.report.lower_bound_moves
    assert not plan.report.goals_unmet
    without_topics = plan_add_brokers(
        cluster.assignment, cluster.brokers, new, sizes=cluster.sizes, options=_NO_TOPIC_GOALS
    )
    assert without_topics.report is not None
    assert without_topics.report.replica_moves == without_topics.report.lower_bound_moves == 600
    assert plan.report.replica_spread_after == 0
    assert plan.report.leader_spread_after <= 1
    assert plan.report.max_bytes_ratio_after is not None
    assert plan.report.max_bytes_ratio_after <= 1.10


def test_remove_brokers_moves_only_replicas_on_removed_brokers() -> None:
    cluster = synthetic_cluster(rack_sizes=(3, 3, 3), partitions=900, sizes=False, seed=5)
    removed = (2, 5, 8)
    plan = plan_remove_brokers(
        cluster.assignment, cluster.brokers, removed, options=_NO_TOPIC_GOALS
    )
    for move in plan:
        assert set(move.removing) <= set(removed)
    after = plan.apply_to(cluster.assignment)
    assert not set(removed) & after.broker_ids
    assert plan.report is not None
    on_removed = sum(cluster.assignment.replica_counts()[b] for b in removed)
    assert plan.report.replica_moves == plan.report.lower_bound_moves == on_removed
    for replicas in after.partitions.values():
        assert _racks_of(replicas, cluster.brokers) == 3


def test_rebalance_evens_out_a_skewed_cluster_and_keeps_rack_spread() -> None:
    cluster = synthetic_cluster(rack_sizes=(3, 3, 3, 3), partitions=1200, skew=1.0, seed=11)
    plan = plan_rebalance(cluster.assignment, cluster.brokers, sizes=cluster.sizes)
    report = plan.report
    assert report is not None
    assert report.replica_spread_before > 100
    assert report.replica_spread_after <= 1
    assert report.leader_spread_after <= 1
    assert report.replica_moves <= 1.05 * report.lower_bound_moves
    after = plan.apply_to(cluster.assignment)
    assert all(_racks_of(r, cluster.brokers) == 3 for r in after.partitions.values())


def test_rebalance_repairs_partitions_that_span_too_few_racks() -> None:
    brokers = BrokerSet.of([Broker(0, "a"), Broker(1, "a"), Broker(2, "b"), Broker(3, "b")])
    assignment = ClusterAssignment({TopicPartition("t", 0): (0, 1), TopicPartition("t", 1): (2, 3)})
    plan = plan_rebalance(assignment, brokers)
    after = plan.apply_to(assignment)
    assert all(_racks_of(r, brokers) == 2 for r in after.partitions.values())
    assert plan.report is not None
    assert plan.report.rack_violations_before == 2
    assert plan.report.rack_violations_after == 0
    assert plan.report.lower_bound_moves == 2 == plan.report.replica_moves


def test_unequal_racks_balance_within_each_rack_and_say_why_not_across() -> None:
    cluster = synthetic_cluster(rack_sizes=(3, 2, 2), partitions=700, skew=0.5, seed=2)
    plan = plan_rebalance(cluster.assignment, cluster.brokers, sizes=cluster.sizes)
    report = plan.report
    assert report is not None
    by_rack: dict[str | None, list[int]] = {}
    for b in report.brokers:
        by_rack.setdefault(b.rack, []).append(b.replicas_after)
    assert all(max(v) - min(v) <= 1 for v in by_rack.values())
    assert report.replica_spread_after > 1
    assert any("rack constraint" in note for note in report.notes)


def test_brokers_without_racks_balance_to_a_spread_of_one() -> None:
    cluster = synthetic_cluster(rack_sizes=None, brokers=7, partitions=500, skew=0.8, seed=4)
    plan = plan_rebalance(cluster.assignment, cluster.brokers, sizes=cluster.sizes)
    assert plan.report is not None
    assert plan.report.replica_spread_after <= 1
    assert plan.report.rack_violations_after == 0


def test_frozen_topics_keep_their_replicas_and_excluded_brokers_receive_nothing() -> None:
    cluster = synthetic_cluster(rack_sizes=(2, 2, 2), partitions=300, topics=3, skew=1.0, seed=9)
    options = PlanOptions(frozen_topics={"topic-000"}, no_receive={5})
    plan = plan_rebalance(cluster.assignment, cluster.brokers, options=options)
    assert all(m.partition.topic != "topic-000" for m in plan)
    assert all(5 not in m.adding for m in plan)


def test_max_moves_caps_the_plan_and_planning_again_continues() -> None:
    cluster, new = synthetic_cluster(
        rack_sizes=(2, 2, 2), partitions=300, seed=1
    ).with_new_brokers()
    capped = plan_add_brokers(
        cluster.assignment,
        cluster.brokers,
        new,
        options=attrs.evolve(_NO_TOPIC_GOALS, max_moves=50),
    )
    assert capped.report is not None
    assert capped.replica_moves == 50
    assert not capped.report.complete
    rest = plan_rebalance(
        capped.apply_to(cluster.assignment), cluster.brokers, options=_NO_TOPIC_GOALS
    )
    assert rest.replica_moves == 300 - 50


def test_raising_replication_factor_adds_replicas_in_missing_racks_only_to_that_topic() -> None:
    cluster = synthetic_cluster(
        rack_sizes=(2, 2, 2), partitions=60, topics=3, replication_factor=1, sizes=False, seed=6
    )
    plan = plan_replication_factor(cluster.assignment, cluster.brokers, "topic-001", 3)
    assert {m.partition.topic for m in plan} == {"topic-001"}
    after = plan.apply_to(cluster.assignment)
    for tp, replicas in after.partitions.items():
        if tp.topic == "topic-001":
            assert len(replicas) == 3
            assert _racks_of(replicas, cluster.brokers) == 3
            assert replicas[0] == cluster.assignment.replicas(tp)[0]
    assert plan.report is not None
    assert plan.report.replica_moves == plan.report.lower_bound_moves == 40


def test_lowering_replication_factor_keeps_leaders_and_rack_spread() -> None:
    cluster = synthetic_cluster(rack_sizes=(2, 2, 2), partitions=30, topics=1, sizes=False, seed=8)
    plan = plan_replication_factor(cluster.assignment, cluster.brokers, "topic-000", 2)
    assert plan.replica_moves == 0
    after = plan.apply_to(cluster.assignment)
    for tp, replicas in after.partitions.items():
        assert len(replicas) == 2
        assert replicas[0] == cluster.assignment.replicas(tp)[0]
        assert _racks_of(replicas, cluster.brokers) == 2
    assert plan.report is not None
    assert plan.report.replicas_removed == 30


def test_leader_plan_only_reorders_and_balances_leaders() -> None:
    brokers = BrokerSet.without_racks(range(3))
    assignment = ClusterAssignment({TopicPartition("t", p): (0, 1, 2) for p in range(9)})
    plan = plan_leaders(assignment, brokers)
    assert plan.replica_moves == 0
    leaders = plan.apply_to(assignment).leader_counts()
    assert sorted(leaders.values()) == [3, 3, 3]
    for move in plan:
        assert sorted(move.before) == sorted(move.after)


def test_same_input_gives_the_same_plan() -> None:
    cluster = synthetic_cluster(rack_sizes=(3, 3, 3, 3), partitions=400, skew=0.7, seed=12)
    first = plan_rebalance(cluster.assignment, cluster.brokers, sizes=cluster.sizes)
    second = plan_rebalance(cluster.assignment, cluster.brokers, sizes=cluster.sizes)
    assert first.to_kafka_json() == second.to_kafka_json()
    assert first.report == second.report


def test_a_plan_carries_figures_that_match_its_moves() -> None:
    cluster = synthetic_cluster(rack_sizes=(2, 2, 2), partitions=120, skew=0.9, seed=13)
    plan = plan_rebalance(cluster.assignment, cluster.brokers, sizes=cluster.sizes)
    report = plan.report
    assert report is not None
    assert report.replica_moves == plan.replica_moves
    assert report.partitions_changed == len(plan)
    assert cluster.sizes is not None
    assert report.bytes_moved == sum(cluster.sizes.size(m.partition) * len(m.adding) for m in plan)
    assert sum(b.replicas_after for b in report.brokers) == cluster.assignment.total_replicas
    assert report.to_dict()["replica_moves"] == plan.replica_moves


# -- bad input ------------------------------------------------------------------------


@pytest.fixture
def small() -> tuple[ClusterAssignment, BrokerSet]:
    brokers = BrokerSet.without_racks(range(4))
    assignment = ClusterAssignment(
        {TopicPartition("t", 0): (0, 1, 2), TopicPartition("u", 0): (1, 2)}
    )
    return assignment, brokers


def test_replica_on_a_broker_missing_from_the_brokers_file_is_refused(
    small: tuple[ClusterAssignment, BrokerSet],
) -> None:
    assignment, _ = small
    with pytest.raises(UnknownBroker, match="unknown broker 2: partition t-0"):
        plan_rebalance(assignment, BrokerSet.without_racks([0, 1]))


def test_removing_an_unknown_broker_is_refused(small: tuple[ClusterAssignment, BrokerSet]) -> None:
    with pytest.raises(UnknownBroker, match="unknown broker 9"):
        plan_remove_brokers(*small, [9])


def test_removal_leaving_fewer_brokers_than_a_replication_factor_is_refused(
    small: tuple[ClusterAssignment, BrokerSet],
) -> None:
    with pytest.raises(ImpossiblePlan, match="topic t's replication factor 3"):
        plan_remove_brokers(*small, [0, 3])


def test_new_broker_that_already_holds_replicas_is_refused(
    small: tuple[ClusterAssignment, BrokerSet],
) -> None:
    with pytest.raises(InvalidInput, match="broker 2 is named as new but already holds 2"):
        plan_add_brokers(*small, [2])


def test_log_dirs_entries_outside_the_assignment_are_ignored_and_counted(
    small: tuple[ClusterAssignment, BrokerSet],
) -> None:
    """kafka-log-dirs --describe reports every topic; an assignment names only some."""
    assignment, brokers = small
    known = next(iter(assignment))
    sizes = PartitionSizes(
        {known: 10, TopicPartition("__consumer_offsets", 0): 5, TopicPartition("other", 3): 7}
    )
    plan = plan_rebalance(assignment, brokers, sizes=sizes)
    assert "2 log-dirs entries name partitions outside the assignment: ignored" in (
        plan.report.notes
    )
    assert plan.report.bytes_moved is not None


def test_replication_factor_above_the_broker_count_is_impossible(
    small: tuple[ClusterAssignment, BrokerSet],
) -> None:
    with pytest.raises(ImpossiblePlan, match="needs 5 brokers"):
        plan_replication_factor(*small, "t", 5)


def test_plan_naming_a_partition_the_cluster_lacks_is_refused(
    small: tuple[ClusterAssignment, BrokerSet],
) -> None:
    with pytest.raises(UnknownPartition, match="nope-0"):
        ReassignmentPlan.from_kafka_json(
            '{"partitions":[{"topic":"nope","partition":0,"replicas":[1]}]}', small[0]
        )


# -- execution shape --------------------------------------------------------------------


def test_kafka_throttled_replica_lists_match_its_own_tool() -> None:
    """The moves of Kafka's ReassignPartitionsCommandTest, and the lists it expects."""
    from confluent_ops.model import PartitionMove
    from confluent_ops.planners import throttled_replicas

    def move(topic: str, p: int, before: tuple[int, ...], after: tuple[int, ...]) -> PartitionMove:
        return PartitionMove(TopicPartition(topic, p), before, after)

    plan = ReassignmentPlan(
        (
            move("foo", 0, (1, 2, 3), (1, 2, 5)),
            move("foo", 1, (4, 5, 6), (4, 7, 8)),
            move("foo", 2, (1, 2), (3, 4)),
            move("foo", 3, (1, 2), (5, 6)),
            move("foo", 4, (1, 2), (3, 1)),
            move("foo", 5, (1, 2), (3, 4, 5, 6)),
            move("bar", 0, (2, 3, 4), (1, 2, 3)),
        )
    )
    throttles = throttled_replicas(plan)
    assert throttles["foo"].leader == "0:1,0:2,0:3,1:4,1:5,1:6,2:1,2:2,3:1,3:2,4:1,4:2,5:1,5:2"
    assert throttles["foo"].follower == "0:5,1:7,1:8,2:3,2:4,3:5,3:6,4:3,5:3,5:4,5:5,5:6"
    assert throttles["bar"].leader == "0:2,0:3,0:4"
    assert throttles["bar"].follower == "0:1"


def test_waves_respect_the_per_broker_limit_and_hold_every_move() -> None:
    from confluent_ops.planners import split_into_waves

    cluster, new = synthetic_cluster(
        rack_sizes=(2, 2, 2), partitions=300, seed=21
    ).with_new_brokers()
    plan = plan_add_brokers(cluster.assignment, cluster.brokers, new, sizes=cluster.sizes)
    waves = split_into_waves(plan, concurrency=2, sizes=cluster.sizes)
    assert sorted(m for w in waves for m in w.moves) == sorted(plan.moves)
    for wave in waves:
        incoming: Counter[int] = Counter()
        outgoing: Counter[int] = Counter()
        for m in wave.moves:
            incoming.update(m.adding)
            if m.adding:
                outgoing[m.before[0]] += min(len(m.adding), 2)
        assert max(incoming.values(), default=0) <= 2
        assert max(outgoing.values(), default=0) <= 2


def test_duration_is_the_busiest_brokers_bytes_over_the_throttle() -> None:
    from confluent_ops.model import PartitionMove
    from confluent_ops.planners import estimate_duration

    t0, t1 = TopicPartition("t", 0), TopicPartition("t", 1)
    plan = ReassignmentPlan((PartitionMove(t0, (0, 1), (2, 1)), PartitionMove(t1, (0, 1), (0, 3))))
    sizes = PartitionSizes({t0: 1000, t1: 3000})
    together = estimate_duration(plan, throttle_bytes_per_second=100, sizes=sizes)
    assert together.total_seconds == pytest.approx(40.0)  # broker 0 sends 1000 + 3000 bytes
    one_at_a_time = estimate_duration(
        plan, throttle_bytes_per_second=100, sizes=sizes, concurrency=1
    )
    assert len(one_at_a_time.waves) == 2
    assert one_at_a_time.total_seconds == pytest.approx(40.0)
    assert [w.bytes for w in one_at_a_time.waves] == [3000, 1000]


def test_the_schedule_starts_a_move_when_its_brokers_have_room_not_when_a_wave_ends() -> None:
    from confluent_ops.model import PartitionMove
    from confluent_ops.planners import estimate_duration

    big, small, after_small, into_busy = (TopicPartition("t", p) for p in range(4))
    plan = ReassignmentPlan(
        (
            PartitionMove(big, (0,), (2,)),  # broker 0 sends 3,000 bytes: 30 s at 100 B/s
            PartitionMove(small, (1,), (3,)),  # 10 s
            PartitionMove(after_small, (1,), (4,)),  # waits for broker 1
            PartitionMove(into_busy, (5,), (3,)),  # waits for broker 3
        )
    )
    sizes = PartitionSizes({big: 3000, small: 1000, after_small: 1000, into_busy: 1000})
    estimate = estimate_duration(plan, throttle_bytes_per_second=100, sizes=sizes, concurrency=1)
    # Waves: {big, small} 30 s, then {after_small, into_busy} 10 s. The executor starts the two
    # waiting moves when the small one ends, at 10 s: all done when the big one ends.
    assert estimate.waves_seconds == pytest.approx(40.0)
    assert estimate.total_seconds == pytest.approx(30.0)
    assert estimate.bandwidth_bound_seconds == pytest.approx(30.0)


def test_copies_share_their_brokers_throttle() -> None:
    from confluent_ops.model import PartitionMove
    from confluent_ops.planners import estimate_duration

    a, b = TopicPartition("t", 0), TopicPartition("t", 1)
    plan = ReassignmentPlan((PartitionMove(a, (0,), (1,)), PartitionMove(b, (2,), (1,))))
    sizes = PartitionSizes({a: 1000, b: 3000})
    estimate = estimate_duration(plan, throttle_bytes_per_second=100, sizes=sizes, concurrency=2)
    # Broker 1 receives both at 50 B/s each: a ends at 20 s, then b runs alone at 100 B/s.
    assert estimate.total_seconds == pytest.approx(40.0)


def test_a_move_adding_more_replicas_than_the_limit_holds_its_receivers_longer() -> None:
    from confluent_ops.model import PartitionMove
    from confluent_ops.planners import estimate_duration

    whole, single = TopicPartition("t", 0), TopicPartition("t", 1)
    plan = ReassignmentPlan(
        (
            PartitionMove(whole, (0,), (1, 2, 3)),  # three copies at once from broker 0
            PartitionMove(single, (4,), (1,)),
        )
    )
    sizes = PartitionSizes({whole: 1000, single: 1000})
    estimate = estimate_duration(plan, throttle_bytes_per_second=100, sizes=sizes, concurrency=1)
    # Broker 0 sends each of the three copies at 100/3 B/s: 30 s. Broker 1 has one slot: it
    # holds that copy 30 s and the other 10 s, in either order. Bytes alone would say 30 s.
    assert estimate.busiest_broker_bytes == 3000
    assert estimate.total_seconds == pytest.approx(40.0)
    assert estimate.bandwidth_bound_seconds == pytest.approx(40.0)
    unlimited = estimate_duration(plan, throttle_bytes_per_second=100, sizes=sizes)
    assert unlimited.bandwidth_bound_seconds == pytest.approx(30.0)


def _plan_for_schedule(seed: int, grow: bool) -> tuple[ReassignmentPlan, PartitionSizes]:
    if grow:
        cluster, new = synthetic_cluster(
            rack_sizes=(2, 2), partitions=40, seed=seed
        ).with_new_brokers()
        plan = plan_add_brokers(cluster.assignment, cluster.brokers, new, sizes=cluster.sizes)
    else:
        # Two of three brokers per rack leave: partitions add two or three replicas at once.
        cluster = synthetic_cluster(rack_sizes=(3, 3, 3), partitions=40, seed=seed)
        plan = plan_remove_brokers(
            cluster.assignment, cluster.brokers, [0, 1, 3, 4], sizes=cluster.sizes
        )
    assert cluster.sizes is not None
    return plan, cluster.sizes


def _run_next_wave_to_the_end(
    plan: ReassignmentPlan, sizes: PartitionSizes, rate: int, limit: int
) -> float:
    """The executor's loop, in the estimate's fluid model: next_wave whenever a move ends."""
    from confluent_ops.planners import next_wave

    waiting = [m for m in plan if m.adding]
    in_flight: dict[TopicPartition, PartitionMove] = {}
    copies: list[list[Any]] = []  # [move, destination, bytes left]
    now = 0.0
    while True:
        for move in next_wave(waiting, in_flight.values(), concurrency=limit, sizes=sizes):
            waiting.remove(move)
            in_flight[move.partition] = move
            copies += [[move, dest, float(sizes.size(move.partition))] for dest in move.adding]
        if not copies:
            return now
        sending = Counter(c[0].before[0] for c in copies)
        receiving = Counter(c[1] for c in copies)
        speeds = [rate / max(sending[c[0].before[0]], receiving[c[1]]) for c in copies]
        step = min(c[2] / speed for c, speed in zip(copies, speeds, strict=True))
        now += step
        for c, speed in zip(copies, speeds, strict=True):
            c[2] -= speed * step
        copies = [c for c in copies if c[2] > 1e-6 * rate]
        copying = {c[0].partition for c in copies}
        for tp in [tp for tp in in_flight if tp not in copying]:
            del in_flight[tp]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([1, 2, 3]), st.booleans())
def test_the_estimate_is_next_waves_rule_run_to_the_end(seed: int, limit: int, grow: bool) -> None:
    """The estimate's fast schedule (queues per pair of brokers) starts the moves the
    executor's ``next_wave`` would, in the same order."""
    from confluent_ops.planners import estimate_duration

    plan, sizes = _plan_for_schedule(seed, grow)
    estimate = estimate_duration(
        plan, throttle_bytes_per_second=10**6, sizes=sizes, concurrency=limit
    )
    assert estimate.total_seconds == pytest.approx(
        _run_next_wave_to_the_end(plan, sizes, 10**6, limit), rel=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([1, 2, 3]), st.booleans())
def test_the_schedule_never_beats_the_bandwidth_bound(seed: int, limit: int, grow: bool) -> None:
    from confluent_ops.planners import estimate_duration

    plan, sizes = _plan_for_schedule(seed, grow)
    estimate = estimate_duration(
        plan, throttle_bytes_per_second=10**6, sizes=sizes, concurrency=limit
    )
    assert estimate.bandwidth_bound_seconds is not None
    assert estimate.total_seconds is not None
    assert estimate.total_seconds >= estimate.bandwidth_bound_seconds * (1 - 1e-9)


def test_each_constraint_refuses_what_it_names_and_only_that() -> None:
    from confluent_ops.planners._workspace import Workspace
    from confluent_ops.planners.goals import (
        CONSTRAINTS,
        AllowedReceiver,
        DistinctBrokers,
        FrozenTopics,
        PlanningState,
        RackSpread,
    )

    brokers = BrokerSet.of(
        [Broker(0, "a"), Broker(1, "b"), Broker(2, "a"), Broker(3, "b"), Broker(4, "c")]
    )
    assignment = ClusterAssignment(
        {TopicPartition("free", 0): (0, 1), TopicPartition("kept", 0): (0, 1)}
    )
    ws = Workspace(assignment, brokers, sizes=None, removed=[3], frozen_topics=["kept"])
    free, kept = 0, 1

    state = PlanningState(ws)

    def refused_by(pid: int, source: int, dest: int) -> set[str]:
        return {c.name for c in CONSTRAINTS if not c.allows(state, pid, source, dest)}

    assert refused_by(free, 0, 2) == set()  # same rack, new broker
    assert refused_by(free, 0, 4) == set()  # to a third rack: still two racks
    assert refused_by(kept, 0, 2) == {FrozenTopics.name}
    assert refused_by(free, 0, 1) == {DistinctBrokers.name, RackSpread.name}
    assert refused_by(free, 0, 3) == {AllowedReceiver.name, RackSpread.name}
    assert refused_by(free, 1, 2) == {RackSpread.name}  # both replicas in rack a
