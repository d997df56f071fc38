"""Reassign execute / verify / cancel on a real KRaft cluster: waves, throttle ownership."""

from __future__ import annotations

import json

import pytest
from reassign_helpers import fill, plan_moving_every_partition, plan_of, throttles_now

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.errors import StepStateConflict, UnknownBroker, UnknownPartition
from confluent_ops.model import (
    LEADER_THROTTLED_RATE,
    LEADER_THROTTLED_REPLICAS,
    ClusterAssignment,
    ConfigChange,
    ReassignmentPlan,
    TopicPartition,
)
from confluent_ops.steps import MemoryStepState
from confluent_ops.steps.reassign import (
    MoveState,
    PartitionsSubmitted,
    ProgressReported,
    Reassignment,
    ThrottlesApplied,
    ThrottlesRecorded,
    ThrottlesRestored,
)
from confluent_ops.testing import Workload, eventually


def test_moves_run_in_waves_whose_throttles_cover_only_what_is_in_flight(
    admin, topic_name, tmp_path
):
    """Two moves into the same broker with concurrency 1: two waves, never both in flight."""
    topic = topic_name("waves")
    # Two partitions on brokers 0 and 1, both moving their follower to broker 2.
    admin.create_topic(topic, assignment=[[0, 1], [0, 1]])
    plan = plan_of(topic, {0: [0, 2], 1: [0, 2]})
    fill(admin, topic, 200)
    # An operator's own throttles: a dynamic rate on broker 0 and an entry on the topic.
    admin.alter_broker_configs({0: ConfigChange(set={LEADER_THROTTLED_RATE: "77777777"})})
    admin.alter_topic_configs({topic: ConfigChange(set={LEADER_THROTTLED_REPLICAS: "9:9"})})
    try:
        before = throttles_now(admin, topic)
        events = []
        lists_at_submit = []

        def record(event):
            events.append(event)
            if isinstance(event, PartitionsSubmitted):
                lists_at_submit.append(admin.snapshot(sizes=False).topic(topic))

        state = tmp_path / "plan.json.state.json"
        step = Reassignment(admin, plan, state_path=str(state), emit=record)
        result = step.execute(throttle=2_000_000, concurrency=1)
        assert result.exit_code == 0
        assert result.throttles_restored
        waves = [e.partitions for e in events if isinstance(e, PartitionsSubmitted)]
        assert waves == [(TopicPartition(topic, 0),), (TopicPartition(topic, 1),)] or waves == [
            (TopicPartition(topic, 1),),
            (TopicPartition(topic, 0),),
        ]
        for lists in lists_at_submit:  # when a wave starts, the lists name just that wave
            followers = lists.follower_throttled_replicas.split(",")
            assert len(followers) == 1
            assert lists.leader_throttled_replicas.startswith("9:9,")
        progress = [e.progress for e in events if isinstance(e, ProgressReported)]
        assert any(p.waiting == 1 and p.moving == 1 for p in progress)
        assert progress[-1].done == 2
        assert progress[-1].bytes_copied == progress[-1].bytes_total > 0
        assert throttles_now(admin, topic) == before
        assert not state.exists()
        assert any(isinstance(e, ThrottlesRestored) for e in events)
        assert step.verify().exit_code == 0  # again: nothing left to restore, still complete
    finally:
        admin.alter_broker_configs({0: ConfigChange(delete={LEADER_THROTTLED_RATE})})


def test_a_second_execute_resumes_with_the_record_it_finds(admin, topic_name, tmp_path):
    topic = topic_name("resume")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    fill(admin, topic, 300)
    state = tmp_path / "state.json"
    plan = plan_moving_every_partition(admin, topic)
    before = throttles_now(admin, topic)
    first = Reassignment(admin, plan, state_path=state)
    started = first.execute(throttle=200_000, wait=False)  # ~3 MB at 200 kB/s: still moving
    assert started.submitted == (TopicPartition(topic, 0),)
    assert started.exit_code == 1
    events = []
    second = Reassignment(admin, plan, state=state, emit=events.append)
    again = second.execute(throttle=200_000, wait=False)
    recorded = next(e for e in events if isinstance(e, ThrottlesRecorded))
    assert recorded.resumed
    assert again.submitted == ()
    assert len(again.already_moving) + len(again.already_done) == 1
    # the record holds the values from before the first run, not the first run's throttles
    assert all(v[LEADER_THROTTLED_RATE] is None for v in recorded.record.brokers.values())
    cancelled = second.cancel()
    assert cancelled.throttles_restored
    assert throttles_now(admin, topic) == before
    assert not state.exists()


def test_cancel_stops_the_moves_and_restores(admin, topic_name, tmp_path):
    topic = topic_name("cancel")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    fill(admin, topic, 300)
    tp = TopicPartition(topic, 0)
    original = admin.snapshot(sizes=False).partition(tp).replicas
    step = Reassignment(admin, plan_moving_every_partition(admin, topic), state_path=tmp_path / "s")
    step.execute(throttle=100_000, wait=False)
    assert admin.snapshot(sizes=False).partition(tp).reassigning
    result = step.cancel()
    assert result.cancelled == (tp,)
    assert result.throttles_restored
    assert result.exit_code == 0
    after = eventually(  # brokers learn of the cancellation from the metadata log
        lambda: (
            p if (p := admin.snapshot(sizes=False).partition(tp)).replicas == original else None
        ),
        what="the cancellation to show",
    )
    assert not after.reassigning
    verdict = step.verify()
    assert verdict.exit_code == 2  # the move did not happen: a script must not call it done
    assert verdict.moves[0].state is MoveState.FAILED


