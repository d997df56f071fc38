"""``confluent-ops testbed``: serving until a signal, a ready file, nothing left behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient
from process_helpers import gone

from confluent_ops.cli.main import main
from confluent_ops.testing import eventually
from confluent_ops.testing.pytest_plugin import require_testbed


def _serve_until_signal(
    tmp_path: Path,
    *args: str,
    while_serving: Callable[[dict[str, Any]], None] = lambda ready: None,
    sig: signal.Signals = signal.SIGTERM,
) -> dict[str, Any]:
    """Run the command, wait for its ready file, check it serves, signal it; the ready file."""
    ready_file = tmp_path / "ready.json"
    command = [
        sys.executable,
        "-m",
        "confluent_ops",
        "testbed",
        *args,
        "--ready-file",
        str(ready_file),
    ]
    log_path = tmp_path / "command.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:

            def written() -> bool:
                assert process.poll() is None, log_path.read_text()
                return ready_file.exists()

            eventually(written, what="the ready file", timeout=120)
            ready: dict[str, Any] = json.loads(ready_file.read_text())
            while_serving(ready)
        finally:
            process.send_signal(sig)
            code = process.wait(timeout=90)
    assert code == 0, log_path.read_text()
    address = ready.get("bootstrap") or ready.get("zookeeper") or ready["server"]
    assert f"serving on {address}" in log_path.read_text()  # a terminal user sees it too
    assert not ready_file.exists()
    assert all(gone(int(pid)) for pid in ready["pids"])
    return ready


def test_testbed_kafka_serves_until_sigterm_then_stops_every_process(tmp_path: Path) -> None:
    require_testbed(kafka_versions=("4.1.1",))

    def answers_metadata(ready: dict[str, Any]) -> None:
        admin = AdminClient({"bootstrap.servers": ready["bootstrap"]})
        assert set(admin.list_topics(timeout=15).brokers) == {0, 1}

    ready = _serve_until_signal(
        tmp_path, "kafka", "--brokers", "2", "--racks", "2", while_serving=answers_metadata
    )
    assert str(ready["bootstrap"]).count("127.0.0.1:") == 2
    assert ready["version"] == "4.1.1"
    assert len(ready["pids"]) == 3  # two brokers and the controller


def test_testbed_zookeeper_writes_its_hosts_and_stops_on_sigterm(tmp_path: Path) -> None:
    require_testbed(zookeeper=True)
    ready = _serve_until_signal(tmp_path, "zookeeper", "--servers", "1", sig=signal.SIGINT)
    assert str(ready["zookeeper"]).startswith("127.0.0.1:")
    assert len(ready["pids"]) == 1


@pytest.mark.parametrize(
    ("argv", "code", "reason"),
    [
        (
            ["testbed", "kafka", "--brokers", "1", "--sasl-plain", "nocolon", "--ready-file", "f"],
            64,
            "USER:PASS",
        ),
        (["testbed", "kafka", "--brokers", "0", "--ready-file", "f"], 64, "in 1..32"),
        (
            [
                "testbed",
                "kafka",
                "--brokers",
                "1",
                "--version",
                "4.1.1",
                "--zookeeper",
                "--ready-file",
                "f",
            ],
            65,
            "no ZooKeeper mode",
        ),
        (["testbed", "zookeeper", "--servers", "2", "--ready-file", "f"], 64, "choose from 1, 3"),
        (["testbed", "kafka", "--ready-file", "f"], 64, "--brokers"),
    ],
)
def test_bad_input_exits_with_its_code_and_one_line(
    argv: list[str], code: int, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == code
    err = capsys.readouterr().err
    assert reason in err
    assert err.count("\n") == 1


def test_an_unknown_version_exits_71_naming_the_version_and_kafka_home(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_testbed(kafka_versions=("4.1.1",))  # the resolver and its repository answer
    monkeypatch.setenv("CONFLUENT_OPS_CACHE", str(tmp_path))
    assert (
        main(["testbed", "kafka", "--brokers", "1", "--version", "4.1.99", "--ready-file", "f"])
        == 71
    )
    err = capsys.readouterr().err
    assert "4.1.99" in err
    assert "KAFKA_HOME" in err


def test_testbed_kube_serves_a_real_api_with_nodes_until_sigterm(tmp_path: Path) -> None:
    require_testbed(kube=True, kafka_versions=("3.9.1",))

    def nodes_registered(ready: dict[str, Any]) -> None:
        from kubernetes import config as kube_config
        from kubernetes.client import CoreV1Api

        core = CoreV1Api(kube_config.new_client_from_config(config_file=ready["kubeconfig"]))
        names = eventually(
            lambda: sorted(n.metadata.name for n in core.list_node().items),
            what="the kubelet's nodes",
            timeout=30,
        )
        assert names == ["east", "west"]

    ready = _serve_until_signal(
        tmp_path, "kube", "--zones", "east,west", while_serving=nodes_registered
    )
    assert ready["server"].startswith("https://127.0.0.1:")
    assert ready["nodes"] == ["east", "west"]
    assert len(ready["pids"]) == 3  # etcd, the apiserver, the controller manager
