"""render: every object valid for Kubernetes, deterministic, wired, and never leaking a secret."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confluent_ops.errors import FileUnusable, InvalidInput, MaterialMissing
from confluent_ops.model.java_properties import read_java_properties
from confluent_ops.provision import (
    ComponentKind,
    PlatformMaterial,
    PlatformSpec,
    RenderedPlatform,
    load_spec,
    read_material,
    render,
    required_material,
    spec_from_mapping,
    write_manifests,
)
from confluent_ops.tls import CertificateAuthority, certificates_to_pem
from tests.provision.conftest import EXAMPLE, KUBERNETES_VERSION
from tests.tls.tls_helpers import require_program

_REFERENCE = re.compile(r"\$\{dir:([^:}]+):([^}]+)\}")
_PASSWORD_FILE = re.compile(r"\$\(cat (/mnt/secrets/[a-z]+)/([^)]+)\)")


def _pods(rendered: RenderedPlatform, component: str) -> dict[str, Any]:
    return rendered.get("StatefulSet", component).to_dict()["spec"]["template"]


def _secret_values(material: PlatformMaterial) -> list[str]:
    values = [password.reveal() for password in material.passwords.values()]
    if material.source_password is not None:
        values.append(material.source_password.reveal())
    for pair in material.certificates.values():
        key_lines = pair.key.reveal().splitlines()[1:-1]
        values += [line for line in key_lines if len(line) > 20]
    return values


def check_platform(rendered: RenderedPlatform, material: PlatformMaterial | None) -> None:
    """What every rendered platform must satisfy, whatever its spec."""
    secrets = {m.name: m.to_dict() for m in rendered.of_kind("Secret")}
    for manifest in rendered:
        kubernetes_validate.validate(manifest.to_dict(), KUBERNETES_VERSION, strict=True)
        if not manifest.holds_secrets:
            text = manifest.to_yaml()
            assert "PRIVATE KEY" not in text, manifest
            for value in _secret_values(material) if material else ():
                assert value not in text, f"a secret value is in {manifest}"
    for config_map in rendered.of_kind("ConfigMap"):
        component = config_map.name.rsplit("-config-", 1)[0]
        template = _pods(rendered, component)
        mounts = {
            mount["mountPath"]: mount["name"]
            for mount in template["spec"]["containers"][0]["volumeMounts"]
        }
        volumes = {volume["name"]: volume for volume in template["spec"]["volumes"]}
        assert volumes[mounts["/mnt/config"]]["configMap"]["name"] == config_map.name
        data = config_map.to_dict()["data"]
        references = [
            *(m.groups() for text in data.values() for m in _REFERENCE.finditer(text)),
            *(m.groups() for m in _PASSWORD_FILE.finditer(data["start.sh"])),
        ]
        for folder, key in references:
            secret_name = volumes[mounts[folder]]["secret"]["secretName"]
            assert key in secrets[secret_name]["data"], f"{component}: {folder}/{key}"
    for service in rendered.of_kind("Service"):
        body = service.to_dict()["spec"]
        component = body["selector"]["app.kubernetes.io/component"]
        template = _pods(rendered, component)
        labels = template["metadata"]["labels"]
        pod_only = {k: v for k, v in body["selector"].items() if "pod-name" not in k}
        assert pod_only.items() <= labels.items(), service
        served = {p["containerPort"] for p in template["spec"]["containers"][0]["ports"]}
        assert {port["targetPort"] for port in body["ports"]} <= served, service


def _issue(spec: PlatformSpec, ca: CertificateAuthority) -> PlatformMaterial | None:
    if not required_material(spec):
        return None
    issued = PlatformMaterial.issue(spec, ca)
    replicator = spec.replicator
    if replicator is None:
        return issued
    from confluent_ops.model.secret import Secret

    return PlatformMaterial(
        ca_certificates=issued.ca_certificates,
        certificates=issued.certificates,
        passwords=issued.passwords,
        source_ca=certificates_to_pem((ca.root,)).encode() if replicator.source.tls else None,
        source_password=Secret("source-password-1234") if replicator.source.user else None,
    )


def test_every_object_of_the_example_validates_and_is_wired(
    example_spec: PlatformSpec, example_material: PlatformMaterial
) -> None:
    rendered = render(example_spec, example_material)

    check_platform(rendered, example_material)
    assert rendered.counts() == {
        "Namespace": 1,
        "ServiceAccount": 1,
        "ClusterRole": 1,
        "ClusterRoleBinding": 1,
        "Secret": 17,
        "ConfigMap": 8,
        "Service": 19,
        "PodDisruptionBudget": 8,
        "StatefulSet": 8,
    }


def test_the_same_spec_and_material_give_the_same_bytes(
    example_spec: PlatformSpec, example_material_folder: Path
) -> None:
    first = render(example_spec, read_material(example_spec, EXAMPLE, str(example_material_folder)))
    again = load_spec(EXAMPLE.read_text())
    second = render(again, PlatformMaterial.read(again, example_material_folder))

    assert first.to_files() == second.to_files()


def test_components_find_kafka_and_schema_registry_with_the_internal_listener_security(
    example_spec: PlatformSpec, example_material: PlatformMaterial
) -> None:
    rendered = render(example_spec, example_material)
    data = {
        m.name.rsplit("-config-", 1)[0]: m.to_dict()["data"] for m in rendered.of_kind("ConfigMap")
    }

    def props(component: str, file: str) -> dict[str, str]:
        return read_java_properties(data[component][file])

    bootstrap = "kafka-client.confluent.svc.cluster.local:9071"
    registry = "http://schema-registry-client.confluent.svc.cluster.local:8081"
    connect = props("connect", "connect.properties")
    assert connect["bootstrap.servers"] == bootstrap
    assert connect["value.converter.schema.registry.url"] == registry
    for prefix in ("", "producer.", "consumer.", "admin."):
        assert connect[f"{prefix}security.protocol"] == "SASL_SSL"
        assert connect[f"{prefix}sasl.mechanism"] == "SCRAM-SHA-512"
    schema_registry = props("schema-registry", "schema-registry.properties")
    assert schema_registry["kafkastore.bootstrap.servers"] == bootstrap
    assert schema_registry["kafkastore.security.protocol"] == "SASL_SSL"
    assert props("ksqldb", "ksql-server.properties")["ksql.schema.registry.url"] == registry
    center = props("control-center", "control-center.properties")
    assert center["confluent.controlcenter.schema.registry.url"] == registry
    assert center["confluent.controlcenter.connect.connect.cluster"].startswith("http://connect-")
    assert center["confluent.controlcenter.ksql.ksqldb.url"].startswith("http://ksqldb-client")
    assert center["confluent.controlcenter.streams.security.protocol"] == "SASL_SSL"
    rest = props("rest-proxy", "kafka-rest.properties")
    assert (rest["client.security.protocol"], rest["schema.registry.url"]) == ("SASL_SSL", registry)
    source = props("replicator", "consumer.properties")
    assert source["bootstrap.servers"] == "source-kafka.example.net:9092"
    assert source["security.protocol"] == "SASL_SSL"
    assert props("replicator", "producer.properties")["bootstrap.servers"] == bootstrap
    assert props("replicator", "replication.properties")["topic.whitelist"] == "orders,payments"


def test_the_brokers_listen_advertise_and_replicate_as_the_spec_says(
    example_spec: PlatformSpec, example_material: PlatformMaterial
) -> None:
    rendered = render(example_spec, example_material)
    data = rendered.config_of("kafka").to_dict()["data"]
    server = read_java_properties(data["server.properties"])

    assert server["listeners"] == (
        "INTERNAL://0.0.0.0:9071,REPLICATION://0.0.0.0:9072,EXTERNAL://0.0.0.0:9092"
    )
    assert server["listener.security.protocol.map"] == (
        "INTERNAL:SASL_SSL,REPLICATION:SSL,EXTERNAL:SASL_SSL,CONTROLLER:SSL"
    )
    assert server["listener.name.replication.ssl.client.auth"] == "required"
    assert server["inter.broker.listener.name"] == "REPLICATION"
    assert server["controller.quorum.voters"].startswith(
        "9990@kraft-0.kraft.confluent.svc.cluster.local:9074,"
    )
    assert (server["min.insync.replicas"], server["num.partitions"]) == ("2", "6")
    assert (
        "advertised.listeners=INTERNAL://$host:9071,REPLICATION://$host:9072,"
        "EXTERNAL://b$ordinal.kafka.example.com:9092" in data["start.sh"]
    )
    assert "broker.rack=$(cat /mnt/rack/rack)" in data["start.sh"]
    kraft_script = rendered.config_of("kraft").to_dict()["data"]["start.sh"]
    assert kraft_script.count("--add-scram") == len(example_spec.sasl_users)
    statefulset = rendered.get("StatefulSet", "kafka").to_dict()["spec"]
    assert statefulset["updateStrategy"] == {"type": "OnDelete"}
    assert statefulset["persistentVolumeClaimRetentionPolicy"]["whenScaled"] == "Retain"
    external = rendered.get("Service", "kafka-2-external").to_dict()
    assert external["spec"]["selector"]["statefulset.kubernetes.io/pod-name"] == "kafka-2"
    hostname = external["metadata"]["annotations"]["external-dns.alpha.kubernetes.io/hostname"]
    assert hostname == "b2.kafka.example.com"


def test_a_secret_holds_the_material_and_nothing_else_does(
    example_spec: PlatformSpec, example_material: PlatformMaterial
) -> None:
    rendered = render(example_spec, example_material)
    sasl = rendered.get("Secret", "kafka-sasl").to_dict()["data"]
    external_jaas = base64.b64decode(sasl["external-scram-sha-512-jaas.conf"]).decode()
    replication_tls = rendered.get("Secret", "kafka-tls").to_dict()["data"]

    assert external_jaas == "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    assert base64.b64decode(replication_tls["tls.key"]).decode() == (
        example_material.certificates["kafka"].key.reveal()
    )
    assert "data" not in repr(rendered.get("Secret", "kafka-sasl"))


_AUTHENTICATION = st.sampled_from(["none", "mtls", "plain", "scram-sha-256", "scram-sha-512"])


@st.composite
def _listener(draw: st.DrawFn, port: int) -> dict[str, Any]:
    authentication = draw(_AUTHENTICATION)
    tls = authentication == "mtls" or draw(st.booleans())
    return {"port": port, "tls": tls, "authentication": authentication}


@st.composite
def platform_specs(draw: st.DrawFn) -> dict[str, Any]:
    version = draw(st.sampled_from(["7.9.1", "8.1.0"]))
    data: dict[str, Any] = {"name": draw(st.sampled_from(["cp", "prod-eu"])), "namespace": "ns1"}
    data["version"] = version
    quorum = "kraft" if version.startswith("8") else draw(st.sampled_from(["kraft", "zookeeper"]))
    data[quorum] = {"replicas": draw(st.integers(1, 5))}
    listeners: dict[str, Any] = {"internal": draw(_listener(9071))}
    if draw(st.booleans()):
        listeners["replication"] = draw(_listener(9072))
    if draw(st.booleans()):
        external = draw(_listener(9092))
        if draw(st.booleans()):
            external |= {"type": "loadbalancer", "domain": "kafka.example.com"}
        else:
            external |= {"type": "nodeport", "host": "nodes.example.com"}
        listeners["external"] = external
    data["kafka"] = {"replicas": draw(st.integers(1, 7)), "listeners": listeners}
    replication = listeners.get("replication", listeners["internal"])
    if quorum == "kraft" and (
        replication["authentication"].startswith("scram") or draw(st.booleans())
    ):
        authentication = draw(st.sampled_from(["none", "mtls", "plain"]))
        data["kraft"] |= {"authentication": authentication, "tls": authentication == "mtls"}
    if draw(st.booleans()):
        data["kafka"]["rack"] = {}
    if draw(st.booleans()):
        data["metrics"] = {"enabled": False}
    for component in ("schema_registry", "connect", "ksqldb", "control_center", "rest_proxy"):
        if draw(st.booleans()):
            data[component] = {}
    if draw(st.booleans()):
        authentication = draw(st.sampled_from(["none", "plain", "scram-sha-512"]))
        data["replicator"] = {
            "source": {
                "bootstrap": "src:9092",
                "tls": draw(st.booleans()),
                "authentication": authentication,
                **({"user": "copier"} if authentication != "none" else {}),
            },
            "topics": ["orders"],
        }
    data["security"] = {"material": "m", "users": draw(st.sampled_from([[], ["app"]]))}
    return data


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=platform_specs())
def test_any_platform_renders_valid_wired_objects_without_leaking_secrets(
    data: dict[str, Any], platform_ca: CertificateAuthority
) -> None:
    spec = spec_from_mapping(data)
    material = _issue(spec, platform_ca)

    rendered = render(spec, material)

    check_platform(rendered, material)
    assert render(spec, material).to_files() == rendered.to_files()
    kinds = {m.name for m in rendered.of_kind("StatefulSet")}
    assert kinds == {kind.object_name for kind in spec.components}


def test_render_without_the_material_a_spec_needs_is_refused(example_spec: PlatformSpec) -> None:
    with pytest.raises(InvalidInput, match="render needs its material"):
        render(example_spec)


def test_a_material_folder_missing_files_names_them_all(
    tmp_path: Path, example_spec: PlatformSpec
) -> None:
    (tmp_path / "users").mkdir()
    (tmp_path / "users" / "kafka.password").write_text("short\n")

    with pytest.raises(MaterialMissing) as caught:
        PlatformMaterial.read(example_spec, tmp_path)

    assert "ca.crt" in caught.value.missing
    assert "users/kafka.password" not in caught.value.missing
    assert "confluent-ops certs platform" in str(caught.value)
    assert "copy the source cluster's CA" in str(caught.value)


def test_a_weak_password_is_refused_without_showing_it(
    tmp_path: Path, platform_ca: CertificateAuthority
) -> None:
    spec = load_spec(
        "name: cp\nnamespace: ns\nkraft: {}\nsecurity: {material: m}\n"
        "kafka: {listeners: {internal: {port: 9071, authentication: plain}}}\n"
    )
    PlatformMaterial.issue(spec, None).write(tmp_path)
    (tmp_path / "users" / "kafka.password").write_text('bad"pass word\n')

    with pytest.raises(InvalidInput, match=r"kafka\.password: a password must be") as caught:
        PlatformMaterial.read(spec, tmp_path)
    assert "bad" not in str(caught.value)


def test_manifests_are_written_one_file_each_secrets_private(
    tmp_path: Path, example_spec: PlatformSpec, example_material: PlatformMaterial
) -> None:
    rendered = render(example_spec, example_material)
    out = tmp_path / "manifests"

    written = write_manifests(rendered, out)

    assert len(written.written) == len(rendered)
    for manifest in rendered:
        path = out / manifest.file_name
        assert yaml.safe_load(path.read_text()) == manifest.to_dict()
        assert path.stat().st_mode & 0o777 == (0o600 if manifest.holds_secrets else 0o644)
    assert written.written[0] == "00-namespace-confluent.yaml"


def test_a_later_render_removes_objects_the_spec_dropped(
    tmp_path: Path, example_spec: PlatformSpec, example_material: PlatformMaterial
) -> None:
    out = tmp_path / "manifests"
    write_manifests(render(example_spec, example_material), out)
    smaller = load_spec("name: demo\nnamespace: confluent\nkraft: {}\n")

    written = write_manifests(render(smaller), out)

    assert "08-statefulset-connect.yaml" in written.removed
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        written.written
    )


def test_a_folder_holding_other_files_is_refused_before_writing(
    tmp_path: Path, example_spec: PlatformSpec, example_material: PlatformMaterial
) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")

    with pytest.raises(FileUnusable, match=r"'notes\.txt', which render did not write"):
        write_manifests(render(example_spec, example_material), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_openssl_accepts_each_certificate_for_the_names_its_pods_are_reached_by(
    example_material_folder: Path,
) -> None:
    openssl = require_program("openssl")
    ca = example_material_folder / "ca.crt"

    def verifies(component: str, name: str) -> bool:
        result = subprocess.run(
            [openssl, "verify", "-CAfile", ca, "-verify_hostname", name,
             example_material_folder / component / "tls.crt"],
            capture_output=True, check=False,
        )  # fmt: skip
        return result.returncode == 0

    assert verifies("kafka", "kafka-4.kafka.confluent.svc.cluster.local")
    assert verifies("kafka", "kafka-client.confluent.svc")
    assert verifies("kafka", "b11.kafka.example.com")
    assert verifies("kafka", "bootstrap.kafka.example.com")
    assert verifies("schema-registry", "schema-registry-client.confluent.svc.cluster.local")
    assert not verifies("kafka", "kafka-0.kafka.other.svc.cluster.local")
    assert not verifies("connect", "kafka-0.kafka.confluent.svc.cluster.local")


def test_issuing_again_keeps_every_key_and_password_already_there(
    tmp_path: Path, example_spec: PlatformSpec, platform_ca: CertificateAuthority
) -> None:
    PlatformMaterial.issue(example_spec, platform_ca).write(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    (tmp_path / "connect" / "tls.key").unlink()

    written = PlatformMaterial.issue(example_spec, platform_ca).write(tmp_path)

    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "connect/tls.crt",
        "connect/tls.key",
    ]
    unchanged = {p for p in before if "connect" not in p.parts}
    assert all(p.read_bytes() == before[p] for p in unchanged)
    assert (tmp_path / "users" / "kafka.password").stat().st_mode & 0o777 == 0o600


def test_issuing_from_another_ca_into_a_platform_folder_is_refused(
    tmp_path: Path, example_spec: PlatformSpec, platform_ca: CertificateAuthority
) -> None:
    PlatformMaterial.issue(example_spec, platform_ca).write(tmp_path)
    other = CertificateAuthority.self_signed("other-ca")

    with pytest.raises(InvalidInput, match="is another CA's"):
        PlatformMaterial.issue(example_spec, other).write(tmp_path)


def test_every_component_without_security_needs_no_material() -> None:
    spec = load_spec(
        "name: cp\nnamespace: ns\nzookeeper: {}\n"
        + "".join(
            f"{k.value}: {{}}\n"
            for k in ComponentKind
            if k.value not in ("zookeeper", "kraft", "kafka", "replicator")
        )
    )

    rendered = render(spec)

    check_platform(rendered, None)
    assert not rendered.of_kind("Secret")
    server = read_java_properties(
        rendered.config_of("kafka").to_dict()["data"]["server.properties"]
    )
    assert server["zookeeper.connect"].endswith(":2181/kafka")


def _one(text: str) -> RenderedPlatform:
    spec = load_spec("name: cp\nnamespace: ns\n" + text)
    return render(spec, _issue(spec, CertificateAuthority.self_signed("one-ca")))


def test_scram_platforms_keep_each_password_where_it_is_read() -> None:
    rendered = _one(
        "security: {material: m, users: [app]}\n"
        "kraft: {authentication: plain}\n"
        "kafka: {listeners: {internal: {authentication: scram-sha-512},"
        " replication: {authentication: plain}}}\n"
    )
    kafka = rendered.get("Secret", "kafka-sasl").to_dict()["data"]
    kraft = rendered.get("Secret", "kraft-sasl").to_dict()["data"]

    assert not [key for key in kafka if key.endswith(".password")]  # KRaft creates the users
    assert sorted(k for k in kraft if k.endswith(".password")) == [
        "app.password",
        "kafka.password",
    ]
    assert sorted(k for k in kraft if k.endswith("jaas.conf")) == ["controller-plain-jaas.conf"]
    controller = base64.b64decode(kraft["controller-plain-jaas.conf"]).decode()
    assert "user_kafka=" in controller
    assert "user_app=" not in controller  # only brokers log in to the controllers
    replication = base64.b64decode(kafka["replication-plain-jaas.conf"]).decode()
    assert "user_app=" not in replication


def test_a_changed_configuration_is_a_new_immutable_config_map_and_pod_template() -> None:
    first = _one("kraft: {}\n")
    second = _one("kraft: {}\nkafka: {config: {num.partitions: 12}}\n")

    old, new = first.config_of("kafka"), second.config_of("kafka")
    assert old.name != new.name
    assert old.name.startswith("kafka-config-")
    assert new.to_dict()["immutable"] is True
    assert first.config_of("kraft").name == second.config_of("kraft").name


def test_jvm_settings_reach_only_the_component_process_not_the_container() -> None:
    rendered = _one("kraft: {}\nkafka: {jvm: {options: [-XX:+UseG1GC]}}\n")
    container = rendered.get("StatefulSet", "kafka").to_dict()["spec"]["template"]["spec"][
        "containers"
    ][0]
    script = rendered.config_of("kafka").to_dict()["data"]["start.sh"].splitlines()

    assert "env" not in container
    exports = [n for n, line in enumerate(script) if line.startswith("export KAFKA_OPTS=")]
    assert exports == [len(script) - 3]  # after the format, just before the broker starts
    assert "-XX:+UseG1GC" in script[exports[0]]
    assert "-javaagent:" in script[exports[0]]
    assert "export KAFKA_HEAP_OPTS='-Xms2g -Xmx2g'" in script  # Kafka's heap kept
    assert script.index("export KAFKA_OPTS=" + script[exports[0]].split("=", 1)[1]) > next(
        n for n, line in enumerate(script) if line.startswith("kafka-storage format")
    )


def test_node_ports_answer_on_every_node_and_load_balancers_only_where_the_broker_runs() -> None:
    nodeport = _one(
        "kraft: {}\nkafka: {listeners: {external: {type: nodeport, host: n.example.com}}}\n"
    )
    balancer = _one(
        "kraft: {}\nkafka: {listeners: {external: {type: loadbalancer, domain: k.example.com}}}\n"
    )

    assert (
        "externalTrafficPolicy" not in nodeport.get("Service", "kafka-0-external").to_dict()["spec"]
    )
    assert (
        nodeport.get("Service", "kafka-2-external").to_dict()["spec"]["ports"][0]["nodePort"]
        == 30003
    )
    assert (
        balancer.get("Service", "kafka-0-external").to_dict()["spec"]["externalTrafficPolicy"]
        == "Local"
    )


def test_racks_bind_a_service_account_the_spec_names_rather_than_replacing_it() -> None:
    rendered = _one("kraft: {}\nkafka: {rack: {}, pod: {service_account: brokers}}\n")

    assert not rendered.of_kind("ServiceAccount")
    binding = rendered.of_kind("ClusterRoleBinding")[0].to_dict()
    assert binding["subjects"][0]["name"] == "brokers"
    pod = rendered.get("StatefulSet", "kafka").to_dict()["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "brokers"


def test_a_certificate_that_no_longer_fits_the_spec_is_refused_and_renewed_with_its_key(
    tmp_path: Path, platform_ca: CertificateAuthority
) -> None:
    from confluent_ops.provision import outdated_certificates

    internal = "security: {material: m}\nkraft: {}\nkafka: {listeners: {internal: {tls: true}}}\n"
    before = load_spec("name: cp\nnamespace: ns\n" + internal)
    PlatformMaterial.issue(before, platform_ca).write(tmp_path)
    key = (tmp_path / "kafka" / "tls.key").read_bytes()
    after = load_spec(
        "name: cp\nnamespace: ns\n"
        + internal.replace(
            "tls: true}",
            "tls: true}, external: {type: loadbalancer, domain: k.example.com, tls: true}",
        )
    )

    with pytest.raises(InvalidInput, match=r"kafka/tls\.crt: it lacks the name \*\.k\.example"):
        PlatformMaterial.read(after, tmp_path)
    outdated = outdated_certificates(after, tmp_path)
    assert sorted(outdated) == ["kafka"]
    renewed = PlatformMaterial.issue(
        after, platform_ca, keys={c: k for c, (_, k) in outdated.items()}
    ).write(tmp_path, renew=frozenset(outdated))

    assert {p.relative_to(tmp_path).as_posix() for p in renewed} == {
        "kafka/tls.crt",
        "kafka/tls.key",
    }
    assert (tmp_path / "kafka" / "tls.key").read_bytes() == key
    assert PlatformMaterial.read(after, tmp_path).certificates["kafka"]


def test_a_certificate_from_another_ca_or_expired_is_refused(
    tmp_path: Path, platform_ca: CertificateAuthority
) -> None:
    import datetime

    spec = load_spec(
        "name: cp\nnamespace: ns\nsecurity: {material: m}\nkraft: {}\n"
        "kafka: {listeners: {internal: {tls: true}}}\n"
    )
    PlatformMaterial.issue(spec, platform_ca).write(tmp_path)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=400)

    with pytest.raises(InvalidInput, match="it expired on"):
        PlatformMaterial.read(spec, tmp_path, now=later)
    other = CertificateAuthority.self_signed("other")
    (tmp_path / "ca.crt").write_text(certificates_to_pem((other.root,)))
    with pytest.raises(InvalidInput, match=r"not signed by the CA of ca\.crt"):
        PlatformMaterial.read(spec, tmp_path)
