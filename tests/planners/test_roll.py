"""Roll decisions as pure functions: order, safe batches, estimates, what a step waits for."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from confluent_ops.model import (
    ClusterMode,
    ClusterSnapshot,
    PartitionState,
    QuorumState,
    QuorumVoter,
    TopicPartition,
    TopicState,
)
from confluent_ops.planners.conditions import (
    all_met,
    broker_in_sync,
    broker_serving,
    controller_caught_up,
    fully_replicated,
    leads_nothing,
    preferred_leaders_elected,
)
from confluent_ops.planners.roll import (
    RollPlan,
    estimate_roll,
    restart_together,
    roll_order,
    safe_batches,
)


def tp(number: int, topic: str = "t") -> TopicPartition:
    return TopicPartition(topic, number)


def part(replicas, isr, number=0, leader=-1, topic="t", adding=(), removing=()):
    chosen = (isr[0] if isr else None) if leader == -1 else leader
    return PartitionState(tp(number, topic), replicas, isr, chosen, adding, removing)


@st.composite
def clusters(draw: st.DrawFn) -> ClusterSnapshot:
    """Clusters of 3 to 7 brokers, partitions of any replication factor and ISR, any min ISR,
    a KRaft quorum of dedicated controllers (or a ZooKeeper controller broker)."""
    brokers = draw(st.integers(3, 7))
    live = [b for b in range(brokers) if draw(st.integers(0, 9)) > 0] or [0]
    min_isr = draw(st.integers(1, 3))
    parts = []
    for number in range(draw(st.integers(0, 15))):
        replicas = tuple(draw(st.permutations(range(brokers)))[: draw(st.integers(1, brokers))])
        isr = tuple(b for b in replicas if b in live and draw(st.integers(0, 4)) > 0)
        parts.append(part(replicas, isr, number=number))
    kraft = draw(st.booleans())
    extra: dict[str, object] = {}
    if kraft:
        voters = [QuorumVoter(3000 + i, 100) for i in range(draw(st.sampled_from([1, 3])))]
        extra["quorum"] = QuorumState(voters[-1].id, 1, 100, voters)
        controller = voters[-1].id
    else:
        controller = draw(st.sampled_from(live))
    return ClusterSnapshot.of(
        brokers=live,
        partitions=parts,
        topics=[TopicState("t", min_insync_replicas=min_isr)],
        controller=controller,
        mode=ClusterMode.KRAFT if kraft else ClusterMode.ZOOKEEPER,
        **extra,  # type: ignore[arg-type]
    )


def brokers_of(snapshot: ClusterSnapshot) -> list[int]:
    return sorted({b for p in snapshot for b in p.replicas} | set(snapshot.broker_ids))


def controllers_of(snapshot: ClusterSnapshot) -> list[int]:
    return list(snapshot.quorum.voter_ids) if snapshot.quorum is not None else []


@given(clusters(), st.booleans())
def test_a_roll_restarts_every_node_once_controllers_first_the_active_ones_last(s, parallel):
    brokers, controllers = brokers_of(s), controllers_of(s)
    plan = roll_order(s, brokers=brokers, controllers=controllers, parallel=parallel)
    assert sorted(plan.nodes) == sorted(brokers + controllers)
    roles = [b.role for b in plan.batches]
    assert roles == sorted(roles, key=lambda r: r != "controller")  # controllers first
    controller_batches = [b.nodes for b in plan.batches if b.role == "controller"]
    assert all(len(nodes) == 1 for nodes in controller_batches)
    if s.quorum is not None:
        assert controller_batches[-1] == (s.quorum.leader,)
    broker_batches = [b for b in plan.batches if b.role == "broker"]
    not_serving = [n for n in brokers if n not in s.broker_ids]
    first = [n for b in broker_batches[: len(not_serving)] for n in b.nodes]
    assert first == not_serving
    if s.mode is ClusterMode.ZOOKEEPER and s.controller in s.broker_ids and broker_batches:
        assert broker_batches[-1].nodes == (s.controller,)


@given(clusters(), st.integers(1, 4))
def test_safe_batches_cover_every_broker_once_and_each_can_go_down_together(s, limit):
    live = list(s.broker_ids)
    batches = safe_batches(s, live, limit=limit)
    assert sorted(b for batch in batches for b in batch) == sorted(live)
    for batch in batches:
        assert len(batch) <= limit
        if len(batch) > 1:
            assert restart_together(s, batch) == ()


@given(clusters())
def test_parallel_batches_never_take_more_than_half_the_live_brokers(s):
    plan = roll_order(s, brokers=brokers_of(s), parallel=True)
    for batch in plan.batches:
        if len(batch.nodes) > 1:
            assert len(batch.nodes) <= max(1, len(s.broker_ids) // 2)
            assert restart_together(s, batch.nodes) == ()


@given(clusters(), st.data())
def test_restart_together_blocks_exactly_the_partitions_that_would_fall_below_min_isr(s, data):
    down = set(data.draw(st.lists(st.sampled_from(brokers_of(s)), max_size=3)))
    blocked = {b.partition for b in restart_together(s, down)}
    min_isr = s.topic("t").min_insync_replicas
    for p in s:
        left = [b for b in p.effective_isr if b not in down]
        exempt = len(p.original_replicas) <= min_isr or not down.intersection(p.effective_isr)
        assert (p.partition in blocked) == (not exempt and len(left) < min_isr)


def test_two_brokers_sharing_a_partition_at_min_isr_are_never_batched():
    s = ClusterSnapshot.of(
        brokers=[0, 1, 2, 3],
        partitions=[part((0, 1, 2), (0, 1, 2), 0), part((2, 3, 0), (2, 3, 0), 1)],
        topics=[TopicState("t", min_insync_replicas=2)],
    )
    batches = safe_batches(s, [0, 1, 2, 3])
    for batch in batches:
        assert not {0, 1} <= set(batch)
        assert not {2, 3} <= set(batch)
    assert len(restart_together(s, [0, 1])) == 1
    assert "t-0: in-sync replicas [0, 1, 2] without brokers [0, 1]" in (
        restart_together(s, [0, 1])[0].reason
    )


def test_the_estimate_adds_each_batch_at_the_pace_of_its_slowest_node():
    plan = RollPlan.from_json(
        [
            {"nodes": [3000], "role": "controller", "reason": ""},
            {"nodes": [0, 1], "role": "broker", "reason": ""},
            {"nodes": [2], "role": "broker", "reason": ""},
        ]
    )
    assert estimate_roll(plan, seconds_per_node=10) == 30
    assert estimate_roll(plan, seconds_per_node={3000: 4, 0: 7, 1: 12, 2: 5}) == 4 + 12 + 5


def test_a_preview_reads_in_the_conditional():
    s = ClusterSnapshot.of(brokers=[0, 1], partitions=[part((0, 1), (0, 1))], controller=1)
    lines = roll_order(s, brokers=[0, 1]).lines(dry_run=True)
    assert lines[0].startswith("1. would restart broker 0")
    assert "the active controller, last" in lines[-1]


def test_conditions_say_what_blocks_and_how_far_things_came():
    s = ClusterSnapshot.of(
        brokers=[0, 1, 2],
        partitions=[
            part((0, 1, 2), (0, 1), 0),
            part((1, 2, 0), (1, 2, 0), 1, leader=2),
            part((2, 0, 1), (2, 0, 1), 2),
        ],
    )
    assert broker_serving(s, 2).met
    assert not broker_serving(s, 5).met
    behind = broker_in_sync(s, 2)
    assert not behind.met
    assert behind.progress == (2,)
    assert "t-0" in behind.blocker
    assert not fully_replicated(s).met
    assert not leads_nothing(s, 2).met
    elected = preferred_leaders_elected(s, {1})
    assert not elected.met
    assert "t-1" in elected.blocker
    together = all_met([broker_serving(s, 2), broker_in_sync(s, 2)])
    assert not together.met
    assert together.blocker == behind.blocker


def test_a_controller_is_caught_up_by_its_last_caught_up_time():
    quorum = QuorumState(
        3000,
        1,
        100,
        [
            QuorumVoter(3000, 100, 10_000),
            QuorumVoter(3001, 60, 2_000),
            QuorumVoter(3002, 99, 9_500),
        ],
    )
    s = ClusterSnapshot.of(brokers=[0], partitions=[], quorum=quorum)
    assert controller_caught_up(s, 3000).met
    assert controller_caught_up(s, 3002).met
    lagging = controller_caught_up(s, 3001)
    assert not lagging.met
    assert "40 metadata record(s) behind" in lagging.blocker