def test_invalid_plans_change_nothing(admin, topic_name, tmp_path):
    topic = topic_name("invalid")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    state = tmp_path / "state.json"
    before = throttles_now(admin, topic)
    with pytest.raises(UnknownBroker):
        Reassignment(admin, plan_of(topic, {0: [0, 42]}), state_path=state).execute(throttle=1000)
    with pytest.raises(UnknownPartition):
        Reassignment(admin, plan_of(topic, {5: [0, 1]}), state_path=state).execute(throttle=1000)
    assert not state.exists()
    assert throttles_now(admin, topic) == before


def test_a_plan_value_and_a_state_in_memory_work_like_text_and_a_file(admin, topic_name):
    topic = topic_name("value")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    current = admin.snapshot(sizes=False).assignment()
    target = ClusterAssignment.from_kafka_json(plan_moving_every_partition(admin, topic))
    plan = ReassignmentPlan.from_targets(target, current)
    state = MemoryStepState()
    result = Reassignment(admin, plan, state=state).execute(throttle=50_000_000)
    assert result.exit_code == 0
    assert state.load() is None  # finished and restored: nothing left to resume


def test_dry_run_says_what_it_would_do_and_changes_nothing(admin, topic_name, tmp_path):
    topic = topic_name("dry")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    state = tmp_path / "state.json"
    before = admin.snapshot(sizes=False)
    plan = plan_moving_every_partition(admin, topic)
    events = []
    result = Reassignment(admin, plan, state_path=state, emit=events.append).execute(
        throttle=1000, dry_run=True
    )
    assert result.dry_run
    assert not state.exists()
    after = admin.snapshot(sizes=False)
    assert after.partition(TopicPartition(topic, 0)) == before.partition(TopicPartition(topic, 0))
    assert after.topic(topic) == before.topic(topic)
    assert all(e.dry_run for e in events if hasattr(e, "dry_run"))
    would_start = next(e for e in events if isinstance(e, PartitionsSubmitted))
    assert would_start.partitions == (TopicPartition(topic, 0),)
    assert any(isinstance(e, ThrottlesApplied) for e in events)


def test_a_state_of_another_plan_is_refused(admin, topic_name, tmp_path):
    topic = topic_name("foreign")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    plan = plan_moving_every_partition(admin, topic)
    replicas = json.loads(plan)["partitions"][0]["replicas"]
    other = [b for b in (0, 1, 2) if b not in replicas] + replicas[:1]
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {
                "version": 2,
                "moves": [{"topic": topic, "partition": 0, "before": replicas, "after": other}],
                "throttles": {"rate": None, "brokers": {}, "topics": {}},
            }
        )
    )
    with pytest.raises(StepStateConflict):
        Reassignment(admin, plan, state_path=state).execute(throttle=1000)


def test_throttled_waves_under_load_lose_nothing(admin, topic_name, tmp_path):
    bulk = topic_name("bulk")
    live = topic_name("live")
    admin.create_topic(bulk, partitions=2, replication_factor=2)
    admin.create_topic(live, partitions=2, replication_factor=2)
    fill(admin, bulk, 200)
    plan = {
        "version": 1,
        "partitions": json.loads(plan_moving_every_partition(admin, bulk))["partitions"]
        + json.loads(plan_moving_every_partition(admin, live))["partitions"],
    }
    events = []
    step = Reassignment(admin, json.dumps(plan), state_path=tmp_path / "s", emit=events.append)
    with Workload(admin.servers, live, rate=100) as workload:
        workload.wait_for_acknowledged(50)
        result = step.execute(throttle=1_000_000, concurrency=1)  # 2 MB at 1 MB/s, in waves
        workload.wait_for_acknowledged(50)
    assert result.exit_code == 0
    assert any(isinstance(e, ProgressReported) and e.progress.moving for e in events)
    assert workload.verdict is not None
    assert workload.verdict.ok, workload.verdict.summary()
    snapshot = admin.snapshot(sizes=False)
    for topic in (bulk, live):
        assert snapshot.topic(topic).leader_throttled_replicas == ""
        assert snapshot.topic(topic).follower_throttled_replicas == ""
    assert all(t.leader_rate is None for t in snapshot.throttles.values())


def test_throttles_of_a_broker_that_is_down_are_kept_until_it_is_back(
    kafka_cluster_factory, tmp_path
):
    """verify restores live brokers, keeps the state naming the down one, finishes later."""
    cluster = kafka_cluster_factory(3)
    cluster.create_topic("leak", assignment=[[0, 1]])
    with KafkaAdapter.connect(cluster.bootstrap_servers) as admin:
        before = throttles_now(admin, "leak")
        state = tmp_path / "state.json"
        step = Reassignment(admin, plan_of("leak", {0: [0, 2]}), state_path=state)
        step.execute(throttle=50_000_000, wait=False)
        cluster.stop_broker(1)  # the broker the replica leaves; the copy needs only 0 and 2
        verdict = eventually(
            lambda: v if (v := step.verify()).progress.finished else None,
            what="the move to finish",
            timeout=60,
        )
        assert verdict.exit_code == 1
        assert verdict.pending == (1,)
        assert not verdict.throttles_restored
        assert state.exists()
        kept = json.loads(state.read_text())
        assert kept["restored"]["brokers"] == [0, 2]
        cluster.start_broker(1)
        cluster.wait_for_brokers((0, 1, 2))
        final = eventually(
            lambda: v if (v := step.verify()).exit_code != 1 else None,
            what="the last restore",
            timeout=60,
        )
        assert final.exit_code == 0
        assert not state.exists()
        assert throttles_now(admin, "leak") == before
        lists = admin.snapshot(sizes=False).topic("leak")
        assert (lists.leader_throttled_replicas, lists.follower_throttled_replicas) == ("", "")
