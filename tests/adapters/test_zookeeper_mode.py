"""ZooKeeper mode (Kafka 3.9.1 on a real ZooKeeper): the kazoo adapter and the Kafka snapshot."""

from __future__ import annotations

import contextlib
import json
import time

import pytest
from kazoo.exceptions import NoNodeError

from confluent_ops.adapters import (
    KafkaAdapter,
    ZooKeeperAdapter,
    ZooKeeperTls,
    snapshot_from_zookeeper,
)
from confluent_ops.errors import AuthenticationFailed, ClusterUnreachable
from confluent_ops.model import ClusterMode, ClusterSnapshot, TopicPartition
from confluent_ops.planners.health import cluster_health
from confluent_ops.testing import LocalKafkaCluster, ZooKeeperEnsemble, eventually
from confluent_ops.testing.pytest_plugin import require_testbed


@pytest.fixture(scope="module")
def zk_cluster(zookeeper_ensemble, tmp_path_factory):
    """Two ZooKeeper-mode brokers on the session's ZooKeeper server (their own chroot)."""
    require_testbed(kafka_versions=("3.9.1",), zookeeper=True)
    workdir = tmp_path_factory.mktemp("zk-kafka")
    with LocalKafkaCluster(
        2, version="3.9.1", zookeeper=zookeeper_ensemble, racks=2, workdir=workdir
    ) as cluster:
        cluster.create_topic(
            "zk-topic", partitions=2, replication_factor=2, config={"min.insync.replicas": 2}
        )
        yield cluster


@pytest.fixture(scope="module")
def zk(zk_cluster, zookeeper_ensemble):
    chroot = f"/kafka-{zk_cluster.cluster_id}"
    with ZooKeeperAdapter(zookeeper_ensemble.hosts + chroot) as adapter:
        yield adapter


def test_ensemble_health_from_four_letter_words(zk):
    (server,) = zk.ensemble()
    assert server.reachable
    assert server.mode == "standalone"
    assert server.outstanding_requests == 0
    assert server.latency_avg_ms is not None


def test_brokers_controller_topics_and_partitions(zk):
    brokers = zk.brokers()
    assert [b.id for b in brokers] == [0, 1]
    assert {b.rack for b in brokers} == {"zone-a", "zone-b"}
    assert zk.controller() in (0, 1)
    assert "zk-topic" in zk.topics()
    partitions = zk.partitions(["zk-topic"])
    assert [p.partition.partition for p in partitions] == [0, 1]
    for p in partitions:
        assert sorted(p.replicas) == [0, 1]
        assert p.leader in p.isr
    assert zk.topic_configs("zk-topic")["min.insync.replicas"] == "2"
    assert zk.legacy_reassignment() == {}
    assert not zk.migration().started


def test_snapshot_from_zookeeper_alone_and_through_kafka_agree(zk, zk_cluster):
    from_zk = snapshot_from_zookeeper(zk)
    tp = TopicPartition("zk-topic", 0)
    with KafkaAdapter.connect(zk_cluster.bootstrap_servers) as admin:
        # In ZooKeeper mode each broker learns of a topic by its own UpdateMetadata: the one
        # asked may not have it yet when another already served the topic's creation.
        def knows_the_topic() -> ClusterSnapshot | None:
            seen = admin.snapshot()
            return seen if tp in seen.partitions else None

        from_kafka = eventually(knows_the_topic, what="the broker asked to know zk-topic")
    assert from_kafka.mode is ClusterMode.ZOOKEEPER
    assert from_kafka.quorum is None
    assert from_kafka.controller == from_zk.controller
    assert from_kafka.partition(tp).replicas == from_zk.partition(tp).replicas
    assert from_kafka.topic("zk-topic").min_insync_replicas == 2
    assert from_zk.topic("zk-topic").min_insync_replicas == 2
    assert cluster_health(from_zk).status.exit_code == 0


def test_legacy_reassignment_znode_is_read(zk, zk_cluster, zookeeper_ensemble):
    from kazoo.client import KazooClient

    chroot = f"/kafka-{zk_cluster.cluster_id}"
    writer = KazooClient(hosts=zookeeper_ensemble.hosts + chroot)
    writer.start(timeout=10)
    try:
        # A reassignment of a topic that does not exist: the controller deletes the znode
        # after ignoring it, so read it as soon as it is written.
        document = {
            "version": 1,
            "partitions": [{"topic": "ghost", "partition": 0, "replicas": [1, 0]}],
        }
        writer.create("/admin/reassign_partitions", json.dumps(document).encode(), makepath=True)
        seen = zk.legacy_reassignment()
        assert seen in ({TopicPartition("ghost", 0): (1, 0)}, {})
    finally:

        def removed() -> bool:
            with contextlib.suppress(NoNodeError):
                writer.delete("/admin/reassign_partitions")
            return not writer.exists("/admin/reassign_partitions")

        eventually(removed, what="the reassignment znode to be gone", timeout=10)
        writer.stop()
        writer.close()


def test_unreachable_zookeeper_is_a_typed_error():
    started = time.monotonic()
    with pytest.raises(ClusterUnreachable):
        ZooKeeperAdapter("127.0.0.1:1", timeout=2)
    assert time.monotonic() - started < 8


@pytest.fixture(scope="module")
def tls_ensemble(tmp_path_factory):
    require_testbed(zookeeper=True)
    with ZooKeeperEnsemble(1, tls=True, workdir=tmp_path_factory.mktemp("zk-tls")) as ensemble:
        yield ensemble


def test_zookeeper_over_tls_with_a_client_certificate(tls_ensemble):
    tls = tls_ensemble.tls
    assert tls is not None
    good = ZooKeeperTls(tls.ca_crt, tls.client_crt, tls.client_key)
    with ZooKeeperAdapter(
        tls_ensemble.secure_hosts, tls=good, four_letter_hosts=tls_ensemble.hosts
    ) as adapter:
        assert adapter.brokers() == ()
        assert adapter.ensemble()[0].reachable
    without_certificate = ZooKeeperTls(tls.ca_crt)
    with pytest.raises((AuthenticationFailed, ClusterUnreachable)):
        ZooKeeperAdapter(tls_ensemble.secure_hosts, tls=without_certificate, timeout=3)
