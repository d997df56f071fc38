"""The Kube adapter on a real API server: apply, dry run, diff, conflicts, idempotence, waits."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from confluent_ops.adapters.kube import KubeAdapter
from confluent_ops.cli.main import main
from confluent_ops.errors import FieldConflict
from confluent_ops.provision import load_spec, render
from confluent_ops.provision.diff import object_diff
from confluent_ops.steps.provision import Provision
from confluent_ops.testing import KubeControlPlane, TestKubelet
from confluent_ops.testing._processes import free_port


@pytest.fixture
def kube(control_plane: KubeControlPlane) -> Iterator[KubeAdapter]:
    adapter = KubeAdapter.from_kubeconfig(control_plane.kubeconfig)
    yield adapter
    adapter.close()


def _config_map(namespace: str, data: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace, "labels": {"owner": "tests"}},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": namespace, "labels": {"app": "x"}},
            "data": data,
        },
    ]


def test_apply_creates_then_leaves_alone_then_configures(kube: KubeAdapter) -> None:
    first = kube.apply(_config_map("adapter-a", {"a": "1"}))
    again = kube.apply(_config_map("adapter-a", {"a": "1"}))
    changed = kube.apply(_config_map("adapter-a", {"a": "2"}))

    assert [item.outcome for item in first] == ["created", "created"]
    assert [item.outcome for item in again] == ["unchanged", "unchanged"]
    assert changed[1].outcome == "configured"
    assert changed[1].result["data"] == {"a": "2"}


def test_a_dry_run_is_judged_by_the_server_and_changes_nothing(kube: KubeAdapter) -> None:
    kube.apply(_config_map("adapter-b", {"a": "1"}))

    preview = kube.apply(_config_map("adapter-b", {"a": "3"}), dry_run=True)
    created = kube.apply(_config_map("adapter-b-new", {"a": "1"}), dry_run=True)
    live = kube.apply(_config_map("adapter-b", {"a": "1"}))

    assert preview[1].outcome == "configured"
    assert "-  a: '1'" in object_diff(preview[1].live, preview[1].result)
    assert "+  a: '3'" in object_diff(preview[1].live, preview[1].result)
    assert [item.outcome for item in created] == ["created", "created"]
    assert [item.checked for item in created] == [True, False]  # no namespace to judge it in
    assert live[1].outcome == "unchanged"  # the dry run wrote nothing


def test_a_field_another_manager_owns_is_a_conflict_naming_it_until_forced(
    kube: KubeAdapter, control_plane: KubeControlPlane
) -> None:
    kube.apply(_config_map("adapter-c", {"a": "1"}))
    other = KubeAdapter.from_kubeconfig(control_plane.kubeconfig, field_manager="someone-else")
    try:
        other.apply(_config_map("adapter-c", {"a": "9"}), force=True)
    finally:
        other.close()

    with pytest.raises(FieldConflict) as caught:
        kube.apply(_config_map("adapter-c", {"a": "1"}))
    assert caught.value.conflicts == ((".data.a", "someone-else"),)
    assert "ConfigMap adapter-c/settings" in str(caught.value)
    taken = kube.apply(_config_map("adapter-c", {"a": "1"}), force=True)
    assert taken[1].result["data"] == {"a": "1"}


def test_pods_are_found_by_label_selector(kube: KubeAdapter, kubelet: TestKubelet) -> None:
    spec = load_spec(
        "name: sel\nnamespace: adapter-d\nmetrics: {enabled: false}\n"
        f"kraft: {{replicas: 1, port: {free_port()}}}\n"
        "schema_registry: {replicas: 2}\n"
    )
    step = Provision(kube, render(spec))
    step.run(wait=False)
    registry = {"app.kubernetes.io/component": "schema-registry"}

    from confluent_ops.testing import eventually

    found = eventually(
        lambda: len(kube.pods("adapter-d", registry)) == 2 and kube.pods("adapter-d", registry),
        timeout=60,
        what="the two Schema Registry pods",
    )
    assert sorted(p["metadata"]["name"] for p in found) == [
        "schema-registry-0",
        "schema-registry-1",
    ]


def test_provision_applies_a_platform_and_waits_until_its_brokers_are_ready(
    control_plane: KubeControlPlane, kubelet: TestKubelet, tmp_path: Path, capsys: Any
) -> None:
    spec = tmp_path / "platform.yaml"
    spec.write_text(
        "name: prov\nnamespace: provision-test\nmetrics: {enabled: false}\n"
        f"kraft: {{replicas: 1, port: {free_port()}}}\n"
        f"kafka: {{replicas: 3, listeners: {{internal: {{port: {free_port()}}}, "
        f"replication: {{port: {free_port()}}}}}}}\n"
        f"connect: {{replicas: 1, port: {free_port()}}}\n"
    )
    argv = ["provision", "--spec", str(spec), "--kubeconfig", str(control_plane.kubeconfig)]

    assert main([*argv, "--dry-run"]) == 0
    preview = capsys.readouterr().out
    assert "would be created" in preview
    assert "created  StatefulSet provision-test/kafka" in preview
    assert main([*argv, "--stall", "180"]) == 0
    done = capsys.readouterr().out
    assert "were created" in done
    assert main([*argv, "--diff"]) == 0
    again = capsys.readouterr().out
    assert "0 were created, 0 were changed" in again
    kube = KubeAdapter.from_kubeconfig(control_plane.kubeconfig)
    try:
        status = kube.statefulset("kafka", "provision-test")
    finally:
        kube.close()
    assert status is not None
    assert (status.ready, status.replicas) == (3, 3)
    worker = kubelet.running_pods()["provision-test/connect-0"]
    port = load_spec(spec.read_text()).connect.port  # type: ignore[union-attr]

    def connectors() -> list[str] | None:
        # the REST port answers before the worker has joined its group: 404 until it has
        try:
            url = f"http://{worker.address}:{port}/connectors"
            with urllib.request.urlopen(url, timeout=10) as reply:
                found: list[str] = json.loads(reply.read())
                return found
        except OSError:
            return None

    from confluent_ops.testing import eventually

    found = eventually(
        lambda: (result := connectors()) is not None and ("ok", result),
        timeout=120,
        what="the Connect worker's REST API",
    )
    assert found == ("ok", [])  # a real Connect worker, joined to its group


@pytest.mark.parametrize("policy", ["delete", pytest.param("retain", marks=pytest.mark.slow)])
def test_a_scale_in_removes_the_last_brokers_claim_only_when_the_spec_says_so(
    kube: KubeAdapter, kubelet: TestKubelet, control_plane: KubeControlPlane, policy: str
) -> None:
    from kubernetes import config as kube_config
    from kubernetes.client import CoreV1Api

    from confluent_ops.adapters import KubeBrokerLifecycle
    from confluent_ops.testing import eventually

    namespace = f"claims-{policy}"
    spec = load_spec(
        f"name: claims\nnamespace: {namespace}\nmetrics: {{enabled: false}}\n"
        f"kraft: {{replicas: 1, port: {free_port()}}}\n"
        f"kafka: {{replicas: 2, storage: {{on_scale_in: {policy}}}, listeners: "
        f"{{internal: {{port: {free_port()}}}, replication: {{port: {free_port()}}}}}}}\n"
    )
    Provision(kube, render(spec)).run()
    core = CoreV1Api(kube_config.new_client_from_config(config_file=str(control_plane.kubeconfig)))

    def claims() -> list[str]:
        return sorted(c.metadata.name for c in core.list_namespaced_persistent_volume_claim(
            namespace).items if c.metadata.deletion_timestamp is None)  # fmt: skip

    assert claims() == ["data-kafka-0", "data-kafka-1", "data-kraft-0"]
    KubeBrokerLifecycle(kube, namespace).remove_broker(1)

    if policy == "delete":
        eventually(
            lambda: claims() == ["data-kafka-0", "data-kraft-0"],
            timeout=60,
            what="the removed broker's claim deleted",
        )
    else:
        assert claims() == ["data-kafka-0", "data-kafka-1", "data-kraft-0"]
