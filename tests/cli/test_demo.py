"""``confluent-ops demo`` as a new user runs it: the whole story on a real local cluster.

The quick configuration (one controller, 12 MiB to move) runs the same steps as the default:
start on the older version with a checked workload, preflight, a throttled scale-out shown as a
plan first, a rolling upgrade with the metadata.version bump, a scale-in, everything stopped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from confluent_ops.testing.pytest_plugin import require_testbed

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _started_by(folder: Path) -> set[int]:
    """The processes whose command line names ``folder``: what a demo run there started (its
    clusters live in temporary folders under the ``TMPDIR`` it was given)."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes() if entry.name.isdigit() else b""
        except OSError:
            continue
        if str(folder).encode() in command:
            found.add(int(entry.name))
    return found


def _demo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    scratch = cwd / "tmp"
    scratch.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "confluent_ops", "demo", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "COLUMNS": "100", "TMPDIR": str(scratch)},
    )


def test_the_demo_tells_the_whole_story_safely_and_stops_everything(tmp_path):
    require_testbed(kafka_versions=("3.9.1", "4.1.1"))
    result = _demo("--quick", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["ok"] is True
    assert figures["lost"] == 0
    assert figures["acknowledged"] > 500
    assert figures["under_min_isr_samples"] == 0
    assert figures["throttles_left"] == 0
    assert figures["max_brokers_down"] <= 1
    assert figures["versions"] == ["4.1.1"]
    assert figures["metadata_version_after"] > figures["metadata_version_before"]
    for direction in ("scale_out", "scale_in"):
        moves = figures[direction]
        assert moves["replica_moves"] >= moves["lower_bound_moves"] > 0
        assert moves["bytes_moved"] > 0
    plot = tmp_path / figures["plot"]
    assert plot.read_bytes().startswith(PNG_MAGIC)
    assert plot.stat().st_size > 20_000
    story = result.stdout
    for shown in ("preflight", "plan: add broker 3", "lower bound", "rolling upgrade to 4.1.1"):
        assert shown in story
    assert "single-voter-quorum" in story  # the quick cluster's one controller, pointed out
    assert "messages lost" in story
    assert not _started_by(tmp_path), "the demo left a process running"


def test_the_plan_only_tour_needs_no_java_and_ends_with_its_figures(tmp_path):
    result = _demo("--plan-only", "--partitions", "600", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    # The generated cluster's topics are uneven: spreading them costs a few moves beyond the
    # 600 the new broker needs, and the bound counts them.
    assert 600 <= figures["lower_bound_moves"] <= figures["replica_moves"]
    assert figures["replica_moves"] <= 1.05 * figures["lower_bound_moves"]
    assert figures["waves"] > 0
    assert [p.name for p in tmp_path.iterdir()] == ["tmp"]  # no plot, no file: it only plans


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from-version", "2.8.0"], "needs Kafka 3.3+"),
        (["--to-version", "four"], "MAJOR.MINOR.PATCH"),
        (["--from-version", "4.1.1", "--to-version", "3.9.1"], "older than"),
    ],
)
def test_versions_the_story_cannot_run_are_refused_before_anything_starts(args, message, tmp_path):
    result = _demo(*args, cwd=tmp_path)
    assert result.returncode == 64
    assert message in result.stderr
    assert not list((tmp_path / "tmp").iterdir())  # nothing started, nothing written


@pytest.mark.slow  # about 15 s: the stop on Ctrl-C is the testbed's (tests/testing), proven there
def test_ctrl_c_stops_everything_the_demo_started_and_says_so(tmp_path):
    require_testbed(kafka_versions=("3.9.1", "4.1.1"))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    demo = subprocess.Popen(
        [sys.executable, "-m", "confluent_ops", "demo", "--quick"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "100", "TMPDIR": str(scratch)},
    )
    assert demo.stdout is not None
    for line in demo.stdout:
        if line.startswith("workload:"):  # the cluster serves, the workload runs
            break
    demo.send_signal(signal.SIGINT)
    _, err = demo.communicate(timeout=120)
    assert demo.returncode == 130
    assert "interrupted (Ctrl-C)" in err
    assert not _started_by(tmp_path), "the demo left a process running"
