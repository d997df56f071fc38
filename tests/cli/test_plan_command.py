"""``confluent-ops plan``: files in, plan out, one-line errors and sysexits codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from confluent_ops.cli import _plan
from confluent_ops.cli.main import main
from confluent_ops.model import (
    BrokerCapacities,
    BrokerSet,
    ClusterAssignment,
    PartitionRates,
    synthetic_cluster,
)
from confluent_ops.planners import DEFAULT_GOALS, PlanOptions, goals_named


def _refused(capsys: pytest.CaptureFixture[str], out: Path, *needles: str) -> str:
    """The command's stderr, checked: one line naming each of ``needles``, and no output."""
    err = capsys.readouterr().err
    for needle in needles:
        assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    return err


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
    assert 120 <= summary["lower_bound_moves"] <= summary["replica_moves"]
    assert summary["replica_moves"] <= 1.05 * summary["lower_bound_moves"]
    assert all(goal["met"] for goal in summary["goals"])
    assert summary["execution"]["waves"]
    assert summary["execution"]["total_seconds"] > 0
    err = capsys.readouterr().err
    assert f"replica moves: {summary['replica_moves']} (lower bound " in err
    assert "goal topic-replica-distribution: met" in err
    assert "execution at 10,000,000 B/s per broker" in err


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
    _refused(capsys, files["out"], message)


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
    moves, bound = map(int, re.findall(r"replica moves: (\d+) \(lower bound (\d+)\)", out)[0])
    assert 300 <= bound <= moves <= 1.05 * bound
    assert "follower.replication.throttled.replicas=" in out


# -- capacities, the capacity threshold and the goals --------------------------------------


def _remove_one(files: dict[str, Path], *extra: str) -> list[str]:
    return [
        "plan",
        "remove-brokers",
        "--assignment",
        str(files["assignment"]),
        "--brokers",
        str(files["brokers"]),
        "--log-dirs",
        str(files["log_dirs"]),
        "--remove",
        "1",
        "--output",
        str(files["out"]),
        *extra,
    ]


@pytest.fixture
def options_seen(monkeypatch: pytest.MonkeyPatch) -> list[PlanOptions]:
    """Every PlanOptions the command builds, as it passed them to the planner."""
    seen: list[PlanOptions] = []

    def recording(**kwargs: object) -> PlanOptions:
        options = PlanOptions(**kwargs)  # type: ignore[arg-type]
        seen.append(options)
        return options

    monkeypatch.setattr(_plan, "PlanOptions", recording)
    return seen


def _with_volume_sizes(files: dict[str, Path], total_bytes: int, *, brokers: int = 0) -> None:
    """Give the log-dirs file volume sizes, as ``cluster export`` writes them: its one log dir
    (on broker 0) and an empty log dir on each broker up to ``brokers`` (exclusive)."""
    document = json.loads(files["log_dirs"].read_text().splitlines()[-1])
    document["brokers"][0]["logDirs"][0]["totalBytes"] = total_bytes
    document["brokers"] += [
        {
            "broker": b,
            "logDirs": [
                {"logDir": "/d", "error": None, "totalBytes": total_bytes, "partitions": []}
            ],
        }
        for b in range(1, brokers)
    ]
    files["log_dirs"].write_text(json.dumps(document))


def _broker_ids(files: dict[str, Path]) -> tuple[int, ...]:
    return BrokerSet.from_brokers_json(files["brokers"].read_text()).ids


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{broken", "not valid JSON for a capacities file"),
        ('{"version": 2, "brokers": []}', "unsupported capacities file version 2"),
        ('{"version": 1, "brokers": [{"id": 0}]}', "brokers[0].disk_bytes must be an integer"),
        (
            '{"version": 1, "brokers": [{"id": 0, "disk_bytes": 5}, {"id": 0, "disk_bytes": 5}]}',
            "brokers[1]: broker 0 is listed more than once",
        ),
    ],
)
def test_a_bad_capacities_file_exits_65_naming_it_in_one_line(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    capacities = files["out"].parent / "capacities.json"
    capacities.write_text(content)
    assert main(_remove_one(files, "--capacities", str(capacities))) == 65
    _refused(capsys, files["out"], f"{capacities}: ", message)


def test_a_missing_capacities_file_exits_66(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_remove_one(files, "--capacities", "/nonexistent/c.json")) == 66
    assert "/nonexistent/c.json" in capsys.readouterr().err
    assert not files["out"].exists()


@pytest.mark.parametrize("threshold", ["0", "0.0", "1.5", "-0.2", "nan", "inf", "x"])
def test_a_capacity_threshold_outside_0_to_1_is_a_usage_error(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], threshold: str
) -> None:
    assert main(_remove_one(files, "--capacity-threshold", threshold)) == 64
    _refused(capsys, files["out"], "--capacity-threshold", "above 0 and at most 1")


