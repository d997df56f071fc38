"""Real brokers on this machine: serving, stopped, killed, restarted on another version."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AdminClient,
    ConfigResource,
)
from kafka import KafkaAdminClient
from process_helpers import gone

from confluent_ops.errors import InvalidInput, NotReady, PortInUse
from confluent_ops.testing import (
    KafkaVersion,
    LocalKafkaCluster,
    Workload,
    ZooKeeperEnsemble,
    live_processes,
)

Factory = Callable[..., LocalKafkaCluster]


def _round_trip(
    config: dict[str, str | int | float | bool], topic: str, count: int = 20
) -> list[bytes]:
    """Produce ``count`` messages with acks=all and read them back from the beginning."""
    producer = Producer({**config, "acks": "all"})
    for index in range(count):
        producer.produce(topic, value=f"m{index}".encode())
    assert producer.flush(30) == 0
    consumer = Consumer(
        {**config, "group.id": f"t-{uuid.uuid4()}", "auto.offset.reset": "earliest"}
    )
    consumer.assign([TopicPartition(topic, 0, 0)])
    values: list[bytes] = []
    try:
        while len(values) < count:
            message = consumer.poll(10)
            assert message is not None, f"only {len(values)} of {count} messages read"
            assert message.error() is None
            values.append(message.value() or b"")
    finally:
        consumer.close()
    return values


def test_shared_cluster_serves_three_brokers_on_their_racks(
    kafka_cluster: LocalKafkaCluster,
) -> None:
    admin = KafkaAdminClient(bootstrap_servers=kafka_cluster.bootstrap_servers)
    try:
        brokers = admin.describe_cluster()["brokers"]
    finally:
        admin.close()
    assert sorted((b["broker_id"], b["rack"]) for b in brokers) == [
        (0, "zone-a"),
        (1, "zone-b"),
        (2, "zone-c"),
    ]
    assert kafka_cluster.controller_ids == (3000,)


def test_shared_cluster_round_trips_messages_on_a_replicated_topic(
    kafka_cluster: LocalKafkaCluster,
) -> None:
    kafka_cluster.create_topic(
        "round-trip", replication_factor=3, config={"min.insync.replicas": 2}
    )
    values = _round_trip(kafka_cluster.client_config(), "round-trip")
    assert values == [f"m{index}".encode() for index in range(20)]


def test_stop_kill_and_restart_on_4_1_lose_nothing_acknowledged(
    kafka_cluster_factory: Factory,
) -> None:
    cluster = kafka_cluster_factory(3, version="3.9.1")
    cluster.create_topic(
        "rolled", partitions=3, replication_factor=3, config={"min.insync.replicas": 2}
    )
    pids = cluster.pids()
    with Workload(cluster.bootstrap_servers, "rolled", rate=200) as workload:
        workload.wait_for_acknowledged(100)

        cluster.stop_broker(1)
        assert cluster.running_broker_ids() == (0, 2)
        workload.wait_for_acknowledged(100)
        cluster.start_broker(1, version="4.1.1")
        assert cluster.version_of(1) == KafkaVersion.parse("4.1.1")

        cluster.kill_broker(2)
        cluster.wait_for_brokers([0, 1])
        workload.wait_for_acknowledged(100)
        cluster.start_broker(2)
        cluster.wait_for_brokers([0, 1, 2])
        workload.wait_for_acknowledged(100)
    verdict = workload.verdict
    assert verdict is not None
    assert verdict.ok, verdict.summary()
    assert verdict.acknowledged >= 400
    cluster.close()
    assert all(gone(pid) for pid in pids)
    assert not cluster.pids()


def test_a_restart_on_a_taken_port_is_refused_then_restarts_with_new_config(
    kafka_cluster_factory: Factory,
) -> None:
    cluster = kafka_cluster_factory(1)
    port = cluster.broker_specs[0].ports["PLAINTEXT"]
    cluster.stop_broker(0)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(PortInUse, match=str(port)):
            cluster.start_broker(0)
    assert cluster.pid_of(0) is None
    cluster.start_broker(0, config={"log.retention.ms": 12345})
    admin = AdminClient(cluster.client_config())
    resource = ConfigResource(ConfigResource.Type.BROKER, "0")
    configs = admin.describe_configs([resource])[resource].result(timeout=15)
    assert configs["log.retention.ms"].value == "12345"


def test_a_taken_base_port_is_refused_and_nothing_is_left_running(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        before = live_processes()
        with (
            pytest.raises(PortInUse) as raised,
            LocalKafkaCluster(1, base_port=port, workdir=tmp_path),
        ):
            pass
    assert raised.value.port == port
    assert live_processes() == before


def test_a_broker_that_cannot_start_is_not_ready_with_its_log_tail(tmp_path: Path) -> None:
    before = live_processes()
    cluster = LocalKafkaCluster(1, broker_config={"num.network.threads": "zero"}, workdir=tmp_path)
    with pytest.raises(NotReady) as raised, cluster:
        pass
    assert "broker-0" in str(raised.value)
    assert "num.network.threads" in raised.value.log_tail
    assert live_processes() == before


def test_a_broker_slower_than_its_timeout_is_not_ready_and_stopped(tmp_path: Path) -> None:
    before = live_processes()
    with (
        pytest.raises(NotReady, match="within 1 s"),
        LocalKafkaCluster(1, ready_timeout=1.0, workdir=tmp_path),
    ):
        pass
    assert live_processes() == before


def test_zookeeper_mode_on_3_9_serves_from_a_real_ensemble(
    kafka_cluster_factory: Factory, zookeeper_ensemble: ZooKeeperEnsemble
) -> None:
    cluster = kafka_cluster_factory(2, zookeeper=zookeeper_ensemble)
    assert str(cluster.version) == "3.9.1"
    cluster.create_topic("zk-mode", replication_factor=2)
    assert len(_round_trip(cluster.client_config(), "zk-mode", count=5)) == 5


def test_zookeeper_mode_is_refused_for_kafka_4() -> None:
    with pytest.raises(InvalidInput, match="no ZooKeeper mode"):
        LocalKafkaCluster(1, version="4.1.1", zookeeper=True)


def test_three_combined_controllers_keep_the_quorum_when_one_stops(
    kafka_cluster_factory: Factory,
) -> None:
    cluster = kafka_cluster_factory(3, controllers=3, combined=True)
    assert cluster.controller_ids == (0, 1, 2)
    cluster.stop_broker(0)
    cluster.create_topic("after-stop", replication_factor=2)
    cluster.start_broker(0)
    cluster.wait_for_brokers([0, 1, 2])


@pytest.mark.slow  # fast versions: tests/tls/test_tls_real_peers.py (mTLS, SASL PLAIN and SCRAM)
def test_ssl_requires_a_client_certificate_and_sasl_ssl_takes_plain_and_scram(
    kafka_cluster_factory: Factory,
) -> None:
    cluster = kafka_cluster_factory(1, listeners=("SSL", "SASL_SSL"))

    def brokers(config: dict[str, str | int | float | bool]) -> set[int]:
        return set(AdminClient(config).list_topics(timeout=15).brokers)

    assert brokers(cluster.client_config("SSL")) == {0}
    for mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
        assert brokers(cluster.client_config("SASL_SSL", mechanism=mechanism)) == {0}
    without_certificate = {
        key: value
        for key, value in cluster.client_config("SSL").items()
        if not key.startswith(("ssl.certificate", "ssl.key"))
    }
    with pytest.raises(KafkaException):
        AdminClient(without_certificate).list_topics(timeout=5)
    wrong_password = cluster.client_config("SASL_SSL", mechanism="SCRAM-SHA-256") | {
        "sasl.password": "not-the-password"
    }
    with pytest.raises(KafkaException):
        AdminClient(wrong_password).list_topics(timeout=5)
