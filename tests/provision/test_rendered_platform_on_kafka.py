"""What render writes runs on real Kafka: the pods' own scripts, properties and Secrets.

A KRaft controller and two brokers run from the rendered ConfigMaps and Secrets by
:class:`~confluent_ops.testing.LocalPlatform` (each pod on its own loopback address, names
resolved through a hosts file so that TLS checks the certificates' real names). Then Kafka's own
Java clients, configured only by what render wrote for Connect and for Schema Registry, create a
topic, produce and consume over the internal listener (SASL_SSL, SCRAM-SHA-512: the users the
controller's start script created at format time), which proves the ``${dir:...}`` references,
the PEM stores and the JAAS Secrets; the topic's second replica catches up over the replication
listener (mutual TLS, CN mapped to the principal); an outside client comes in through the
external listener with PLAIN; and a wrong password is refused.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from confluent_ops.provision import (
    PlatformMaterial,
    RenderedPlatform,
    load_spec,
    render,
)
from confluent_ops.testing import LocalPlatform, resolve_kafka
from confluent_ops.testing._jvm import java_main
from confluent_ops.testing._processes import find_java, free_port, live_processes
from confluent_ops.testing.pytest_plugin import require_testbed
from confluent_ops.tls import CertificateAuthority, jaas_quote

VERSION = "3.9.1"  # Confluent Platform 7.9 carries Kafka 3.9
CLIENTS = Path(__file__).parent / "java" / "RenderedClients.java"


def _spec_text() -> str:
    internal, replication, external, controller = (free_port() for _ in range(4))
    return f"""
name: local
namespace: confluent
version: 7.9.1
security: {{material: material, users: [orders-app]}}
metrics: {{enabled: false}}
kraft: {{replicas: 1, port: {controller}}}
schema_registry: {{}}
connect: {{}}
kafka:
  replicas: 2
  rack: {{}}
  listeners:
    internal: {{port: {internal}, tls: true, authentication: scram-sha-512}}
    replication: {{port: {replication}, tls: true, authentication: mtls}}
    external:
      type: loadbalancer
      port: {external}
      tls: true
      authentication: plain
      domain: kafka.example.com
      bootstrap_prefix: bootstrap
"""


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory, platform_ca: CertificateAuthority
) -> Iterator[tuple[LocalPlatform, PlatformMaterial, Path]]:
    require_testbed(kafka_versions=(VERSION,))
    spec = load_spec(_spec_text())
    material = PlatformMaterial.issue(spec, platform_ca)
    folder = tmp_path_factory.mktemp("material")
    material.write(folder)
    rendered: RenderedPlatform = render(spec, material)
    with LocalPlatform(rendered, version=VERSION, workdir=tmp_path_factory.mktemp("pods")) as pods:
        pods.start_pod("kraft", 0)
        pods.start_pod("kafka", 0, rack="zone-a")
        pods.start_pod("kafka", 1, rack="zone-b")
        pods.wait_ready("kraft-0", "kafka-0", "kafka-1")
        yield pods, material, folder
        pids = [pod.pid for pod in pods.pods.values()]
    assert not {p.pid for p in live_processes()} & set(pids)


def _clients(pods: LocalPlatform, properties: Path, prefix: str, topic: str) -> dict[str, str]:
    result = subprocess.run(
        [find_java(), *pods.java_flags(), "-Xmx256m", "-XX:+UseSerialGC",
         *java_main(CLIENTS, resolve_kafka(VERSION).libs),
         str(properties), prefix, topic, "20", "2"],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    facts = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert "error" not in facts or facts["error"], result.stderr[-3000:]
    return facts


def test_a_connect_worker_reaches_the_brokers_with_only_what_render_wrote(
    platform: tuple[LocalPlatform, PlatformMaterial, Path],
) -> None:
    pods, _, _ = platform
    worker = pods.prepare_pod("connect", 0) / "run" / "config" / "connect.properties"

    facts = _clients(pods, worker, "producer.", "connect-topic")

    assert facts.get("error") is None, facts
    assert facts["brokers"] == "0@zone-a,1@zone-b"
    assert facts["isr"] == "2"  # the follower caught up over the mTLS replication listener
    assert facts["consumed"] == "20"


def test_schema_registry_store_settings_reach_the_brokers_too(
    platform: tuple[LocalPlatform, PlatformMaterial, Path],
) -> None:
    pods, _, _ = platform
    registry = (
        pods.prepare_pod("schema-registry", 0) / "run" / "config" / "schema-registry.properties"
    )

    facts = _clients(pods, registry, "kafkastore.", "_schemas_probe")

    assert facts.get("error") is None, facts
    assert facts["consumed"] == "20"


def _external_client(folder: Path, material_folder: Path, password: str, port: int) -> Path:
    jaas = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f"username={jaas_quote('orders-app')} password={jaas_quote(password)};"
    )
    path = folder / "external.properties"
    path.write_text(
        f"bootstrap.servers=bootstrap.kafka.example.com:{port}\n"
        "security.protocol=SASL_SSL\n"
        "sasl.mechanism=PLAIN\n"
        f"sasl.jaas.config={jaas}\n"
        "ssl.truststore.type=PEM\n"
        f"ssl.truststore.location={material_folder / 'ca.crt'}\n"
    )
    return path


def test_an_outside_client_comes_in_through_the_external_listener(
    platform: tuple[LocalPlatform, PlatformMaterial, Path], tmp_path: Path
) -> None:
    pods, material, folder = platform
    port = pods.rendered.spec.kafka.listeners.external.port  # type: ignore[union-attr]
    password = material.passwords["orders-app"].reveal()

    facts = _clients(pods, _external_client(tmp_path, folder, password, port), "", "orders")

    assert facts.get("error") is None, facts
    assert facts["consumed"] == "20"


def test_a_wrong_password_is_refused_at_the_external_listener(
    platform: tuple[LocalPlatform, PlatformMaterial, Path], tmp_path: Path
) -> None:
    pods, _, folder = platform
    port = pods.rendered.spec.kafka.listeners.external.port  # type: ignore[union-attr]

    facts = _clients(pods, _external_client(tmp_path, folder, "not-the-password", port), "", "x")

    assert "SaslAuthenticationException" in facts.get("error", ""), facts
