"""The plugin as a user meets it: a failing test's report carries its brokers' logs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from confluent_ops.testing.pytest_plugin import require_testbed

FAILING_TEST = """
def test_that_fails_after_starting_a_cluster(kafka_cluster_factory):
    cluster = kafka_cluster_factory(1)
    print("PIDS", *cluster.pids())
    assert cluster.broker_ids == (7,)
"""


def test_a_failing_test_shows_its_process_logs_and_leaves_no_process(tmp_path: Path) -> None:
    require_testbed(kafka_versions=("4.1.1",))
    (tmp_path / "test_user.py").write_text(FAILING_TEST)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "confluent_ops.testing.pytest_plugin",
         "-p", "no:cacheprovider", "-q", "-s", str(tmp_path / "test_user.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "confluent-ops testbed logs" in result.stdout
    assert "--- broker-0 (" in result.stdout
    assert "--- controller-3000 (" in result.stdout
    pids_line = next(line for line in result.stdout.splitlines() if line.startswith("PIDS"))
    for pid in (int(text) for text in pids_line.split()[1:]):
        assert not Path(f"/proc/{pid}").exists()
