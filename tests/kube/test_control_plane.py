"""A real control plane and the test kubelet: rendered manifests become real brokers.

The API server, etcd and the controller manager are the real programs (built from Go modules);
the StatefulSet controller makes the pods, the test kubelet binds them to a node per zone and
runs the brokers and the controller from the ConfigMaps and Secrets it reads from the API.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from kubernetes import config as kube_config
from kubernetes import dynamic
from kubernetes.client import CoreV1Api

from confluent_ops.provision import load_spec, render
from confluent_ops.testing import KubeControlPlane, TestKubelet, eventually, resolve_kafka
from confluent_ops.testing._jvm import java_main
from confluent_ops.testing._processes import find_java, free_port

VERSION = "3.9.1"  # as conftest.py
CLIENTS = Path(__file__).parents[1] / "provision" / "java" / "RenderedClients.java"
MANAGER = "confluent-ops-tests"


def _apply(control_plane: KubeControlPlane, manifests: list[dict[str, Any]]) -> None:
    client = dynamic.DynamicClient(
        kube_config.new_client_from_config(config_file=str(control_plane.kubeconfig))
    )
    for body in manifests:
        resource = client.resources.get(api_version=body["apiVersion"], kind=body["kind"])
        resource.server_side_apply(
            body=body,
            name=body["metadata"]["name"],
            namespace=body["metadata"].get("namespace"),
            field_manager=MANAGER,
        )


def _core(control_plane: KubeControlPlane) -> CoreV1Api:
    return CoreV1Api(kube_config.new_client_from_config(config_file=str(control_plane.kubeconfig)))


def _ready(core: CoreV1Api, namespace: str, names: list[str]) -> bool:
    pods = {p.metadata.name: p for p in core.list_namespaced_pod(namespace).items}
    return all(
        name in pods
        and any(
            c.type == "Ready" and c.status == "True" for c in (pods[name].status.conditions or ())
        )
        for name in names
    )


def test_the_api_serves_and_the_controller_manager_reconciles(
    control_plane: KubeControlPlane,
) -> None:
    status, body = control_plane.get("/version")

    assert status == 200
    assert b'"gitVersion": "v1.34.4"' in body
    assert control_plane.get("/api/v1/namespaces/default/serviceaccounts/default")[0] == 200


@pytest.mark.slow  # the test command's fast version: test_steps_on_kube.py[one-broker]
def test_rendered_brokers_run_behind_their_pods_and_come_back_when_deleted(
    control_plane: KubeControlPlane, kubelet: TestKubelet, tmp_path: Path
) -> None:
    internal, replication, controller = free_port(), free_port(), free_port()
    spec = load_spec(
        "name: kube\nnamespace: kube-test\nversion: 7.9.1\nmetrics: {enabled: false}\n"
        f"kraft: {{replicas: 1, port: {controller}}}\n"
        f"kafka: {{replicas: 3, rack: {{}}, listeners: {{internal: {{port: {internal}}}, "
        f"replication: {{port: {replication}}}}}}}\n"
        "schema_registry: {}\n"
    )
    _apply(control_plane, [m.to_dict() for m in render(spec)])
    core = _core(control_plane)
    pods = ["kraft-0", "kafka-0", "kafka-1", "kafka-2", "schema-registry-0"]

    def all_ready() -> bool:
        kubelet.check()
        return _ready(core, "kube-test", pods)

    eventually(all_ready, timeout=180, what="every pod Ready")
    properties = tmp_path / "client.properties"
    properties.write_text(
        f"bootstrap.servers=kafka-client.kube-test.svc.cluster.local:{internal}\n"
    )

    def clients(topic: str) -> dict[str, str]:
        result = subprocess.run(
            [find_java(), *kubelet.java_flags(), "-Xmx256m",
             *java_main(CLIENTS, resolve_kafka(VERSION).libs), str(properties), "", topic,
             "10", "3"],
            capture_output=True, text=True, timeout=240, check=False,
        )  # fmt: skip
        return dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)

    facts = clients("through-the-api")
    assert facts.get("error") is None, facts
    assert facts["brokers"] == "0@zone-a,1@zone-b,2@zone-c"  # racks from the nodes' zones
    assert facts["consumed"] == "10"

    running = kubelet.running_pods()
    old_pid = running["kube-test/kafka-1"].pid
    core.delete_namespaced_pod("kafka-1", "kube-test")

    def replaced() -> bool:
        kubelet.check()
        now = kubelet.running_pods().get("kube-test/kafka-1")
        return now is not None and now.pid != old_pid and _ready(core, "kube-test", ["kafka-1"])

    eventually(replaced, timeout=180, what="kafka-1 deleted, made again and Ready")
    again = clients("through-the-api")
    assert again.get("error") is None, again
    assert again["isr"] == "3"
