"""The Kafka adapter on a real 3-broker KRaft cluster (Kafka 4.1), over TCP."""

from __future__ import annotations

import time

import pytest
from confluent_kafka import Producer

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.errors import ClusterUnreachable, InvalidInput, UnknownBroker, UnknownPartition
from confluent_ops.model import (
    FOLLOWER_THROTTLED_RATE,
    LEADER_THROTTLED_RATE,
    LEADER_THROTTLED_REPLICAS,
    ClusterMode,
    ConfigChange,
    ConfigSource,
    TopicPartition,
)
from confluent_ops.ports import KafkaAdmin
from confluent_ops.testing import eventually
from confluent_ops.waiting import VirtualClock


def test_adapter_satisfies_the_port(admin):
    assert isinstance(admin, KafkaAdmin)


def test_snapshot_reads_brokers_racks_quorum_topics_sizes_and_features(admin, topic_name):
    name = topic_name("snap")
    admin.create_topic(
        name, partitions=3, replication_factor=3, configs={"min.insync.replicas": "2"}
    )
    producer = Producer({"bootstrap.servers": admin.servers})
    for i in range(200):
        producer.produce(name, value=b"x" * 1000, partition=i % 3)
    assert producer.flush(30) == 0
    snapshot = admin.snapshot()
    assert snapshot.mode is ClusterMode.KRAFT
    assert snapshot.broker_ids == (0, 1, 2)
    assert {b.rack for b in snapshot.brokers} == {"zone-a", "zone-b", "zone-c"}
    assert snapshot.quorum is not None
    assert snapshot.controller == snapshot.quorum.leader
    assert snapshot.controller in snapshot.quorum.voter_ids
    assert snapshot.metadata_version is not None
    assert snapshot.topic(name).min_insync_replicas == 2
    for number in range(3):
        p = snapshot.partition(TopicPartition(name, number))
        assert sorted(p.replicas) == [0, 1, 2]
        assert p.leader in p.isr
        assert snapshot.sizes.size(p.partition) > 0
    assert set(snapshot.throttles) == {0, 1, 2}


def test_unreachable_bootstrap_is_a_typed_error_within_the_timeout():
    started = time.monotonic()
    with pytest.raises(ClusterUnreachable, match="within 2 s"):
        KafkaAdapter.connect("127.0.0.1:1", timeout=2.0)
    assert time.monotonic() - started < 6


def test_broker_throttles_by_layer_set_and_cleared(admin):
    rate = {LEADER_THROTTLED_RATE: "2000000"}
    admin.alter_broker_configs({1: ConfigChange(set=rate)}, default=ConfigChange(set=rate))
    try:
        layers = admin.broker_configs([1, 2], [LEADER_THROTTLED_RATE, FOLLOWER_THROTTLED_RATE])
        assert [s.source for s in layers[1][LEADER_THROTTLED_RATE]] == [
            ConfigSource.DYNAMIC_BROKER_CONFIG,
            ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
        ]
        assert [s.source for s in layers[2][LEADER_THROTTLED_RATE]] == [
            ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG
        ]
        assert layers[2][FOLLOWER_THROTTLED_RATE] == []
        assert admin.snapshot(sizes=False).throttles[1].leader_rate is not None
    finally:
        gone = ConfigChange(delete={LEADER_THROTTLED_RATE})
        admin.alter_broker_configs({1: gone}, default=gone)
    eventually(  # brokers apply config records from the metadata log
        lambda: not admin.broker_configs([1], [LEADER_THROTTLED_RATE])[1][LEADER_THROTTLED_RATE],
        what="the deleted throttle rate to be gone",
        timeout=15,
    )


def test_topic_config_changes_are_incremental(admin, topic_name):
    name = topic_name("cfg")
    admin.create_topic(name, partitions=1, replication_factor=2)
    admin.alter_topic_configs({name: ConfigChange(set={LEADER_THROTTLED_REPLICAS: "0:1"})})
    admin.alter_topic_configs({name: ConfigChange(set={"min.insync.replicas": "2"})})
    values = admin.topic_configs([name], [LEADER_THROTTLED_REPLICAS, "min.insync.replicas"])
    assert values[name][LEADER_THROTTLED_REPLICAS] is not None
    assert values[name][LEADER_THROTTLED_REPLICAS].value == "0:1"
    assert admin.snapshot(sizes=False).topic(name).min_insync_replicas == 2
    admin.delete_topic(name)
    assert name not in admin.snapshot(sizes=False).topics


