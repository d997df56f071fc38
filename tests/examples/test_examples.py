"""The examples run as users run them (a fast configuration), and prove what they claim.

Each starts its own real cluster, runs a step with a workload and an ISR sampler throughout,
stops everything it started, and prints one JSON object as its last line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from confluent_ops.testing.pytest_plugin import require_testbed

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, *args: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), "--fast", *args],
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


def test_rolling_restart_example_loses_nothing_and_keeps_min_isr():
    require_testbed(kafka_versions=("4.1.1",))
    figures = run_example("rolling_restart_local.py")
    assert_safe(figures)
    assert figures["nodes_restarted"] == 4
    assert figures["max_brokers_down"] <= 1


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


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["rolling_restart_local.py", "rolling_upgrade_local.py", "scale_out_local.py"]
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
