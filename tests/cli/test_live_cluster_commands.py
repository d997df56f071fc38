"""The commands as users run them on a live cluster: plan from the cluster, export its files,
feed Kafka's own tools' output to plan, scale out and back in with the testbed's new brokers."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from confluent_kafka import Consumer, Producer

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.cli.main import main
from confluent_ops.model import LogDirs, PartitionRates, TopicPartition
from confluent_ops.testing import Workload, eventually

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


def test_export_samples_each_partitions_load_while_a_client_produces_and_consumes(
    kafka_cluster, topic_name, tmp_path, capsys
):
    """A steady 100 messages of 1,000 bytes a second into partitions 0 and 1 (2 untouched),
    read by a group that commits every 200 ms, sampled for 3 s."""
    topic = topic_name("rates")
    kafka_cluster.create_topic(topic, partitions=3, replication_factor=2)
    bootstrap = kafka_cluster.bootstrap_servers
    written = (TopicPartition(topic, 0), TopicPartition(topic, 1))
    untouched = TopicPartition(topic, 2)
    stop = threading.Event()
    acked: Counter[int] = Counter()
    committed: dict[int, int] = {}

    def produce() -> None:
        def delivered(error, message) -> None:
            if error is None:
                acked.update([message.partition()])

        producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
        next_send = time.monotonic()
        while not stop.is_set():
            for tp in written:
                producer.produce(topic, b"x" * 1000, partition=tp.partition, on_delivery=delivered)
            next_send += 0.01
            producer.poll(0)
            stop.wait(max(0.0, next_send - time.monotonic()))
        producer.flush(10)

    def consume() -> None:
        def on_commit(error, partitions) -> None:
            committed.update({p.partition: p.offset for p in partitions if p.error is None})

        consumer = Consumer(
            {"bootstrap.servers": bootstrap, "group.id": f"rates-{uuid.uuid4()}",
             "auto.offset.reset": "earliest", "auto.commit.interval.ms": 200,
             "on_commit": on_commit}
        )  # fmt: skip
        consumer.subscribe([topic])
        while not stop.is_set():
            consumer.poll(0.1)
        consumer.close()

    threads = [threading.Thread(target=produce), threading.Thread(target=consume)]
    for thread in threads:
        thread.start()
    try:
        eventually(
            lambda: all(committed.get(tp.partition, 0) > 0 for tp in written),
            what="the group to commit offsets of both written partitions",
        )
        started, acked_before = time.monotonic(), sum(acked.values())
        out = tmp_path / "export"
        args = ["--bootstrap", bootstrap, "--sample-rates", "3"]
        assert main(["cluster", "export", *args, "--out", str(out)]) == 0
        produced = (sum(acked.values()) - acked_before) * 1000 / (time.monotonic() - started) / 2
        assert "rates.json into" in capsys.readouterr().out
        plan = ["plan", "leaders", "--bootstrap", bootstrap, "--sample-rates", "1"]
        assert main([*plan, "--output", str(tmp_path / "plan.json")]) == 0
        assert "rates (sampled over 1 s): " in capsys.readouterr().err
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    rates = PartitionRates.from_json((out / "rates.json").read_text(), source="rates.json")
    measured = {
        str(tp): (rates.bytes_in_of(tp), rates.bytes_out_of(tp))
        for tp in rates
        if tp.topic == topic
    }
    print(f"produced {produced:,.0f} B/s per partition; measured (in, out): {measured}")
    for tp in written:
        assert produced / 2 <= rates.bytes_in_of(tp) <= produced * 2, measured
        assert rates.bytes_out_of(tp) > 0, measured
    assert rates.bytes_in[untouched] == 0.0
    assert rates.bytes_out[untouched] == 0.0
