"""Frozen values of the Kafka domain, with named ways in and out of Kafka's own formats.

No I/O and no client library here: values are built from text that callers read, and written
to text that callers store.
"""

from __future__ import annotations

from confluent_ops.model._frozen import FrozenDict, frozen_dict
from confluent_ops.model.assignment import ClusterAssignment, TopicPartition
from confluent_ops.model.broker import Broker, BrokerSet
from confluent_ops.model.capacities import BrokerCapacities
from confluent_ops.model.endpoints import parse_bootstrap_servers
from confluent_ops.model.generate import SyntheticCluster, synthetic_cluster
from confluent_ops.model.java_properties import java_properties_text, read_java_properties
from confluent_ops.model.log_dirs import LogDir, LogDirs, ReplicaLog
from confluent_ops.model.plan import PartitionMove, PlannedReassignment, ReassignmentPlan
from confluent_ops.model.rates import PartitionRates, RateSample
from confluent_ops.model.report import BrokerBalance, GoalOutcome, LogDirBalance, PlanReport
from confluent_ops.model.secret import Secret
from confluent_ops.model.sizes import PartitionSizes

__all__ = [
    "Broker",
    "BrokerBalance",
    "GoalOutcome",
    "BrokerCapacities",
    "BrokerSet",
    "ClusterAssignment",
    "FrozenDict",
    "LogDir",
    "LogDirBalance",
    "LogDirs",
    "PartitionMove",
    "PartitionRates",
    "PartitionSizes",
    "PlanReport",
    "PlannedReassignment",
    "RateSample",
    "ReassignmentPlan",
    "ReplicaLog",
    "Secret",
    "SyntheticCluster",
    "TopicPartition",
    "frozen_dict",
    "java_properties_text",
    "parse_bootstrap_servers",
    "read_java_properties",
    "synthetic_cluster",
]

# The cluster snapshot (observe): appended by the adapters work.
from confluent_ops.model.snapshot import (
    ALTER_LOG_DIRS_RATE,
    FOLLOWER_THROTTLED_RATE,
    FOLLOWER_THROTTLED_REPLICAS,
    LEADER_THROTTLED_RATE,
    LEADER_THROTTLED_REPLICAS,
    BrokerState,
    BrokerThrottles,
    ClusterMode,
    ClusterSnapshot,
    ConfigChange,
    ConfigSetting,
    ConfigSource,
    PartitionState,
    QuorumState,
    QuorumVoter,
    TopicState,
)

__all__ += [
    "ALTER_LOG_DIRS_RATE",
    "FOLLOWER_THROTTLED_RATE",
    "FOLLOWER_THROTTLED_REPLICAS",
    "LEADER_THROTTLED_RATE",
    "LEADER_THROTTLED_REPLICAS",
    "BrokerState",
    "BrokerThrottles",
    "ClusterMode",
    "ClusterSnapshot",
    "ConfigChange",
    "ConfigSetting",
    "ConfigSource",
    "PartitionState",
    "QuorumState",
    "QuorumVoter",
    "TopicState",
]
