"""The commands as users run them on a live cluster: plan from the cluster, export its files,
feed Kafka's own tools' output to plan, scale out and back in with the testbed's new brokers."""

from __future__ import annotations

import json
from pathlib import Path

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.cli.main import main
from confluent_ops.model import LogDirs
from confluent_ops.testing import Workload

REASSIGN = "org.apache.kafka.tools.reassign.ReassignPartitionsCommand"
LOG_DIRS = "org.apache.kafka.tools.LogDirsCommand"


def test_export_writes_the_three_files_plan_reads_and_plans_agree(
    kafka_cluster, topic_name, tmp_path, capsys
):
    topic = topic_name("export")
    kafka_cluster.create_topic(topic, partitions=6, replication_factor=2)
    bootstrap = kafka_cluster.bootstrap_servers
    assert main(["cluster", "export", "--bootstrap", bootstrap, "--out", str(tmp_path / "x")]) == 0
    capsys.readouterr()
    exported = tmp_path / "x"
    assert sorted(p.name for p in exported.iterdir()) == [
        "assignment.json",
        "brokers.json",
        "log-dirs.json",
    ]
    brokers = json.loads((exported / "brokers.json").read_text())
    assert [b["id"] for b in brokers["brokers"]] == [0, 1, 2]
    assert all(b["rack"] for b in brokers["brokers"])
    assert len(LogDirs.from_log_dirs_json((exported / "log-dirs.json").read_text()))
    files = [
        "--assignment",
        str(exported / "assignment.json"),
        "--brokers",
        str(exported / "brokers.json"),
        "--log-dirs",
        str(exported / "log-dirs.json"),
    ]
    assert main(["plan", "leaders", *files, "--output", str(tmp_path / "from-files.json")]) == 0
    assert (
        main(["plan", "leaders", "--bootstrap", bootstrap, "--output", str(tmp_path / "live.json")])
        == 0
    )
    assert (tmp_path / "from-files.json").read_text() == (tmp_path / "live.json").read_text()


def test_plan_takes_the_files_kafkas_own_tools_write(kafka_cluster, topic_name, tmp_path, capsys):
    """kafka-log-dirs --describe reports every topic; --generate names only those asked for."""
    topic = topic_name("kafkatools")
    kafka_cluster.create_topic(topic, partitions=3, replication_factor=2)
    bootstrap = kafka_cluster.bootstrap_servers
    topics = tmp_path / "topics.json"
    topics.write_text(json.dumps({"version": 1, "topics": [{"topic": topic}]}))
    generated = kafka_cluster.run_tool(
        REASSIGN,
        "--bootstrap-server",
        bootstrap,
        "--generate",
        "--topics-to-move-json-file",
        str(topics),
        "--broker-list",
        "0,1,2",
    )
    assert generated.returncode == 0, generated.stderr
    lines = generated.stdout.splitlines()
    current = lines[lines.index("Current partition replica assignment") + 1]
    (tmp_path / "current.json").write_text(current + "\n")
    described = kafka_cluster.run_tool(LOG_DIRS, "--bootstrap-server", bootstrap, "--describe")
    assert described.returncode == 0, described.stderr
    (tmp_path / "log-dirs.txt").write_text(described.stdout)  # as users save it, text lines too
    (tmp_path / "brokers.json").write_text(
        json.dumps({"version": 1, "brokers": [{"id": b, "rack": None} for b in (0, 1, 2)]})
    )
    code = main(
        [
            "plan",
            "rebalance",
            "--assignment",
            str(tmp_path / "current.json"),
            "--brokers",
            str(tmp_path / "brokers.json"),
            "--log-dirs",
            str(tmp_path / "log-dirs.txt"),
            "--output",
            str(tmp_path / "plan.json"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "log-dirs entries name partitions outside the assignment: ignored" in err


def test_scale_out_then_in_as_a_user_would(kafka_cluster_factory, tmp_path, capsys):
    cluster = kafka_cluster_factory(3, racks=3)
    cluster.create_topic(
        "orders", partitions=12, replication_factor=2, config={"min.insync.replicas": 1}
    )
    with Workload(cluster.bootstrap_servers, "orders", rate=100) as workload:
        workload.wait_for_acknowledged(100)
        new = cluster.add_broker()
        bootstrap = cluster.bootstrap_servers
        plan, summary = tmp_path / "out.json", tmp_path / "out-summary.json"
        assert main(["plan", "add-brokers", "--bootstrap", bootstrap, "--new", str(new),
                     "--output", str(plan), "--summary-json", str(summary)]) == 0  # fmt: skip
        report = json.loads(summary.read_text())
        assert report["replica_moves"] >= report["lower_bound_moves"] > 0
        share = next(b for b in report["brokers"] if b["broker"] == new)["replicas_after"]
        assert main(["reassign", "execute", "--plan", str(plan), "--bootstrap", bootstrap,
                     "--throttle", "20000000", "--concurrency", "2"]) == 0  # fmt: skip
        with KafkaAdapter.connect(bootstrap) as admin:
            after = admin.snapshot(sizes=False)
            assert len(after.partitions_on(new)) == share
            assert all(t.leader_rate is None for t in after.throttles.values())
        removal = tmp_path / "in.json"
        assert main(["plan", "remove-brokers", "--bootstrap", bootstrap, "--remove", str(new),
                     "--output", str(removal)]) == 0  # fmt: skip
        assert main(["reassign", "execute", "--plan", str(removal), "--bootstrap", bootstrap]) == 0
        with KafkaAdapter.connect(bootstrap) as admin:
            assert not admin.snapshot(sizes=False).partitions_on(new)
        cluster.remove_broker(new)
        workload.wait_for_acknowledged(100)
    assert workload.verdict is not None
    assert workload.verdict.ok, workload.verdict.summary()
    capsys.readouterr()
    assert main(["health", "--bootstrap", cluster.bootstrap_servers]) == 0
    assert Path(plan).exists()
