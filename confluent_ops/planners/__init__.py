"""Pure planners: values in, plans out. No I/O, no clock, no randomness.

- :mod:`~confluent_ops.planners.reassignment`: where replicas should live (add or remove
  brokers, rebalance, change a replication factor, balance preferred leaders).
- :mod:`~confluent_ops.planners.goals`: the named constraints and goals those planners combine.
- :mod:`~confluent_ops.planners.execution`: how a plan runs: waves under per-broker
  concurrency limits, the throttled-replica lists Kafka's tool sets, and time estimates.
"""

from __future__ import annotations

from confluent_ops.planners.execution import (
    ExecutionEstimate,
    ThrottledReplicas,
    Wave,
    estimate_duration,
    split_into_waves,
    throttled_replicas,
)
from confluent_ops.planners.goals import CONSTRAINTS, Constraint
from confluent_ops.planners.reassignment import (
    PlanOptions,
    plan_add_brokers,
    plan_leaders,
    plan_rebalance,
    plan_remove_brokers,
    plan_replication_factor,
)

__all__ = [
    "CONSTRAINTS",
    "Constraint",
    "ExecutionEstimate",
    "PlanOptions",
    "ThrottledReplicas",
    "Wave",
    "estimate_duration",
    "plan_add_brokers",
    "plan_leaders",
    "plan_rebalance",
    "plan_remove_brokers",
    "plan_replication_factor",
    "split_into_waves",
    "throttled_replicas",
]