@pytest.mark.parametrize(
    ("goals", "message"),
    [
        ("no-such-goal", "unknown goal 'no-such-goal'"),
        ("leader-distribution,no-such-goal", "unknown goal 'no-such-goal'"),
        ("leader-distribution,leader-distribution", "named twice"),
        (",", "expected goal names"),
    ],
)
def test_a_bad_goal_list_is_a_usage_error_naming_the_known_goals(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], goals: str, message: str
) -> None:
    assert main(_remove_one(files, "--goals", goals)) == 64
    err = _refused(capsys, files["out"], "--goals", message)
    if message.startswith("unknown goal"):
        assert all(goal.name in err for goal in DEFAULT_GOALS)


def test_a_plan_with_capacities_passes_them_and_the_threshold_to_the_planner(
    files: dict[str, Path], options_seen: list[PlanOptions]
) -> None:
    capacities = files["out"].parent / "capacities.json"
    capacities.write_text(BrokerCapacities(dict.fromkeys(_broker_ids(files), 10**15)).to_json())
    _with_volume_sizes(files, 5, brokers=len(_broker_ids(files)))  # the file wins over these
    code = main(_remove_one(files, "--capacities", str(capacities), "--capacity-threshold", "0.9"))
    assert code == 0
    assert json.loads(files["out"].read_text())["partitions"]
    (options,) = options_seen
    assert options.capacities == BrokerCapacities.from_json(capacities.read_text())
    assert options.capacity_threshold == 0.9


