"""``confluent-ops health`` and ``reassign`` on the real cluster: output and exit codes."""

from __future__ import annotations

import json

import pytest

from confluent_ops.cli.main import main
from confluent_ops.model import TopicPartition


def write_plan(admin, topic, path):
    snapshot = admin.snapshot(sizes=False)
    entries = []
    for tp, p in snapshot.partitions.items():
        if tp.topic == topic:
            spare = next(b for b in snapshot.broker_ids if b not in p.replicas)
            entries.append(
                {"topic": topic, "partition": tp.partition, "replicas": [spare, p.replicas[0]]}
            )
    path.write_text(json.dumps({"version": 1, "partitions": entries}))
    return path


def test_health_table_and_json(admin, capsys):
    code = main(["health", "--bootstrap", admin.servers])
    out = capsys.readouterr().out
    assert code in (0, 1)  # the shared cluster is healthy (or briefly catching up)
    assert "status" in out
    assert "under-replicated" in out
    code = main(["health", "--bootstrap", admin.servers, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["brokers"] == [0, 1, 2]
    assert code == {"healthy": 0, "degraded": 1, "critical": 2}[report["status"]]
    assert all(f["fix"] for f in report["findings"])
    if report["controller"] is not None and len(report["brokers"]) == 3:
        # the session cluster runs one dedicated controller: the lint says so
        assert "single-voter-quorum" in {f["code"] for f in report["findings"]}


def test_health_of_an_unreachable_cluster_exits_69_with_one_line(capsys):
    code = main(["health", "--bootstrap", "127.0.0.1:1", "--timeout", "1"])
    err = capsys.readouterr().err
    assert code == 69
    assert err.count("\n") == 1
    assert "within 1 s" in err


def test_reassign_execute_runs_to_the_end_and_verify_confirms(admin, topic_name, tmp_path, capsys):
    topic = topic_name("cli")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    plan = write_plan(admin, topic, tmp_path / "plan.json")
    argv = ["--plan", str(plan), "--bootstrap", admin.servers]
    assert main(["reassign", "execute", *argv, "--throttle", "50000000"]) == 0
    captured = capsys.readouterr()
    assert "1 done, 0 moving, 0 waiting, 0 failed" in captured.out
    assert "restored the throttles in force before execute" in captured.err
    assert not (tmp_path / "plan.json.state.json").exists()
    assert main(["reassign", "verify", *argv]) == 0
    assert f"{topic}-0: done" in capsys.readouterr().out
    target = json.loads(plan.read_text())["partitions"][0]["replicas"]
    assert list(admin.snapshot(sizes=False).partition(TopicPartition(topic, 0)).replicas) == target


def test_reassign_execute_no_wait_then_verify_until_done(admin, topic_name, tmp_path, capsys):
    topic = topic_name("nowait")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    plan = write_plan(admin, topic, tmp_path / "plan.json")
    argv = ["--plan", str(plan), "--bootstrap", admin.servers]
    assert main(["reassign", "execute", *argv, "--throttle", "50000000", "--no-wait"]) in (0, 1)
    capsys.readouterr()
    for _ in range(100):
        code = main(["reassign", "verify", *argv])
        out = capsys.readouterr().out
        if code != 1:
            break
    assert code == 0
    assert f"{topic}-0: done" in out
    assert not (tmp_path / "plan.json.state.json").exists()


def test_reassign_execute_dry_run_speaks_in_the_conditional_and_writes_nothing(
    admin, topic_name, tmp_path, capsys
):
    topic = topic_name("clidry")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    plan = write_plan(admin, topic, tmp_path / "plan.json")
    before = admin.snapshot(sizes=False)
    argv = ["--plan", str(plan), "--bootstrap", admin.servers, "--throttle", "1000"]
    assert main(["reassign", "execute", *argv, "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "would record the throttles in force" in captured.err
    assert "would set throttles on brokers" in captured.err
    assert "would start 1 partition move(s)" in captured.err
    assert "recorded the throttles" not in captured.err.replace("would record", "")
    assert "started" not in captured.err.replace("would start", "")
    assert "nothing was changed" in captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]
    after = admin.snapshot(sizes=False)
    assert after.topic(topic) == before.topic(topic)
    assert after.partition(TopicPartition(topic, 0)) == before.partition(TopicPartition(topic, 0))


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["reassign", "execute", "--plan", "/no/such/plan.json", "--bootstrap", "x:1"], 66),
        (["reassign", "verify", "--bootstrap", "x:1"], 64),
        (["reassign", "execute", "--plan", "p.json", "--bootstrap", "x:1", "--throttle", "0"], 64),
        (["health"], 64),
    ],
)
def test_usage_and_missing_files(argv, expected, capsys):
    assert main(argv) == expected
    assert capsys.readouterr().err.strip()


def test_plans_naming_unknown_things_exit_65_before_changing_anything(
    admin, topic_name, tmp_path, capsys
):
    topic = topic_name("cli-bad")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    plan = tmp_path / "bad.json"
    plan.write_text(
        json.dumps(
            {"version": 1, "partitions": [{"topic": topic, "partition": 0, "replicas": [0, 99]}]}
        )
    )
    assert (
        main(
            [
                "reassign",
                "execute",
                "--plan",
                str(plan),
                "--bootstrap",
                admin.servers,
                "--throttle",
                "1000",
            ]
        )
        == 65
    )
    assert "unknown broker 99" in capsys.readouterr().err
    assert not (tmp_path / "bad.json.state.json").exists()
    plan.write_text("{not json")
    assert main(["reassign", "verify", "--plan", str(plan), "--bootstrap", admin.servers]) == 65
