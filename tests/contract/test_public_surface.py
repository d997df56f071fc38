"""The public names of the ports, adapters and steps are exactly their ``__all__``."""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "confluent_ops.ports": {
        "Clock",
        "ConfigChange",
        "EnsembleServer",
        "KafkaAdmin",
        "ZooKeeper",
        "ZooKeeperBroker",
        "ZooKeeperMigration",
        "ZooKeeperPartition",
    },
    "confluent_ops.adapters": {
        "DEFAULT_TIMEOUT",
        "KafkaAdapter",
        "ZooKeeperAdapter",
        "ZooKeeperTls",
        "client_config_from_properties",
        "four_letter_word",
        "kafka_python_config",
        "read_java_properties",
        "snapshot_from_zookeeper",
        "translate_properties",
    },
    "confluent_ops.steps": {
        "CancelResult",
        "ExecuteResult",
        "MoveProgress",
        "MoveState",
        "Reassignment",
        "ReassignmentState",
        "VerifyResult",
        "default_state_path",
    },
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_public_names_are_exactly_all(module):
    imported = importlib.import_module(module)
    assert set(imported.__all__) == PUBLIC[module]
    assert all(hasattr(imported, name) for name in imported.__all__)


def test_the_adapter_and_the_zookeeper_adapter_satisfy_their_ports():
    from confluent_ops.adapters import KafkaAdapter, ZooKeeperAdapter
    from confluent_ops.ports import KafkaAdmin, ZooKeeper

    for name in ("snapshot", "alter_reassignments", "alter_broker_configs", "update_feature"):
        assert callable(getattr(KafkaAdapter, name))
        assert name in dir(KafkaAdmin)
    for name in ("ensemble", "brokers", "controller", "partitions", "legacy_reassignment"):
        assert callable(getattr(ZooKeeperAdapter, name))
        assert name in dir(ZooKeeper)
