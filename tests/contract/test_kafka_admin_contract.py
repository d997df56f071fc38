"""The KafkaAdmin port's contract: what every implementation must do, written once.

Each test takes ``port``, parametrised over the implementations: today the real adapter on
the local testbed; the simulated platform joins by adding its factory to ``IMPLEMENTATIONS``.
A test here speaks only the port's language (model values and :mod:`confluent_ops.errors`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from confluent_kafka import Producer

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.errors import InvalidInput, LogDirUnavailable, UnknownBroker, UnknownPartition
from confluent_ops.model import (
    FOLLOWER_THROTTLED_RATE,
    FOLLOWER_THROTTLED_REPLICAS,
    LEADER_THROTTLED_RATE,
    LEADER_THROTTLED_REPLICAS,
    ConfigChange,
    ConfigSource,
    TopicPartition,
)
from confluent_ops.ports import KafkaAdmin
from confluent_ops.testing import LocalKafkaCluster, eventually


@contextmanager
def real_adapter(cluster: LocalKafkaCluster) -> Iterator[KafkaAdmin]:
    with KafkaAdapter.connect(cluster.bootstrap_servers) as adapter:
        yield adapter


IMPLEMENTATIONS: dict[str, Callable[[LocalKafkaCluster], AbstractContextManager[KafkaAdmin]]] = {
    "kafka-adapter": real_adapter,
}


@pytest.fixture(scope="module", params=sorted(IMPLEMENTATIONS))
def port(request: pytest.FixtureRequest, kafka_cluster: LocalKafkaCluster) -> Iterator[KafkaAdmin]:
    with IMPLEMENTATIONS[request.param](kafka_cluster) as implementation:
        yield implementation


def test_implements_the_protocol(port):
    assert isinstance(port, KafkaAdmin)


def test_snapshot_invariants(port, topic_name):
    port.create_topic(topic_name("inv"), partitions=2, replication_factor=3)
    snapshot = port.snapshot()
    assert snapshot.broker_ids == tuple(sorted(set(snapshot.broker_ids)))
    voters = snapshot.quorum.voter_ids if snapshot.quorum is not None else ()
    assert snapshot.controller is None or snapshot.controller in (*snapshot.broker_ids, *voters)
    for p in snapshot:
        assert p.partition.topic in snapshot.topics
        assert set(p.isr) <= set(p.replicas)
        assert p.leader is None or p.leader in p.isr
        # every replica is on a live broker or named offline, never both
        assert set(p.replicas) == set(snapshot.broker_ids) & set(p.replicas) | set(
            p.offline_replicas
        )
        assert set(p.offline_replicas).isdisjoint(snapshot.broker_ids)
    assert set(snapshot.throttles) == set(snapshot.broker_ids)


def test_topics_are_created_with_their_configs_and_deleted(port, topic_name):
    name = topic_name("life")
    port.create_topic(
        name, partitions=3, replication_factor=2, configs={"min.insync.replicas": "2"}
    )
    snapshot = port.snapshot(sizes=False)
    assert {tp.partition for tp in snapshot.partitions if tp.topic == name} == {0, 1, 2}
    assert all(len(p.replicas) == 2 for p in snapshot if p.partition.topic == name)
    assert snapshot.topic(name).min_insync_replicas == 2
    port.delete_topic(name)
    assert name not in port.snapshot(sizes=False).topics


def test_topic_config_set_and_delete(port, topic_name):
    name = topic_name("tcfg")
    port.create_topic(name, partitions=1, replication_factor=2)
    port.alter_topic_configs({name: ConfigChange(set={LEADER_THROTTLED_REPLICAS: "0:0"})})
    setting = port.topic_configs([name], [LEADER_THROTTLED_REPLICAS])[name][
        LEADER_THROTTLED_REPLICAS
    ]
    assert setting is not None
    assert setting.value == "0:0"
    assert setting.source is ConfigSource.DYNAMIC_TOPIC_CONFIG
    port.alter_topic_configs({name: ConfigChange(delete={LEADER_THROTTLED_REPLICAS})})
    assert (
        port.topic_configs([name], [LEADER_THROTTLED_REPLICAS])[name][LEADER_THROTTLED_REPLICAS]
        is None
    )


def test_broker_config_set_and_delete(port):
    broker = port.snapshot(sizes=False).broker_ids[-1]
    port.alter_broker_configs({broker: ConfigChange(set={LEADER_THROTTLED_RATE: "31415926"})})
    try:
        layers = port.broker_configs([broker], [LEADER_THROTTLED_RATE])[broker][
            LEADER_THROTTLED_RATE
        ]
        assert layers[0].value == "31415926"
        assert layers[0].source is ConfigSource.DYNAMIC_BROKER_CONFIG
    finally:
        port.alter_broker_configs({broker: ConfigChange(delete={LEADER_THROTTLED_RATE})})
    eventually(
        lambda: (
            not port.broker_configs([broker], [LEADER_THROTTLED_RATE])[broker][
                LEADER_THROTTLED_RATE
            ]
        ),
        what="the rate to be gone",
    )


def test_reassignments_validate_then_move(port, topic_name):
    name = topic_name("re")
    port.create_topic(name, partitions=1, replication_factor=2)
    tp = TopicPartition(name, 0)
    snapshot = port.snapshot(sizes=False)
    before = snapshot.partition(tp).replicas
    with pytest.raises(UnknownPartition):
        port.alter_reassignments({TopicPartition(name, 9): before})
    with pytest.raises(UnknownBroker):
        port.alter_reassignments({tp: (before[0], 4242)})
    assert port.snapshot(sizes=False).partition(tp).replicas == before
    refused = port.alter_reassignments({tp: None})  # nothing to cancel: refused, not raised
    assert refused[tp] is not None
    spare = next(b for b in snapshot.broker_ids if b not in before)
    target = (before[0], spare)
    assert port.alter_reassignments({tp: target}) == {tp: None}
    eventually(lambda: port.snapshot(sizes=False).partition(tp).replicas == target, what="the move")
    assert port.elect_preferred_leaders([tp]) == {tp: None}


def test_a_move_that_only_adds_a_replica_is_in_flight_until_it_caught_up(
    port, topic_name, kafka_cluster
):
    """While a new replica copies, the replica list already equals the target: the ISR tells."""
    name = topic_name("grow")
    port.create_topic(name, partitions=1, replication_factor=1)
    tp = TopicPartition(name, 0)
    producer = Producer({"bootstrap.servers": kafka_cluster.bootstrap_servers})
    for _ in range(300):
        producer.produce(name, value=b"g" * 10_000)
    assert producer.flush(30) == 0
    snapshot = port.snapshot(sizes=False)
    (leader,) = snapshot.partition(tp).replicas
    spare = next(b for b in snapshot.broker_ids if b != leader)
    rate = ConfigChange(set={LEADER_THROTTLED_RATE: "300000", FOLLOWER_THROTTLED_RATE: "300000"})
    port.alter_broker_configs({leader: rate, spare: rate})
    port.alter_topic_configs(
        {
            name: ConfigChange(
                set={
                    LEADER_THROTTLED_REPLICAS: f"0:{leader}",
                    FOLLOWER_THROTTLED_REPLICAS: f"0:{spare}",
                }
            )
        }
    )
    try:
        assert port.alter_reassignments({tp: (leader, spare)}) == {tp: None}
        moving = port.snapshot(sizes=False).partition(tp)
        assert moving.reassigning, moving
        assert moving.adding == (spare,)
        eventually(
            lambda: not port.snapshot(sizes=False).partition(tp).reassigning,
            what="the new replica to catch up",
            timeout=60,
        )
        done = port.snapshot(sizes=False).partition(tp)
        assert done.replicas == (leader, spare)
        assert set(done.isr) == {leader, spare}
    finally:
        clear = ConfigChange(delete={LEADER_THROTTLED_RATE, FOLLOWER_THROTTLED_RATE})
        port.alter_broker_configs({leader: clear, spare: clear})


def test_log_dirs_are_checked_before_replicas_are_placed_in_them(port, topic_name):
    """A directory the broker lacks is refused; a replica not hosted yet comes back pending."""
    name = topic_name("dirs")
    port.create_topic(name, partitions=1, replication_factor=1)
    try:
        _check_log_dirs(port, TopicPartition(name, 0))
    finally:
        # One replica only: left on the shared cluster, it would make its broker the only
        # in-sync replica of a partition, which later tests (a drain) rightly refuse.
        port.delete_topic(name)


def _check_log_dirs(port, tp):
    name = tp.topic
    snapshot = port.snapshot()
    (broker,) = snapshot.partition(tp).replicas
    # a broker reports the log once it has made it, a moment after the topic has a leader
    here = eventually(lambda: port.snapshot().log_dirs.dir_of(tp, broker), what="the log")
    with pytest.raises(LogDirUnavailable, match="no such log dir"):
        port.alter_replica_log_dirs({(tp, broker): "/no/such/dir"})
    with pytest.raises(UnknownPartition):
        port.alter_replica_log_dirs({(TopicPartition(name, 9), broker): here})
    with pytest.raises(UnknownBroker):
        port.alter_replica_log_dirs({(tp, 4242): here})
    with pytest.raises(InvalidInput, match="not a directory"):
        port.alter_replica_log_dirs({(tp, broker): "any"})
    assert port.alter_replica_log_dirs({(tp, broker): here}) == frozenset()  # already there
    spare = next(b for b in snapshot.broker_ids if b != broker)
    spare_dir = snapshot.log_dirs.dirs_of(spare)[0].path
    assert port.alter_replica_log_dirs({(tp, spare): spare_dir}) == {(tp, spare)}
    assert port.snapshot().log_dirs.dir_of(tp, broker) == here


def test_feature_levels_are_validated(port):
    level = port.snapshot(sizes=False).metadata_version
    if level is None:
        pytest.skip("a ZooKeeper-mode implementation has no metadata.version")
    with pytest.raises(InvalidInput):
        port.update_feature("metadata.version", level + 10_000)
