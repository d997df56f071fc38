"""``confluent-ops plan`` on brokers with several log directories (JBOD)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from confluent_ops.cli.main import main
from confluent_ops.model import (
    Broker,
    BrokerSet,
    ClusterAssignment,
    LogDir,
    LogDirs,
    ReplicaLog,
    TopicPartition,
)

PARTITIONS = 8


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Broker 0 holds every partition; brokers 1 and 2 are empty, each with two directories."""
    tps = [TopicPartition("orders", p) for p in range(PARTITIONS)]
    assignment = ClusterAssignment({tp: (0,) for tp in tps})
    log_dirs = LogDirs(
        [LogDir(0, "/k0"), *(LogDir(b, f"/k{b}/{d}") for b in (1, 2) for d in "ab")],
        [ReplicaLog(tp, 0, "/k0", 1_000 * (p + 1)) for p, tp in enumerate(tps)],
    )
    paths = {
        "assignment": tmp_path / "assignment.json",
        "brokers": tmp_path / "brokers.json",
        "log_dirs": tmp_path / "log-dirs.json",
        "out": tmp_path / "plan.json",
        "summary": tmp_path / "summary.json",
    }
    paths["assignment"].write_text(assignment.to_kafka_json())
    paths["brokers"].write_text(BrokerSet([Broker(b) for b in (0, 1, 2)]).to_brokers_json())
    paths["log_dirs"].write_text(log_dirs.to_log_dirs_json())
    return paths


def run(files: dict[str, Path], *extra: str) -> int:
    return main(
        [
            "plan",
            "remove-brokers",
            "--remove",
            "0",
            "--assignment",
            str(files["assignment"]),
            "--brokers",
            str(files["brokers"]),
            "--log-dirs",
            str(files["log_dirs"]),
            "--output",
            str(files["out"]),
            "--summary-json",
            str(files["summary"]),
            *extra,
        ]
    )


def test_the_plan_names_a_dir_for_every_replica_new_on_a_jbod_broker(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(files) == 0
    entries = json.loads(files["out"].read_text())["partitions"]
    assert len(entries) == PARTITIONS
    for entry in entries:
        (broker,) = entry["replicas"]
        assert entry["log_dirs"][0] in (f"/k{broker}/a", f"/k{broker}/b")
    summary = json.loads(files["summary"].read_text())
    assert summary["intra_broker_moves"] == 0  # nothing was on brokers 1 and 2 to move
    by_dir = {(d["broker"], d["path"]): d["bytes_after"] for d in summary["log_dirs"]}
    assert set(by_dir) == {(1, "/k1/a"), (1, "/k1/b"), (2, "/k2/a"), (2, "/k2/b")}
    assert sum(by_dir.values()) == sum(1_000 * (p + 1) for p in range(PARTITIONS))
    assert "intra-broker moves: 0" in capsys.readouterr().err


def test_no_log_dirs_leaves_them_to_the_brokers(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(files, "--no-log-dirs") == 0
    entries = json.loads(files["out"].read_text())["partitions"]
    assert all("log_dirs" not in entry for entry in entries)
    assert json.loads(files["summary"].read_text())["log_dirs"] == []
    assert "intra-broker moves" not in capsys.readouterr().err
