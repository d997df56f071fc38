"""Adapters: the ports of :mod:`confluent_ops.ports` over real client libraries.

The only modules of confluent_ops (with :mod:`confluent_ops.testing`) that import
confluent-kafka, kafka-python, kazoo and kubernetes. Each translates its client's errors into
:mod:`confluent_ops.errors`.

- :class:`~confluent_ops.adapters.kafka.KafkaAdapter`: the ``KafkaAdmin`` port.
- :class:`~confluent_ops.adapters.zookeeper.ZooKeeperAdapter`: the ``ZooKeeper`` port.
- :class:`~confluent_ops.adapters.kube.KubeAdapter`: the ``Kube`` port (server-side apply).
- :func:`~confluent_ops.adapters.command_config.client_config_from_properties`: Kafka's
  ``--command-config`` Java properties as a librdkafka configuration.
"""

from __future__ import annotations

from confluent_ops.adapters.command_config import (
    client_config_from_properties,
    read_java_properties,
    translate_properties,
)
from confluent_ops.adapters.kafka import DEFAULT_TIMEOUT, KafkaAdapter, kafka_python_config
from confluent_ops.adapters.kube import FIELD_MANAGER, KubeAdapter
from confluent_ops.adapters.kube_lifecycle import KubeBrokerLifecycle
from confluent_ops.adapters.zookeeper import (
    ZooKeeperAdapter,
    ZooKeeperTls,
    four_letter_word,
    snapshot_from_zookeeper,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "FIELD_MANAGER",
    "KafkaAdapter",
    "KubeAdapter",
    "KubeBrokerLifecycle",
    "ZooKeeperAdapter",
    "ZooKeeperTls",
    "client_config_from_properties",
    "four_letter_word",
    "kafka_python_config",
    "read_java_properties",
    "snapshot_from_zookeeper",
    "translate_properties",
]
