"""Health on a real cluster that loses a broker: offline partitions, the exit code, recovery,
and the same counts as Kafka's own ``kafka-topics --describe``."""

from __future__ import annotations

import json

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.cli.main import main
from confluent_ops.planners.health import HealthStatus, can_restart, cluster_health
from confluent_ops.testing import eventually

TOPIC_COMMAND = "org.apache.kafka.tools.TopicCommand"


def kafka_topics_count(cluster, flag: str) -> int:
    """How many partitions Kafka's own kafka-topics --describe lists under ``flag``."""
    result = cluster.run_tool(
        TOPIC_COMMAND, "--bootstrap-server", cluster.bootstrap_servers, "--describe", flag
    )
    assert result.returncode == 0, result.stderr
    return sum(1 for line in result.stdout.splitlines() if "Partition:" in line)


def test_a_stopped_broker_makes_its_only_replicas_offline_and_counts_agree_with_kafka(
    kafka_cluster_factory, capsys
):
    cluster = kafka_cluster_factory(2)
    cluster.create_topic("single", partitions=2, replication_factor=1)
    cluster.create_topic(
        "double", partitions=2, replication_factor=2, config={"min.insync.replicas": 1}
    )
    with KafkaAdapter.connect(cluster.bootstrap_servers) as admin:
        before = admin.snapshot(sizes=False)
        assert cluster_health(before).status is HealthStatus.HEALTHY
        assert can_restart(before, 1).allowed  # min ISR 1 everywhere: nothing blocks
        cluster.stop_broker(1)

        def degraded():
            report = cluster_health(admin.snapshot(sizes=False))
            offline = {tp.topic for tp in report.offline}
            under = {tp.topic for tp in report.under_replicated}
            return report if offline == {"single"} and under == {"single", "double"} else None

        report = eventually(degraded, what="broker 1's partitions to be offline", timeout=60)
        assert report.status is HealthStatus.CRITICAL
        # An offline partition is under-replicated and under min ISR too, in Kafka's counts
        # and in ours; offline stays a figure of its own.
        assert set(report.offline) <= set(report.under_min_isr)
        assert main(["health", "--bootstrap", cluster.bootstrap_servers, "--json"]) == 2
        counts = json.loads(capsys.readouterr().out)["counts"]
        assert counts["offline"] == kafka_topics_count(cluster, "--unavailable-partitions") == 1
        assert counts["under_replicated"] == kafka_topics_count(
            cluster, "--under-replicated-partitions"
        )
        assert counts["under_min_isr"] == kafka_topics_count(cluster, "--under-min-isr-partitions")
        assert counts["at_min_isr"] == kafka_topics_count(cluster, "--at-min-isr-partitions")
        assert main(["health", "--bootstrap", cluster.bootstrap_servers]) == 2
        assert "single-" in capsys.readouterr().out
        offline = next(p for p in admin.snapshot(sizes=False) if p.offline)
        assert offline.offline_replicas == (1,)
        cluster.start_broker(1)
        eventually(
            lambda: cluster_health(admin.snapshot(sizes=False)).status is HealthStatus.HEALTHY,
            what="the cluster to recover",
            timeout=90,
        )
        assert all(not p.offline_replicas for p in admin.snapshot(sizes=False))
