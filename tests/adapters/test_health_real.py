"""Health on a real cluster that loses a broker: offline partitions, the exit code, recovery."""

from __future__ import annotations

import time

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.cli.main import main
from confluent_ops.planners.health import HealthStatus, can_restart, cluster_health


def test_a_stopped_broker_makes_its_only_replicas_offline_and_health_critical(
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
        deadline = time.monotonic() + 60
        while True:
            after = admin.snapshot(sizes=False)
            report = cluster_health(after)
            if report.offline and report.under_replicated:
                break
            assert time.monotonic() < deadline, report
            time.sleep(0.5)
        assert report.status is HealthStatus.CRITICAL
        assert {tp.topic for tp in report.offline} == {"single"}
        assert {tp.topic for tp in report.under_replicated} == {"double"}
        assert main(["health", "--bootstrap", cluster.bootstrap_servers]) == 2
        assert "single-" in capsys.readouterr().out
        cluster.start_broker(1)
        deadline = time.monotonic() + 90
        while cluster_health(admin.snapshot(sizes=False)).status is not HealthStatus.HEALTHY:
            assert time.monotonic() < deadline, "the cluster did not recover"
            time.sleep(0.5)
