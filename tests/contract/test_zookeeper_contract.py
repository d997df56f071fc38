"""The ZooKeeper port's contract, parametrised over implementations (today kazoo on a real
ZooKeeper holding a ZooKeeper-mode Kafka 3.9.1 broker)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from confluent_ops.adapters import ZooKeeperAdapter
from confluent_ops.errors import InvalidInput
from confluent_ops.ports import ZooKeeper
from confluent_ops.testing import LocalKafkaCluster, ZooKeeperEnsemble
from confluent_ops.testing.pytest_plugin import require_testbed


@contextmanager
def kazoo_adapter(ensemble: ZooKeeperEnsemble, cluster: LocalKafkaCluster) -> Iterator[ZooKeeper]:
    with ZooKeeperAdapter(f"{ensemble.hosts}/kafka-{cluster.cluster_id}") as adapter:
        yield adapter


IMPLEMENTATIONS: dict[
    str, Callable[[ZooKeeperEnsemble, LocalKafkaCluster], AbstractContextManager[ZooKeeper]]
] = {"kazoo-adapter": kazoo_adapter}


@pytest.fixture(scope="module")
def zk_mode_cluster(zookeeper_ensemble, tmp_path_factory):
    require_testbed(kafka_versions=("3.9.1",), zookeeper=True)
    with LocalKafkaCluster(
        1, version="3.9.1", zookeeper=zookeeper_ensemble, workdir=tmp_path_factory.mktemp("zkc")
    ) as cluster:
        cluster.create_topic("contract", partitions=3, replication_factor=1)
        yield cluster


@pytest.fixture(scope="module", params=sorted(IMPLEMENTATIONS))
def port(request, zookeeper_ensemble, zk_mode_cluster) -> Iterator[ZooKeeper]:
    with IMPLEMENTATIONS[request.param](zookeeper_ensemble, zk_mode_cluster) as implementation:
        yield implementation


def test_implements_the_protocol(port):
    assert isinstance(port, ZooKeeper)


def test_every_server_of_the_ensemble_reports_a_mode(port):
    servers = port.ensemble()
    assert servers
    assert all(s.reachable and s.mode in {"standalone", "leader", "follower"} for s in servers)


def test_registered_brokers_and_their_controller(port):
    assert [b.id for b in port.brokers()] == [0]
    assert port.controller() == 0


def test_partitions_of_a_topic_with_state(port):
    assert "contract" in port.topics()
    partitions = port.partitions(["contract"])
    assert [p.partition.partition for p in partitions] == [0, 1, 2]
    assert all(p.leader == 0 and p.isr == (0,) and p.replicas == (0,) for p in partitions)
    with pytest.raises(InvalidInput):
        port.partitions(["no-such-topic"])


def test_no_reassignment_and_no_migration_by_default(port):
    assert port.legacy_reassignment() == {}
    assert port.migration().started is False
