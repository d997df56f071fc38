"""Pure planners: values in, plans out. No I/O, no clock, no randomness.

- :mod:`~confluent_ops.planners.reassignment`: where replicas should live (add or remove
  brokers, rebalance, change a replication factor, balance preferred leaders).
- :mod:`~confluent_ops.planners.goals`: the named constraints and goals those planners combine.
- :mod:`~confluent_ops.planners.execution`: how a plan runs: waves under per-broker
  concurrency limits, the next wave while one runs, the throttled-replica lists Kafka's tool
  sets, and time estimates.
- :mod:`~confluent_ops.planners.progress`: where each move of a running reassignment stands.
- :mod:`~confluent_ops.planners.health` and :mod:`~confluent_ops.planners.throttle_ownership`:
  judging a snapshot, and which throttles a reassignment owns.
"""

from __future__ import annotations

from confluent_ops.planners.execution import (
    ExecutionEstimate,
    ThrottledReplicas,
    Wave,
    estimate_duration,
    next_wave,
    split_into_waves,
    throttled_replicas,
)
from confluent_ops.planners.goals import CONSTRAINTS, Constraint
from confluent_ops.planners.progress import (
    MoveProgress,
    MoveState,
    ReassignmentProgress,
    reassignment_progress,
)
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
    "MoveProgress",
    "MoveState",
    "PlanOptions",
    "ReassignmentProgress",
    "ThrottledReplicas",
    "Wave",
    "estimate_duration",
    "next_wave",
    "plan_add_brokers",
    "plan_leaders",
    "plan_rebalance",
    "plan_remove_brokers",
    "plan_replication_factor",
    "reassignment_progress",
    "split_into_waves",
    "throttled_replicas",
]
