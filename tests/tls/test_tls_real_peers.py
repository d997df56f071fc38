"""Our stores, JAAS and client settings, used by a real ZooKeeper and real Kafka brokers.

The local testbed (``confluent_ops.testing``) runs the servers; every store, every JAAS entry
and every client setting here comes from ``confluent_ops.tls``. Each refusal is counted only
after a well-configured client got in through the same port, since a server with broken stores
refuses everyone.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from tls_helpers import kafka_libs, require_program

from confluent_ops.model.secret import Secret
from confluent_ops.tls import (
    BrokerListenerSecurity,
    CertificateAuthority,
    ClientSecurity,
    KeyType,
    SaslCredentials,
    SaslMechanism,
    StoreBundle,
    StoreType,
    write_store_bundle,
)

pytestmark = pytest.mark.timeout(600)

TRICKY = Secret("al\"ice\\ pa$$ word;=#!':{}/*")
"""A password with what JAAS and properties files treat specially. ASCII only: the testbed
writes server.properties as UTF-8 while Java reads it as ISO-8859-1 (non-ASCII passwords are
proven against Kafka's own parser in test_tls_jaas.py instead)."""


@attrs.frozen
class Material:
    """Everything the servers and the clients of these tests use, all made by confluent_ops.tls."""

    server: StoreBundle
    client: StoreBundle
    foreign_client: StoreBundle
    """A client certificate from another CA (trusting our CA, so only its identity is wrong)."""


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> Material:
    root = tmp_path_factory.mktemp("peers")
    ca = CertificateAuthority.self_signed("peers-ca", key_type=KeyType.RSA_2048, validity_days=2)
    foreign_ca = CertificateAuthority.self_signed(
        "foreign-ca", key_type=KeyType.EC_P256, validity_days=2
    )
    server = write_store_bundle(
        ca.issue_server("localhost", dns_names=("localhost",), ip_addresses=("127.0.0.1",)),
        ca,
        root / "server",
    )
    client = write_store_bundle(
        ca.issue_client("alice", organizational_unit="eng", organization="Acme"),
        ca,
        root / "client",
        password=server.password,
    )
    foreign = write_store_bundle(foreign_ca.issue_client("mallory"), ca, root / "foreign")
    return Material(server=server, client=client, foreign_client=foreign)


def _testbed_tls(material: Material):  # type: ignore[no-untyped-def]
    """The testbed's view of TLS material (paths and one password), filled with ours."""
    from confluent_ops.testing import TestbedTls

    ours = {
        "directory": material.server.directory,
        "ca_crt": material.server.ca_crt,
        "server_crt": material.server.tls_crt,
        "server_key": material.server.tls_key,
        "server_keystore": material.server.keystore_p12,
        "truststore": material.server.truststore_p12,
        "client_crt": material.client.tls_crt,
        "client_key": material.client.tls_key,
        "client_keystore": material.client.keystore_p12,
        "password_file": material.server.password_file,
        "password": material.server.password,
    }
    wanted = {field.name for field in attrs.fields(TestbedTls)}
    return TestbedTls(**{name: value for name, value in ours.items() if name in wanted})


def _require_testbed(*, kafka: bool = False, zookeeper: bool = False) -> None:
    from confluent_ops.testing import DEFAULT_KAFKA_VERSION
    from confluent_ops.testing.pytest_plugin import require_testbed

    require_testbed(
        kafka_versions=(str(DEFAULT_KAFKA_VERSION),) if kafka else (), zookeeper=zookeeper
    )


# -- ZooKeeper with TLS and client authentication required ----------------------------------


@pytest.fixture(scope="module")
def zookeeper(material: Material) -> Iterator[str]:
    _require_testbed(zookeeper=True)
    from confluent_ops.testing import ZooKeeperEnsemble

    with ZooKeeperEnsemble(servers=1, tls=_testbed_tls(material)) as ensemble:
        yield ensemble.secure_hosts


def _kazoo_connects(hosts: str, security: ClientSecurity) -> bool:
    from kazoo.client import KazooClient
    from kazoo.handlers.threading import KazooTimeoutError

    client = KazooClient(hosts=hosts, timeout=5, **security.to_kazoo())  # type: ignore[arg-type]
    try:
        client.start(timeout=5)
    except KazooTimeoutError:
        return False
    else:
        client.ensure_path("/confluent-ops/tls")
        client.set("/confluent-ops/tls", b"ok")
        return client.get("/confluent-ops/tls")[0] == b"ok"
    finally:
        client.stop()
        client.close()


def test_zookeeper_admits_our_client_certificate_and_refuses_another_cas(
    zookeeper: str, material: Material
) -> None:
    assert _kazoo_connects(zookeeper, ClientSecurity.ssl(material.client))
    assert not _kazoo_connects(zookeeper, ClientSecurity.ssl(material.foreign_client))
    assert not _kazoo_connects(zookeeper, ClientSecurity.ssl(material.client, client_auth=False))


# -- Kafka brokers with SSL (mTLS) and SASL_SSL listeners ------------------------------------

ADMIN = SaslCredentials.plain("admin", Secret("admin-secret"))
ALICE = SaslCredentials.plain("alice", TRICKY)
BOB_SCRAM = SaslCredentials.scram("bob", TRICKY, SaslMechanism.SCRAM_SHA_512)


@attrs.frozen
class Cluster:
    ssl: str
    sasl_ssl: str
    plaintext: str


@pytest.fixture(scope="module")
def kafka(material: Material) -> Iterator[Cluster]:
    _require_testbed(kafka=True)
    from confluent_ops.testing import LocalKafkaCluster

    # The mTLS listener reads the JKS stores, SASL_SSL the PKCS12 ones: both formats in use.
    listeners = BrokerListenerSecurity.ssl(
        material.server, store_type=StoreType.JKS
    ).to_server_properties()
    listeners |= BrokerListenerSecurity.sasl_ssl(
        material.server,
        mechanisms=(SaslMechanism.PLAIN, SaslMechanism.SCRAM_SHA_512),
        plain_users=(ADMIN, ALICE),
    ).to_server_properties()
    with LocalKafkaCluster(
        brokers=1,
        combined=True,
        listeners=("SSL", "SASL_SSL"),
        tls=_testbed_tls(material),
        sasl_users={"admin": ADMIN.password},
        broker_config=listeners,
    ) as cluster:
        _add_scram_user(cluster.bootstrap_for("PLAINTEXT"), BOB_SCRAM)
        yield Cluster(
            ssl=cluster.bootstrap_for("SSL"),
            sasl_ssl=cluster.bootstrap_for("SASL_SSL"),
            plaintext=cluster.bootstrap_for("PLAINTEXT"),
        )


def _add_scram_user(bootstrap: str, credentials: SaslCredentials) -> None:
    from confluent_kafka.admin import (
        AdminClient,
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialUpsertion,
    )

    admin = AdminClient(
        {"bootstrap.servers": bootstrap, **ClientSecurity.plaintext().to_librdkafka()}
    )
    upsert = UserScramCredentialUpsertion(
        credentials.username,
        ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
        credentials.password.reveal().encode("utf-8"),
    )
    for future in admin.alter_user_scram_credentials([upsert]).values():
        future.result(timeout=30)


def _confluent_kafka_produces(bootstrap: str, security: ClientSecurity, topic: str) -> bool:
    """Whether confluent-kafka reads the cluster's metadata, then gets a message acknowledged.

    A refused client fails the metadata request (within five seconds) and never creates a
    producer: with confluent-kafka 2.16.1 a producer whose connection is refused (SASL or TLS)
    leaves a stray TypeError pending in the interpreter, which then surfaces in unrelated code.
    """
    from confluent_kafka import KafkaException, Producer
    from confluent_kafka.admin import AdminClient

    config = {"bootstrap.servers": bootstrap, **security.to_librdkafka()}
    try:
        AdminClient(config).list_topics(timeout=5)
    except KafkaException:
        return False
    delivered: list[object] = []
    producer = Producer({**config, "message.timeout.ms": 10000})
    producer.produce(topic, b"secured", on_delivery=lambda error, _: delivered.append(error))
    producer.flush(15)
    return delivered == [None]


def _kafka_python_produces(bootstrap: str, security: ClientSecurity, topic: str) -> bool:
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    try:
        producer = KafkaProducer(
            bootstrap_servers=bootstrap,
            request_timeout_ms=6000,
            max_block_ms=6000,
            bootstrap_timeout_ms=5000,
            **security.to_kafka_python(),  # type: ignore[arg-type]
        )
    except KafkaError:
        return False
    try:
        producer.send(topic, b"secured").get(timeout=20)
    except KafkaError:
        return False
    finally:
        producer.close(timeout=5)
    return True


def test_mtls_listener_admits_our_client_and_refuses_a_foreign_certificate(
    kafka: Cluster, material: Material
) -> None:
    good = ClientSecurity.ssl(material.client)
    assert _confluent_kafka_produces(kafka.ssl, good, "tls-ck")
    assert _kafka_python_produces(kafka.ssl, good, "tls-kp")
    foreign = ClientSecurity.ssl(material.foreign_client)
    assert not _confluent_kafka_produces(kafka.ssl, foreign, "tls-ck")
    assert not _kafka_python_produces(kafka.ssl, foreign, "tls-kp")


@pytest.mark.parametrize("credentials", [ALICE, BOB_SCRAM], ids=["plain", "scram-sha-512"])
def test_sasl_ssl_listener_admits_the_right_password_and_refuses_a_wrong_one(
    kafka: Cluster, material: Material, credentials: SaslCredentials
) -> None:
    good = ClientSecurity.sasl_ssl(credentials, material.client)
    assert _confluent_kafka_produces(kafka.sasl_ssl, good, "sasl-ck")
    assert _kafka_python_produces(kafka.sasl_ssl, good, "sasl-kp")
    wrong = ClientSecurity.sasl_ssl(
        attrs.evolve(credentials, password=Secret(credentials.password.reveal() + "x")),
        material.client,
    )
    assert not _confluent_kafka_produces(kafka.sasl_ssl, wrong, "sasl-ck")
    assert not _kafka_python_produces(kafka.sasl_ssl, wrong, "sasl-kp")


def test_java_tools_connect_with_our_command_config(
    kafka: Cluster, material: Material, tmp_path: Path
) -> None:
    """Kafka's own TopicCommand reads our --command-config (properties, PKCS12, JKS, JAAS)."""
    java = require_program("java")
    classpath = f"{kafka_libs()}/*"
    cases = [
        (kafka.ssl, ClientSecurity.ssl(material.client)),
        (kafka.ssl, ClientSecurity.ssl(material.client, store_type=StoreType.JKS)),
        (kafka.sasl_ssl, ClientSecurity.sasl_ssl(ALICE, material.client)),
        (kafka.sasl_ssl, ClientSecurity.sasl_ssl(BOB_SCRAM, material.client)),
    ]
    for index, (bootstrap, security) in enumerate(cases):
        config = tmp_path / f"client-{index}.properties"
        config.write_text(security.to_java_properties_text(), encoding="latin-1")
        result = subprocess.run(
            [java, "-Xmx128m", "-cp", classpath, "org.apache.kafka.tools.TopicCommand",
             "--bootstrap-server", bootstrap, "--command-config", str(config), "--list"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        assert "tls-ck" in result.stdout.split()
