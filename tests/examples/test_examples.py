"""The examples run as users run them (a fast configuration), and prove what they claim.

Each script prints one JSON object as its last line; those that need Kafka start their own real
cluster (a step with a workload and an ISR sampler throughout) and stop everything they started.
The runbook notebook runs in a real kernel with nbclient.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest
from nbformat.v4 import new_code_cell

from confluent_ops.testing.pytest_plugin import require_testbed

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RUNBOOK = EXAMPLES / "rebalance_runbook.ipynb"


def run_example(name: str, *args: str, fast: bool = True) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *(["--fast"] if fast else []), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    figures: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def assert_safe(figures: dict[str, object]) -> None:
    assert figures["ok"] is True
    assert figures["lost"] == 0
    assert figures["under_min_isr_samples"] == 0
    assert figures["throttles_left"] == 0
    assert float(figures["duration_s"]) > 0  # type: ignore[arg-type]


@pytest.mark.slow  # the roll itself is proven by tests/steps and the demo test, in the test command
def test_rolling_restart_example_loses_nothing_and_keeps_min_isr():
    require_testbed(kafka_versions=("4.1.1",))
    figures = run_example("rolling_restart_local.py")
    assert_safe(figures)
    assert figures["nodes_restarted"] == 4
    assert figures["max_brokers_down"] <= 1


@pytest.mark.slow  # the demo test rolls 3.9.1 to 4.1.1 and bumps the metadata level the same way
def test_rolling_upgrade_example_reaches_the_new_version_and_metadata_level():
    require_testbed(kafka_versions=("3.9.1", "4.1.1"))
    figures = run_example("rolling_upgrade_local.py")
    assert_safe(figures)
    assert figures["versions"] == ["4.1.1"]
    assert figures["metadata_version_after"] > figures["metadata_version_before"]


def test_scale_out_example_moves_the_fewest_replicas_under_a_throttle():
    require_testbed(kafka_versions=("4.1.1",))
    figures = run_example("scale_out_local.py")
    assert_safe(figures)
    assert figures["replica_moves"] >= figures["lower_bound_moves"] > 0
    assert figures["bytes_moved"] > 0


def test_plan_live_example_plans_at_least_the_lower_bound_and_executes_nothing(tmp_path):
    require_testbed(kafka_versions=("4.1.1",))
    output = tmp_path / "plan.json"
    figures = run_example("plan_live.py", "--output", str(output))
    assert figures["ok"] is True
    assert figures["untouched"] is True
    assert figures["replica_moves"] >= figures["lower_bound_moves"] > 0
    assert figures["bytes_moved"] > 0
    assert figures["replica_spread_after"] <= 1 < figures["replica_spread_before"]
    assert figures["waves"] >= 1
    assert figures["estimate_s"] > 0
    plan = json.loads(output.read_text())
    assert plan["version"] == 1
    assert len(plan["partitions"]) == figures["partitions_changed"] > 0
    assert all(len(set(p["replicas"])) == len(p["replicas"]) for p in plan["partitions"])
    assert any(3 in p["replicas"] for p in plan["partitions"]), "broker 3 receives nothing"


PRIVATE_FILES = ("tls.key", "ca.key", "keystore", "truststore", "password", ".properties", ".json")


def test_certificates_example_writes_keys_and_stores_0600_and_checks_them(tmp_path):
    out = tmp_path / "certs"
    figures = run_example("certificates.py", "--out", str(out), fast=False)
    assert figures["ok"] is True
    assert figures["checks"]
    assert all(figures["checks"].values()), figures["checks"]
    files = figures["files"]
    for name in ("ca/ca.key", "kafka-0/tls.key", "alice/tls.key", "kafka-0/keystore.jks"):
        assert name in files
    for name, mode in files.items():
        on_disk = stat.S_IMODE((out / name).stat().st_mode)
        assert oct(on_disk) == mode
        private = any(part in Path(name).name for part in PRIVATE_FILES)
        assert on_disk == (0o600 if private else 0o644), name
    assert "kafka-0.kafka.confluent.svc.cluster.local" in figures["broker_dns_names"]
    assert figures["client_subject"].startswith("CN=alice")


def test_certificates_example_removes_its_temporary_folder():
    figures = run_example("certificates.py", "--key-type", "ec-p256", fast=False)
    assert figures["ok"] is True
    assert figures["kept"] is False
    assert not Path(str(figures["out"])).exists()


def test_certificates_example_client_settings_reach_a_real_ssl_broker():
    require_testbed(kafka_versions=("4.1.1",))
    figures = run_example("certificates.py", "--kafka", "--key-type", "ec-p256", fast=False)
    assert figures["ok"] is True
    assert figures["checks"]["real_broker_reached"] is True


def test_render_platform_example_keeps_secrets_in_secrets_with_mode_0600(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    figures = run_example("render_platform.py", "--out", str(first), fast=False)
    assert figures["ok"] is True
    counts = figures["counts"]
    assert counts["StatefulSet"] == len(figures["components"]) == 8
    assert counts["Secret"] == figures["secrets"] > 0
    assert figures["secret_values_found_in_secrets"] > 0
    assert figures["secrets_outside_secrets"] == []
    assert figures["same_bytes_again"] is True
    written = sorted(p.name for p in first.glob("*.yaml"))
    assert len(written) == figures["files"] == figures["objects"] == sum(counts.values())
    for name in written:
        mode = stat.S_IMODE((first / name).stat().st_mode)
        assert mode == (0o600 if "-secret-" in name else 0o644), name
    run_example("render_platform.py", "--out", str(second), fast=False)
    for name in written:  # new material, new keys: only the Secrets differ
        if "-secret-" not in name:
            assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_controller_loop_example_converges_and_a_second_reconcile_does_nothing():
    require_testbed(kafka_versions=("4.1.1",))
    figures = run_example("controller_loop.py", "--desired", "4,3")
    assert_safe(figures)
    assert figures["actions"] == ["scale-out +1", "nothing", "scale-in -[3]", "nothing"]
    assert figures["rounds"] == 4
    assert figures["brokers_final"] == [0, 1, 2]


def _outputs(cell: nbformat.NotebookNode) -> str:
    return "".join(str(output.get("text", "")) for output in cell.get("outputs", []))


def _tagged(notebook: nbformat.NotebookNode, tag: str) -> int:
    return next(i for i, cell in enumerate(notebook.cells) if tag in cell.metadata.get("tags", []))


def _pids(cell: nbformat.NotebookNode) -> list[int]:
    line = next(x for x in _outputs(cell).splitlines() if x.startswith("cluster pids: "))
    return list(json.loads(line.removeprefix("cluster pids: ")))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_runbook_is_kept_without_outputs():
    notebook = nbformat.read(RUNBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_the_runbook_rebalances_a_cluster_and_ends_healthy(monkeypatch):
    require_testbed(kafka_versions=("4.1.1",))
    monkeypatch.setenv("CONFLUENT_OPS_EXAMPLE_FAST", "1")
    monkeypatch.delenv("CONFLUENT_OPS_EXAMPLE_BOOTSTRAP", raising=False)
    notebook = nbformat.read(RUNBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    assert not errors
    kinds = {
        mime
        for cell in notebook.cells
        for o in cell.get("outputs", [])
        for mime in o.get("data", {})
    }
    assert {"text/html", "image/png"} <= kinds, "the plan's table and plot"
    text = _outputs(notebook.cells[_tagged(notebook, "health")])
    health = json.loads(text.split("HEALTH ", 1)[1].splitlines()[0])
    assert health["status"] == "healthy"
    assert health["as_planned"] is True
    assert health["lost"] == 0
    assert health["under_min_isr_samples"] == 0
    assert health["throttles_left"] == 0
    assert health["partitions_moved"] == health["partitions_changed"] > 0
    assert health["replica_moves"] >= health["lower_bound_moves"] > 0
    assert "stopped" in _outputs(notebook.cells[_tagged(notebook, "stop")])
    pids = _pids(notebook.cells[_tagged(notebook, "start")])
    assert pids
    assert not [pid for pid in pids if _running(pid)]


def test_the_runbook_stops_its_cluster_when_a_cell_fails(monkeypatch):
    require_testbed(kafka_versions=("4.1.1",))
    monkeypatch.setenv("CONFLUENT_OPS_EXAMPLE_FAST", "1")
    monkeypatch.delenv("CONFLUENT_OPS_EXAMPLE_BOOTSTRAP", raising=False)
    notebook = nbformat.read(RUNBOOK, as_version=4)
    start = _tagged(notebook, "start")
    notebook.cells = [*notebook.cells[: start + 1], new_code_cell("raise RuntimeError('boom')")]
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="boom"):
        nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    pids = _pids(notebook.cells[start])
    assert pids
    assert not [pid for pid in pids if _running(pid)], "the kernel's exit stops them"


@pytest.mark.slow
def test_plan_live_example_on_a_cluster_it_is_given(tmp_path, kafka_cluster_factory):
    require_testbed(kafka_versions=("4.1.1",))
    cluster = kafka_cluster_factory(brokers=4, racks=2)
    cluster.create_topic("piled", assignment=[(0, 1, 2), (1, 2, 0), (2, 0, 1)] * 2)
    output = tmp_path / "plan.json"
    figures = run_example(
        "plan_live.py",
        "--bootstrap",
        cluster.bootstrap_servers,
        "--new",
        "3",
        "--output",
        str(output),
        fast=False,
    )
    assert figures["ok"] is True
    assert figures["request"] == "add brokers 3"
    assert figures["replica_moves"] >= figures["lower_bound_moves"] > 0


@pytest.mark.slow
def test_the_runbook_in_full(monkeypatch):
    require_testbed(kafka_versions=("4.1.1",))
    monkeypatch.delenv("CONFLUENT_OPS_EXAMPLE_FAST", raising=False)
    monkeypatch.delenv("CONFLUENT_OPS_EXAMPLE_BOOTSTRAP", raising=False)
    notebook = nbformat.read(RUNBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=1800, kernel_name="python3").execute()
    text = _outputs(notebook.cells[_tagged(notebook, "health")])
    assert json.loads(text.split("HEALTH ", 1)[1].splitlines()[0])["status"] == "healthy"


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "rolling_restart_local.py",
        "rolling_upgrade_local.py",
        "scale_out_local.py",
        "controller_loop.py",
    ],
)
def test_the_examples_in_full(name):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert_safe(json.loads(result.stdout.strip().splitlines()[-1]))
