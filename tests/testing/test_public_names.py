"""The public surface of confluent_ops.testing is exactly its __all__."""

from __future__ import annotations

from confluent_ops import testing


def test_testing_exports_exactly_its_public_names() -> None:
    assert sorted(testing.__all__) == sorted(
        [
            "DEFAULT_KAFKA_VERSION",
            "SUPPORTED_KAFKA_VERSIONS",
            "Acknowledged",
            "BrokerSpec",
            "Consumed",
            "KafkaDistribution",
            "KafkaVersion",
            "LocalKafkaCluster",
            "TestbedTls",
            "Workload",
            "WorkloadVerdict",
            "ZooKeeperEnsemble",
            "cache_root",
            "judge",
            "live_processes",
            "resolve_kafka",
        ]
    )
    # identifiers only: pytest's assertion rewriting adds "@py_builtins" to plugin packages
    public = {name for name in vars(testing) if name.isidentifier() and not name.startswith("_")}
    assert public - {"annotations", "pytest_plugin"} <= set(testing.__all__)
    assert testing.SUPPORTED_KAFKA_VERSIONS == ("3.9.1", "4.1.1")