def test_actions_refuse_unknown_things_before_sending(admin, topic_name):
    name = topic_name("refuse")
    admin.create_topic(name, partitions=1, replication_factor=2)
    with pytest.raises(UnknownPartition):
        admin.alter_reassignments({TopicPartition(name, 7): (0, 1)})
    with pytest.raises(UnknownBroker):
        admin.alter_reassignments({TopicPartition(name, 0): (0, 42)})
    with pytest.raises(UnknownBroker):
        admin.alter_broker_configs({42: ConfigChange(set={LEADER_THROTTLED_RATE: "1"})})
    with pytest.raises(InvalidInput):
        admin.alter_topic_configs({"no-such-topic": ConfigChange(set={"retention.ms": "1"})})
    with pytest.raises(InvalidInput):
        admin.create_topic("bad/name", partitions=1, replication_factor=1)
    with pytest.raises(InvalidInput):
        admin.create_topic(topic_name("wide"), partitions=1, replication_factor=4)


def test_the_cluster_refusal_of_one_partition_is_reported_for_that_partition(admin, topic_name):
    name = topic_name("cancel-none")
    admin.create_topic(name, partitions=2, replication_factor=2)
    outcome = admin.alter_reassignments({TopicPartition(name, 0): None})
    assert outcome[TopicPartition(name, 0)] is not None
    assert "NoReassignmentInProgress" in str(outcome[TopicPartition(name, 0)])


def test_reassignment_then_preferred_leader_election(admin, topic_name):
    name = topic_name("move")
    admin.create_topic(name, partitions=1, replication_factor=2)
    tp = TopicPartition(name, 0)
    before = admin.snapshot(sizes=False).partition(tp).replicas
    spare = next(b for b in (0, 1, 2) if b not in before)
    target = (spare, before[0])
    assert admin.alter_reassignments({tp: target}) == {tp: None}
    eventually(
        lambda: admin.snapshot(sizes=False).partition(tp).replicas == target,
        what="the reassignment to complete",
    )
    eventually(
        lambda: (
            admin.elect_preferred_leaders([tp]) == {tp: None}
            and admin.snapshot(sizes=False).partition(tp).leader == spare
        ),
        what="the preferred leader to be elected",
        interval=0.5,
    )


def test_feature_updates_are_validated(admin):
    level = admin.snapshot(sizes=False).metadata_version
    assert level is not None
    with pytest.raises(InvalidInput, match=r"downgrade|outside"):
        admin.update_metadata_version(level - 1)
    with pytest.raises(InvalidInput, match="outside"):
        admin.update_metadata_version(10_000)
    with pytest.raises(InvalidInput, match="does not support"):
        admin.update_feature("no.such.feature", 1)
    admin.update_metadata_version(level)  # finalizing the current level is a no-op
    assert admin.snapshot(sizes=False).metadata_version == level


@pytest.mark.parametrize("seconds", [0, -1.0, float("nan"), float("inf"), True])
def test_a_rate_sample_needs_a_positive_duration_and_reads_nothing_without_one(admin, seconds):
    clock = VirtualClock()
    with pytest.raises(InvalidInput, match="positive number of seconds"):
        admin.sample_rates(seconds=seconds, clock=clock)
    assert clock.slept == []


def test_a_rate_sample_waits_on_the_clock_it_is_given(admin, topic_name):
    """On a virtual clock, 60 s of sampling take two readings' time, and rates are per 60 s."""
    name = topic_name("sampled")
    admin.create_topic(name, partitions=2, replication_factor=2)
    clock = VirtualClock()
    started = time.monotonic()
    rates = admin.sample_rates(seconds=60, clock=clock)
    assert time.monotonic() - started < 30
    assert clock.slept == [60.0]
    assert rates.bytes_in_of(TopicPartition(name, 0)) == 0.0
    assert TopicPartition(name, 1) in rates
