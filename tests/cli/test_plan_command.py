"""``confluent-ops plan``: files in, plan out, one-line errors and sysexits codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from confluent_ops.cli.main import main
from confluent_ops.model import ClusterAssignment, synthetic_cluster


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    cluster, new = synthetic_cluster(
        rack_sizes=(2, 2, 2), partitions=120, seed=5
    ).with_new_brokers()
    assignment = tmp_path / "assignment.json"
    assignment.write_text(cluster.assignment.to_kafka_json())
    brokers = tmp_path / "brokers.json"
    brokers.write_text(cluster.brokers.to_brokers_json())
    assert cluster.sizes is not None
    log_dirs = tmp_path / "log-dirs.json"
    entries = [
        {"partition": str(tp), "size": size, "offsetLag": 0, "isFuture": False}
        for tp, size in cluster.sizes.sizes.items()
    ]
    log_dirs.write_text(
        "Querying brokers for log directories information\n"
        "Received log directory information from brokers 0,1,2,3,4,5\n"
        + json.dumps(
            {
                "version": 1,
                "brokers": [
                    {
                        "broker": 0,
                        "logDirs": [{"logDir": "/d", "error": None, "partitions": entries}],
                    }
                ],
            }
        )
        + "\n"
    )
    return {
        "assignment": assignment,
        "brokers": brokers,
        "log_dirs": log_dirs,
        "out": tmp_path / "plan.json",
        "summary": tmp_path / "summary.json",
        "new": Path(",".join(map(str, new))),
    }


def test_add_brokers_writes_the_plan_the_summary_and_a_human_report(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "plan",
            "add-brokers",
            "--assignment",
            str(files["assignment"]),
            "--brokers",
            str(files["brokers"]),
            "--log-dirs",
            str(files["log_dirs"]),
            "--new",
            str(files["new"]),
            "--output",
            str(files["out"]),
            "--summary-json",
            str(files["summary"]),
            "--throttle",
            "10000000",
            "--concurrency",
            "2",
        ]
    )
    assert code == 0
    plan = json.loads(files["out"].read_text())
    assert plan["version"] == 1
    assert all(set(p) == {"topic", "partition", "replicas"} for p in plan["partitions"])
    summary = json.loads(files["summary"].read_text())
    assert summary["replica_moves"] == summary["lower_bound_moves"] == 120
    assert summary["execution"]["waves"]
    assert summary["execution"]["total_seconds"] > 0
    err = capsys.readouterr().err
    assert "replica moves: 120 (lower bound 120)" in err
    assert "wave(s) at 10,000,000 B/s" in err


def test_plan_goes_to_stdout_without_output(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "plan",
                "leaders",
                "--assignment",
                str(files["assignment"]),
                "--brokers",
                str(files["brokers"]),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    current = ClusterAssignment.from_kafka_json(files["assignment"].read_text())
    for entry in json.loads(out)["partitions"]:
        assert sorted(entry["replicas"]) == sorted(
            current.replicas(
                next(
                    tp
                    for tp in current
                    if tp.topic == entry["topic"] and tp.partition == entry["partition"]
                )
            )
        )


@pytest.mark.parametrize(
    ("content", "extra", "code", "message"),
    [
        ("{broken", [], 65, "not valid JSON"),
        (None, ["--remove", "42"], 65, "unknown broker 42"),
        (None, ["--remove", "0,1,2,3,4,5,6"], 65, "fewer than topic"),
        (None, ["--remove", "x"], 64, "expected broker ids"),
        (None, ["--bogus"], 64, "unrecognized arguments"),
    ],
)
def test_bad_input_exits_with_its_code_one_line_and_no_output_file(
    files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    extra: list[str],
    code: int,
    message: str,
) -> None:
    if content is not None:
        files["assignment"].write_text(content)
    args = [
        "plan",
        "remove-brokers",
        "--assignment",
        str(files["assignment"]),
        "--brokers",
        str(files["brokers"]),
        "--output",
        str(files["out"]),
    ]
    if "--remove" not in extra:
        args += ["--remove", "1"]
    assert main(args + extra) == code
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not files["out"].exists()


def test_missing_file_exits_66(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "plan",
            "rebalance",
            "--assignment",
            "/nonexistent/a.json",
            "--brokers",
            str(files["brokers"]),
        ]
    )
    assert code == 66
    assert "/nonexistent/a.json" in capsys.readouterr().err


def test_new_broker_holding_replicas_is_refused(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "plan",
            "add-brokers",
            "--assignment",
            str(files["assignment"]),
            "--brokers",
            str(files["brokers"]),
            "--new",
            "0",
        ]
    )
    assert code == 65
    assert "broker 0 is named as new but already holds" in capsys.readouterr().err


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "confluent_ops", "plan", "rebalance", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0
    assert "--max-moves" in result.stdout


def test_demo_runs_without_a_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--plan-only", "--partitions", "300"]) == 0
    out = capsys.readouterr().out
    assert "replica moves: 300 (lower bound 300)" in out
    assert "follower.replication.throttled.replicas=" in out