def test_a_capacities_file_lacking_a_broker_is_refused_in_one_line(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    capacities = files["out"].parent / "capacities.json"
    capacities.write_text(BrokerCapacities({0: 10**15}).to_json())
    assert main(_remove_one(files, "--capacities", str(capacities))) == 65
    _refused(capsys, files["out"], "no disk size for broker(s) 1,")


def test_without_a_capacities_file_the_log_dirs_volume_sizes_are_the_capacities(
    files: dict[str, Path], options_seen: list[PlanOptions]
) -> None:
    ids = _broker_ids(files)
    _with_volume_sizes(files, 10**15, brokers=len(ids))
    assert main(_remove_one(files)) == 0
    (options,) = options_seen
    assert options.capacities == BrokerCapacities(dict.fromkeys(ids, 10**15))
    assert options.capacity_threshold == 0.8


def test_log_dirs_reporting_sizes_for_some_brokers_only_are_not_used_and_a_note_says_so(
    files: dict[str, Path], options_seen: list[PlanOptions], capsys: pytest.CaptureFixture[str]
) -> None:
    _with_volume_sizes(files, 10**15, brokers=2)
    assert main(_remove_one(files)) == 0
    (options,) = options_seen
    assert options.capacities is None
    missing = ",".join(str(b) for b in _broker_ids(files) if b >= 2)
    assert f"log dirs report no disk size for broker(s) {missing} " in capsys.readouterr().err


def test_without_capacities_anywhere_no_broker_is_constrained(
    files: dict[str, Path], options_seen: list[PlanOptions], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_remove_one(files)) == 0
    (options,) = options_seen
    assert options.capacities is None
    assert options.goals is None
    assert "capacities: not used" not in capsys.readouterr().err


def test_goals_are_passed_in_the_order_given(
    files: dict[str, Path], options_seen: list[PlanOptions]
) -> None:
    names = ["leader-distribution", "replica-distribution"]
    assert main(_remove_one(files, "--goals", " , ".join(names))) == 0
    (options,) = options_seen
    assert options.goals == goals_named(names)


# -- load rates ------------------------------------------------------------------------------

UNREACHABLE = "127.0.0.1:1"
"""A bootstrap nothing listens on: a test that reached it would fail with 69 after --timeout."""


def _rates_file(files: dict[str, Path], content: str) -> Path:
    rates = files["out"].parent / "rates.json"
    rates.write_text(content)
    return rates


def test_a_rates_file_is_passed_to_the_planner_and_said_to_be_used(
    files: dict[str, Path], options_seen: list[PlanOptions], capsys: pytest.CaptureFixture[str]
) -> None:
    assignment = ClusterAssignment.from_kafka_json(files["assignment"].read_text())
    rates = PartitionRates(dict.fromkeys(assignment, 1000.0), dict.fromkeys(assignment, 500.0))
    path = _rates_file(files, rates.to_json())
    assert main(_remove_one(files, "--rates", str(path))) == 0
    (options,) = options_seen
    assert options.rates == rates
    err = capsys.readouterr().err
    assert f"rates ({path}): {len(assignment)} partitions, {1000 * len(assignment):,} B/s in" in err
    assert json.loads(files["out"].read_text())["partitions"]


def test_without_rates_the_planner_gets_none(
    files: dict[str, Path], options_seen: list[PlanOptions], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_remove_one(files)) == 0
    (options,) = options_seen
    assert options.rates is None
    assert "rates (" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{broken", "not valid JSON for a rates file"),
        ('{"version": 2, "partitions": []}', "unsupported rates file version 2"),
        (
            '{"partitions": [{"topic": "t", "partition": 0, "bytes_in_per_second": -1}]}',
            "partitions[0].bytes_in_per_second must be >= 0, got -1",
        ),
        (
            '{"partitions": [{"topic": "t", "partition": 0, "bytes_in_per_second": 1},'
            ' {"topic": "t", "partition": 0, "bytes_in_per_second": 2}]}',
            "partitions[1]: partition t-0 is listed more than once",
        ),
    ],
)
@pytest.mark.parametrize("source", ["files", "bootstrap"])
def test_a_bad_rates_file_exits_65_naming_it_before_any_cluster_is_reached(
    files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    content: str,
    message: str,
    source: str,
) -> None:
    rates = _rates_file(files, content)
    if source == "files":
        args = _remove_one(files, "--rates", str(rates))
    else:
        args = ["plan", "rebalance", "--bootstrap", UNREACHABLE, "--rates", str(rates),
                "--output", str(files["out"])]  # fmt: skip
    assert main(args) == 65
    _refused(capsys, files["out"], f"{rates}: ", message)


def test_a_missing_rates_file_exits_66(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_remove_one(files, "--rates", "/nonexistent/r.json")) == 66
    _refused(capsys, files["out"], "/nonexistent/r.json")


def test_sampling_rates_without_a_cluster_is_a_usage_error(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_remove_one(files, "--sample-rates", "5")) == 64
    _refused(capsys, files["out"], "--sample-rates measures a live cluster and needs --bootstrap")


def test_a_rates_file_and_sampling_together_are_a_usage_error(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rates = _rates_file(files, '{"version": 1, "partitions": []}')
    args = ["plan", "rebalance", "--bootstrap", UNREACHABLE, "--rates", str(rates),
            "--sample-rates", "5", "--output", str(files["out"])]  # fmt: skip
    assert main(args) == 64
    assert "either --rates or --sample-rates" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-3", "0.0", "nan", "inf", "x", "86401"])
@pytest.mark.parametrize("command", [["plan", "rebalance"], ["cluster", "export"]])
def test_a_sampling_time_that_is_not_a_positive_duration_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, command: list[str]
) -> None:
    out = ["--out", str(tmp_path / "x")] if command[0] == "cluster" else []
    args = [*command, "--bootstrap", UNREACHABLE, *out, "--sample-rates", value]
    assert main(args) == 64
    _refused(capsys, tmp_path / "x", "--sample-rates", "expected seconds", repr(value))
