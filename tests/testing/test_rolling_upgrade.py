"""A whole KRaft cluster rolled from Kafka 3.9.1 to 4.1.1 under load, then its features bumped.

Slow (about 50 s on this machine): kept out of the test command; ``nox -s slow`` runs it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from confluent_ops.testing import KafkaVersion, LocalKafkaCluster, Workload

FEATURE_COMMAND = "org.apache.kafka.tools.FeatureCommand"


@pytest.mark.slow
def test_rolling_3_9_to_4_1_loses_nothing_acknowledged_and_finalizes_4_1(
    kafka_cluster_factory: Callable[..., LocalKafkaCluster],
) -> None:
    cluster = kafka_cluster_factory(3, version="3.9.1", racks=3)
    cluster.create_topic(
        "upgrade", partitions=6, replication_factor=3, config={"min.insync.replicas": 2}
    )
    with Workload(cluster.bootstrap_servers, "upgrade", rate=200) as workload:
        workload.wait_for_acknowledged(100)
        for node_id in (*cluster.controller_ids, *cluster.broker_ids):  # controllers first
            cluster.stop_broker(node_id)
            cluster.start_broker(node_id, version="4.1.1")
            cluster.wait_for_brokers(cluster.broker_ids)
            workload.wait_for_acknowledged(100)
        bump = cluster.run_tool(
            FEATURE_COMMAND, "--bootstrap-server", cluster.bootstrap_servers,
            "upgrade", "--release-version", "4.1", version="4.1.1",
        )  # fmt: skip
        assert bump.returncode == 0, bump.stdout + bump.stderr
        workload.wait_for_acknowledged(100)
    verdict = workload.verdict
    assert verdict is not None
    assert verdict.ok, verdict.summary()
    assert all(
        cluster.version_of(node) == KafkaVersion.parse("4.1.1")
        for node in (*cluster.controller_ids, *cluster.broker_ids)
    )
    described = cluster.run_tool(
        FEATURE_COMMAND,
        "--bootstrap-server",
        cluster.bootstrap_servers,
        "describe",
        version="4.1.1",
    )
    assert "metadata.version" in described.stdout
    assert "4.1-IV" in described.stdout, described.stdout
