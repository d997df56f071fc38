"""Real local parts for tests and users: Apache Kafka brokers and ZooKeeper servers.

Everything here starts real processes on 127.0.0.1 and stops them on exit, on failure and at
interpreter exit: :class:`LocalKafkaCluster` (KRaft or ZooKeeper mode, any number of brokers with
racks, PLAINTEXT / SSL / SASL_SSL listeners), :class:`ZooKeeperEnsemble` (1 or 3 servers, TLS
optional), :func:`resolve_kafka` (a pinned version's jars, cached per machine) and the
:class:`Workload` checker that proves no acknowledged message was lost. The pytest plugin
(``confluent_ops.testing.pytest_plugin``) offers them as fixtures.
"""

from __future__ import annotations

from confluent_ops.testing._control import RemoteBrokerLifecycle, TestbedControl
from confluent_ops.testing._eventually import eventually
from confluent_ops.testing._kafka import BrokerSpec, LocalKafkaCluster
from confluent_ops.testing._kube_build import (
    KUBERNETES_VERSION,
    ControlPlaneBinaries,
    control_plane_binaries,
)
from confluent_ops.testing._kube_control_plane import KubeControlPlane
from confluent_ops.testing._kubelet import TestKubelet
from confluent_ops.testing._lifecycle import LocalBrokerLifecycle, LocalEnsembleLifecycle
from confluent_ops.testing._pods import LocalPlatform, LocalPod
from confluent_ops.testing._processes import live_processes
from confluent_ops.testing._resolve import (
    DEFAULT_KAFKA_VERSION,
    SUPPORTED_KAFKA_VERSIONS,
    KafkaDistribution,
    KafkaVersion,
    cache_root,
    resolve_kafka,
)
from confluent_ops.testing._sampler import ClusterSampler, SamplerPoint, SamplerReport
from confluent_ops.testing._tls import TestbedTls
from confluent_ops.testing._workload import (
    Acknowledged,
    Consumed,
    Workload,
    WorkloadVerdict,
    judge,
)
from confluent_ops.testing._zookeeper import ZooKeeperEnsemble

__all__ = [
    "DEFAULT_KAFKA_VERSION",
    "KUBERNETES_VERSION",
    "SUPPORTED_KAFKA_VERSIONS",
    "SamplerPoint",
    "SamplerReport",
    "Acknowledged",
    "BrokerSpec",
    "ClusterSampler",
    "ControlPlaneBinaries",
    "Consumed",
    "KafkaDistribution",
    "KafkaVersion",
    "KubeControlPlane",
    "LocalBrokerLifecycle",
    "LocalEnsembleLifecycle",
    "LocalKafkaCluster",
    "LocalPlatform",
    "LocalPod",
    "RemoteBrokerLifecycle",
    "TestbedControl",
    "TestKubelet",
    "TestbedTls",
    "Workload",
    "WorkloadVerdict",
    "ZooKeeperEnsemble",
    "cache_root",
    "control_plane_binaries",
    "eventually",
    "judge",
    "live_processes",
    "resolve_kafka",
]
