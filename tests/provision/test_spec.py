"""The platform spec: what it accepts, its defaults, and how each mistake is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from confluent_ops.errors import FileUnusable, SpecInvalid
from confluent_ops.provision import (
    Authentication,
    ComponentKind,
    ExternalType,
    ScaleInPolicy,
    load_spec,
    read_spec,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "platform.yaml"
BASE = "name: cp\nnamespace: confluent\nkraft: {}\n"


def refused(text: str) -> SpecInvalid:
    with pytest.raises(SpecInvalid) as caught:
        load_spec(text, source="platform.yaml")
    return caught.value


def test_the_example_is_a_complete_platform_with_every_component() -> None:
    spec = read_spec(EXAMPLE)

    assert spec.components == tuple(k for k in ComponentKind if k is not ComponentKind.ZOOKEEPER)
    external = spec.kafka.listeners.external
    assert external is not None
    assert external.type is ExternalType.LOADBALANCER
    assert spec.kafka.listeners.inter_broker.authentication is Authentication.MTLS
    assert spec.kafka.config["num.partitions"] == "6"
    assert spec.kafka.storage.on_scale_in is ScaleInPolicy.RETAIN
    assert spec.sasl_users[:2] == ("kafka", "schema-registry")
    assert spec.sasl_users[-2:] == ("orders-app", "analytics")


def test_a_minimal_spec_takes_the_defaults_kafka_users_expect() -> None:
    spec = load_spec(BASE)

    assert spec.kafka.replicas == 3
    assert spec.kafka.replication_factor == 3
    assert spec.kafka.min_insync == 2
    assert spec.kafka.listeners.internal.port == 9071
    assert spec.kafka.listeners.inter_broker.port == 9072
    assert spec.image(ComponentKind.KAFKA) == "docker.io/confluentinc/cp-server:7.9.1"
    assert spec.sasl_users == ()
    assert not spec.uses_tls


def test_a_section_written_in_part_keeps_the_component_defaults_of_the_rest() -> None:
    spec = load_spec(
        BASE + "kafka: {storage: {storage_class: fast}, jvm: {options: [-XX:+UseG1GC]},"
        " listeners: {internal: {tls: false}, replication: {tls: false}}}\n"
        "control_center: {storage: {on_scale_in: delete}}\n"
        "schema_registry: {jvm: {options: []}}\n"
    )

    assert (spec.kafka.storage.size, spec.kafka.storage.storage_class) == ("100Gi", "fast")
    assert spec.kafka.jvm.heap == "2g"
    assert (spec.kafka.listeners.internal.port, spec.kafka.listeners.inter_broker.port) == (
        9071,
        9072,
    )
    assert spec.control_center is not None
    assert spec.control_center.storage.size == "20Gi"
    assert spec.schema_registry is not None
    assert spec.schema_registry.jvm.heap == "512m"


def test_kraft_controllers_may_speak_otherwise_than_the_replication_listener() -> None:
    spec = load_spec(
        "name: cp\nnamespace: x\nsecurity: {material: m}\n"
        "kraft: {authentication: mtls, tls: true}\n"
        "kafka: {listeners: {internal: {authentication: scram-sha-512}}}\n"
    )

    assert spec.kafka.listeners.inter_broker.authentication is Authentication.SCRAM_SHA_512
    controller = spec.controller_listener
    assert controller is not None
    assert (controller.authentication, controller.tls) == (Authentication.MTLS, True)


def test_a_small_cluster_gets_a_replication_factor_it_can_hold() -> None:
    spec = load_spec(BASE + "kafka: {replicas: 1}\n")

    assert (spec.kafka.replication_factor, spec.kafka.min_insync) == (1, 1)


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        (
            "kafka: {listeners: {external: {type: ingress}}}",
            "kafka.listeners.external.type",
            "must be one of loadbalancer, nodeport, not 'ingress'",
        ),
        (
            "kafka: {listeners: {external: {type: loadbalancer}}}",
            "kafka.listeners.external.domain",
            "needs the domain",
        ),
        (
            "kafka: {listeners: {external: {type: nodeport}}}",
            "kafka.listeners.external.host",
            "needs the host",
        ),
        ("kafka: {replicas: 0}", "kafka.replicas", "must be at least 1, not 0"),
        ("kafka: {replicas: 1000000000}", "kafka.replicas", "must be at most 5000"),
        ("kraft: {replicas: 99}", "kraft.replicas", "must be at most 15"),
        (
            "kafka: {replicas: 4}\nkraft: {first_node_id: 3}",
            "kraft.first_node_id",
            "3 is a broker's node id (brokers are 0 to 3)",
        ),
        (
            "kafka: {replicas: 800, listeners: {external: {type: nodeport, host: n.example.com,"
            " node_port_offset: 32000}}}",
            "kafka.listeners.external.node_port_offset",
            "passes 32767, the top of Kubernetes' node port range",
        ),
        ("metrics: {agent: 'relative.jar'}", "metrics.agent", "is not an absolute path"),
        ("kafka: {replicas: '3'}", "kafka.replicas", "must be a whole number, not text"),
        ("kafka: {replicas: true}", "kafka.replicas", "must be a whole number, not true/false"),
        ("kafka: {replicas: 2.5}", "kafka.replicas", "must be a whole number, not a number"),
        (
            "kafka: {brokers: 3}",
            "kafka.brokers",
            "is not a field here; the fields are config, default_replication_factor",
        ),
        ("version: 8.0", "version", 'must be text, not a number (quote it: "8.0")'),
        ("version: latest", "version", "is not a version such as 7.9.1"),
        (
            "kafka: {listeners: {internal: {port: 9071, authentication: kerberos}}}",
            "kafka.listeners.internal.authentication",
            "must be one of none, mtls, plain, scram-sha-256, scram-sha-512",
        ),
        (
            "kafka: {listeners: {internal: {port: 9071, authentication: mtls}}}",
            "kafka.listeners.internal.authentication",
            "mtls needs tls: true",
        ),
        (
            "kafka: {listeners: {internal: {port: 80}}}",
            "kafka.listeners.internal.port",
            "must be a port from 1024 to 65535",
        ),
        (
            "kafka: {listeners: {internal: {port: 9071}, replication: {port: 9071}}}",
            "kafka.listeners.replication.port",
            "9071 is already the internal port",
        ),
        (
            "kafka: {listeners: {internal: {port: 9071, tls: true}}}",
            "security.material",
            "a listener uses TLS",
        ),
        (
            "kafka: {config: {ssl.keystore.password: x}}",
            'kafka.config["ssl.keystore.password"]',
            "would put a secret into a ConfigMap",
        ),
        (
            "kafka: {config: {listener.name.x.plain.sasl.jaas.config: y}}",
            'kafka.config["listener.name.x.plain.sasl.jaas.config"]',
            "would put a secret into a ConfigMap",
        ),
        (
            "kafka: {config: {num.partitions: [6]}}",
            'kafka.config["num.partitions"]',
            "must be text, a number or true/false, not a list",
        ),
        (
            "kafka: {resources: {requests: {cpu: lots}}}",
            "kafka.resources.requests.cpu",
            "'lots' is not a Kubernetes quantity",
        ),
        (
            "kafka: {resources: {limits: {gpu: 1}}}",
            "kafka.resources.limits.gpu",
            "must be one of cpu, memory, ephemeral-storage",
        ),
        ("kafka: {jvm: {heap: 2 GB}}", "kafka.jvm.heap", "is not a heap size such as 2g"),
        (
            "kafka: {replicas: 2, min_insync_replicas: 3}",
            "kafka.min_insync_replicas",
            "must be from 1 to the replication factor 2, not 3",
        ),
        (
            "kafka: {storage: {on_scale_in: keep}}",
            "kafka.storage.on_scale_in",
            "must be one of retain, delete",
        ),
        ("kafka: {pod: {labels: {team: a b}}}", "kafka.pod.labels.team", "not a valid label value"),
        ("control_center: {replicas: 2}", "control_center.replicas", "exactly 1 replica"),
        (
            "replicator: {source: {bootstrap: nowhere}, topics: [a]}",
            "replicator.source.bootstrap",
            "'nowhere' is not host:port",
        ),
        (
            "replicator: {source: {bootstrap: 'a:9092'}}",
            "replicator.topics",
            "give either topics or topic_regex",
        ),
        (
            "replicator: {source: {bootstrap: 'a:9092', authentication: plain}, topics: [a]}",
            "replicator.source.user",
            "authentication plain needs a user",
        ),
        ("replicator: {topics: [a]}", "replicator.source", "is required"),
        ("schema_registry:", "schema_registry", "is empty: write {} for the defaults"),
        (
            "kafka: 3",
            "kafka",
            "must be a mapping with the fields config, default_replication_factor",
        ),
        ("security: {users: [kafka]}", "security.users", "'kafka' is a component's own user"),
        ("security: {users: [a, a]}", "security.users", "lists a name twice"),
        ("security: {users: alice}", "security.users", "must be a list, not text"),
        ("kafka: {jvm: {options: -Xss1m}}", "kafka.jvm.options", "must be a list, not text"),
        ("security: {users: [1]}", "security.users[0]", "must be text, not a number"),
        (
            "kafka: {config: {basic.auth.user.info: x}}",
            'kafka.config["basic.auth.user.info"]',
            "would put a secret",
        ),
        (
            "security: {material: m}\n"
            "kafka: {listeners: {internal: {authentication: scram-sha-512}}}",
            "kraft.authentication",
            "SCRAM cannot authenticate brokers to KRaft controllers",
        ),
    ],
)
def test_a_mistake_names_its_field_and_what_is_allowed(extra: str, field: str, words: str) -> None:
    quorum = "" if "kraft:" in extra else "kraft: {}\n"
    error = refused("name: cp\nnamespace: confluent\n" + quorum + extra + "\n")

    assert error.field == field
    assert words in error.detail
    assert str(error).startswith(f"platform.yaml: {field}: ")


def test_every_mistake_is_collected_and_counted() -> None:
    error = refused(BASE + "kafka: {replicas: x, bogus: 1}\nconnect: {port: 1}\n")

    assert "(and 2 more problems)" in str(error)
    assert {field for field, _ in error.errors} == {  # type: ignore[attr-defined]
        "kafka.replicas",
        "kafka.bogus",
        "connect.port",
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name: cp\nnamespace: x\nkraft: {}\nzookeeper: {}\n", "give exactly one of zookeeper"),
        ("name: cp\nnamespace: x\n", "give exactly one of zookeeper and kraft"),
        ("name: cp\nnamespace: x\nversion: '8.0.0'\nzookeeper: {}\n", "8.0 removed it"),
        ("name: Bad_Name\nnamespace: x\nkraft: {}\n", "is not a DNS label"),
    ],
)
def test_cross_field_rules_are_checked(text: str, words: str) -> None:
    assert words in str(refused(text))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name: cp\nname: again\n", "line 2, column 1: duplicate key 'name'"),
        ("a: &x [1]\nb: *x\n", "aliases (*name) are not accepted"),
        ("name: cp\n---\nname: other\n", "must hold one YAML document, not 2"),
        ("", "must hold one YAML document, not 0"),
        ("name: [unclosed\n", "not valid YAML: line"),
        ("- a list\n", "must be a mapping with the fields cluster_domain, cluster_id"),
        ("[" * 5000, "not valid YAML"),
        ("name: cp\nnamespace: x\nkraft: {replicas: " + "9" * 5000 + "}\n", "not valid YAML"),
    ],
)
def test_yaml_that_cannot_be_a_spec_is_refused_with_where(text: str, words: str) -> None:
    assert words in str(refused(text))


def test_a_missing_spec_file_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(FileUnusable, match="no such file"):
        read_spec(tmp_path / "absent.yaml")


def test_a_spec_is_a_frozen_value() -> None:
    spec = load_spec(BASE + "kafka: {config: {num.partitions: 6}}\n")

    with pytest.raises(TypeError):
        spec.kafka.config["num.partitions"] = "1"  # type: ignore[index]
    assert hash(spec) == hash(load_spec(BASE + "kafka: {config: {num.partitions: 6}}\n"))
