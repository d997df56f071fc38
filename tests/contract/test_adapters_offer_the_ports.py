"""The adapters offer every operation of the ports they implement."""

from __future__ import annotations


def test_the_adapter_and_the_zookeeper_adapter_satisfy_their_ports():
    from confluent_ops.adapters import KafkaAdapter, ZooKeeperAdapter
    from confluent_ops.ports import KafkaAdmin, ZooKeeper

    for name in (
        "snapshot",
        "sample_rates",
        "alter_reassignments",
        "alter_broker_configs",
        "update_feature",
    ):
        assert callable(getattr(KafkaAdapter, name))
        assert name in dir(KafkaAdmin)
    for name in ("ensemble", "brokers", "controller", "partitions", "legacy_reassignment"):
        assert callable(getattr(ZooKeeperAdapter, name))
        assert name in dir(ZooKeeper)
