"""Reassign execute / verify / cancel on a real KRaft cluster, with throttle ownership."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer
from reassign_helpers import plan_moving_every_partition, throttles_now, wait_for_verify

from confluent_ops.errors import StepStateConflict, UnknownBroker, UnknownPartition
from confluent_ops.model import (
    LEADER_THROTTLED_RATE,
    LEADER_THROTTLED_REPLICAS,
    ConfigChange,
    TopicPartition,
)
from confluent_ops.steps.reassign import (
    MoveState,
    Reassignment,
    ThrottlesRecorded,
    ThrottlesRestored,
)
from confluent_ops.testing import Workload


def test_execute_then_verify_restores_exactly_the_throttles_found(admin, topic_name, tmp_path):
    topic = topic_name("own")
    admin.create_topic(topic, partitions=2, replication_factor=2)
    # An operator's own throttles: a dynamic rate on broker 0 and an entry on the topic.
    admin.alter_broker_configs({0: ConfigChange(set={LEADER_THROTTLED_RATE: "77777777"})})
    admin.alter_topic_configs({topic: ConfigChange(set={LEADER_THROTTLED_REPLICAS: "9:9"})})
    try:
        before = throttles_now(admin, topic)
        events = []
        state = tmp_path / "plan.json.state.json"
        step = Reassignment(
            admin, plan_moving_every_partition(admin, topic), state_path=state, emit=events.append
        )
        result = step.execute(throttle=50_000_000)
        assert len(result.submitted) == 2
        assert state.exists()
        during = admin.snapshot(sizes=False).topic(topic)
        assert during.leader_throttled_replicas.startswith("9:9,")
        verdict, _ = wait_for_verify(step)
        assert verdict.exit_code == 0
        assert all(m.state is MoveState.DONE for m in verdict.moves)
        assert throttles_now(admin, topic) == before
        assert not state.exists()
        assert any(isinstance(e, ThrottlesRestored) for e in events)
        # verify again: nothing left to restore, still complete
        assert step.verify().exit_code == 0
    finally:
        admin.alter_broker_configs({0: ConfigChange(delete={LEADER_THROTTLED_RATE})})


def test_a_second_execute_resumes_with_the_record_it_finds(admin, topic_name, tmp_path):
    topic = topic_name("resume")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    producer = Producer({"bootstrap.servers": admin.servers})
    for _ in range(300):
        producer.produce(topic, value=b"y" * 10_000)
    assert producer.flush(30) == 0
    state = tmp_path / "state.json"
    plan = plan_moving_every_partition(admin, topic)
    before = throttles_now(admin, topic)
    first = Reassignment(admin, plan, state_path=state)
    first.execute(throttle=200_000)  # ~3 MB at 200 kB/s: still moving on the second run
    events = []
    second = Reassignment(admin, plan, state_path=state, emit=events.append)
    again = second.execute(throttle=200_000)
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
    producer = Producer({"bootstrap.servers": admin.servers})
    for _ in range(300):
        producer.produce(topic, value=b"z" * 10_000)
    assert producer.flush(30) == 0
    tp = TopicPartition(topic, 0)
    original = admin.snapshot(sizes=False).partition(tp).replicas
    step = Reassignment(admin, plan_moving_every_partition(admin, topic), state_path=tmp_path / "s")
    step.execute(throttle=100_000)
    assert admin.snapshot(sizes=False).partition(tp).reassigning
    result = step.cancel()
    assert result.cancelled == (tp,)
    assert result.throttles_restored
    deadline = time.monotonic() + 30  # brokers learn of the cancellation from the metadata log
    while (after := admin.snapshot(sizes=False).partition(tp)).replicas != original:
        assert time.monotonic() < deadline, after
        time.sleep(0.2)
    assert not after.reassigning
    verdict = step.verify()
    assert verdict.exit_code == 2  # the move did not happen: a script must not call it done
    assert verdict.moves[0].state is MoveState.FAILED


def test_invalid_plans_change_nothing(admin, topic_name, tmp_path):
    topic = topic_name("invalid")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    state = tmp_path / "state.json"
    before = throttles_now(admin, topic)
    unknown_broker = json.dumps(
        {"version": 1, "partitions": [{"topic": topic, "partition": 0, "replicas": [0, 42]}]}
    )
    with pytest.raises(UnknownBroker):
        Reassignment(admin, unknown_broker, state_path=state).execute(throttle=1000)
    unknown_partition = json.dumps(
        {"version": 1, "partitions": [{"topic": topic, "partition": 5, "replicas": [0, 1]}]}
    )
    with pytest.raises(UnknownPartition):
        Reassignment(admin, unknown_partition, state_path=state).execute(throttle=1000)
    assert not state.exists()
    assert throttles_now(admin, topic) == before


def test_dry_run_changes_nothing_and_a_foreign_state_file_is_refused(admin, topic_name, tmp_path):
    topic = topic_name("dry")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    state = tmp_path / "state.json"
    before = admin.snapshot(sizes=False)
    plan = plan_moving_every_partition(admin, topic)
    result = Reassignment(admin, plan, state_path=state).execute(throttle=1000, dry_run=True)
    assert result.dry_run
    assert len(result.submitted) == 1
    assert not state.exists()
    after = admin.snapshot(sizes=False)
    assert after.partition(TopicPartition(topic, 0)) == before.partition(TopicPartition(topic, 0))
    state.write_text(Path(state).read_text() if state.exists() else "")
    other = json.dumps(
        {
            "version": 1,
            "moves": [{"topic": topic, "partition": 0, "before": [0, 1], "after": [2, 1]}],
            "throttles": {"rate": None, "brokers": {}, "topics": {}},
        }
    )
    state.write_text(other)
    if json.loads(plan)["partitions"][0]["replicas"] != [2, 1]:
        with pytest.raises(StepStateConflict):
            Reassignment(admin, plan, state_path=state).execute(throttle=1000)


def test_throttled_reassignment_under_load_loses_nothing(admin, topic_name, tmp_path):
    bulk = topic_name("bulk")
    live = topic_name("live")
    admin.create_topic(bulk, partitions=1, replication_factor=2)
    admin.create_topic(live, partitions=2, replication_factor=2)
    producer = Producer({"bootstrap.servers": admin.servers})
    for _ in range(200):
        producer.produce(bulk, value=b"w" * 10_000)
    assert producer.flush(30) == 0
    plan = {
        "version": 1,
        "partitions": json.loads(plan_moving_every_partition(admin, bulk))["partitions"]
        + json.loads(plan_moving_every_partition(admin, live))["partitions"],
    }
    step = Reassignment(admin, json.dumps(plan), state_path=tmp_path / "s")
    with Workload(admin.servers, live, rate=100) as workload:
        workload.wait_for_acknowledged(50)
        step.execute(throttle=1_000_000)  # 2 MB to copy at 1 MB/s: observably in flight
        verdict, seen_moving = wait_for_verify(step, timeout=90)
        workload.wait_for_acknowledged(50)
    assert verdict.exit_code == 0
    assert seen_moving
    assert workload.verdict is not None
    assert workload.verdict.ok, workload.verdict.summary()
    snapshot = admin.snapshot(sizes=False)
    for topic in (bulk, live):
        assert snapshot.topic(topic).leader_throttled_replicas == ""
        assert snapshot.topic(topic).follower_throttled_replicas == ""
    assert all(t.leader_rate is None for t in snapshot.throttles.values())
