"""Pure planners: values in, plans out. No I/O, no clock, no randomness.

- :mod:`~confluent_ops.planners.reassignment`: where replicas should live (add or remove
  brokers, rebalance, change a replication factor, balance preferred leaders).
- :mod:`~confluent_ops.planners.goals`: the named constraints and the goals, in priority order,
  those planners combine (public and pluggable: users add their own).
- :mod:`~confluent_ops.planners.execution`: how a plan runs: waves under per-broker
  concurrency limits, the next wave while one runs, the throttled-replica lists Kafka's tool
  sets, and time estimates.
- :mod:`~confluent_ops.planners.log_dirs`: which log directory each replica lives in, on
  brokers with several (JBOD), and evening those directories out.
- :mod:`~confluent_ops.planners.progress`: where each move of a running reassignment stands.
- :mod:`~confluent_ops.planners.roll` and :mod:`~confluent_ops.planners.conditions`: the order
  and safe batches of a rolling restart, and the conditions a step waits for between nodes.
- :mod:`~confluent_ops.planners.health` and :mod:`~confluent_ops.planners.throttle_ownership`:
  judging a snapshot, and which throttles a reassignment owns.
"""

from __future__ import annotations

from confluent_ops.planners.conditions import (
    Condition,
    all_met,
    broker_in_sync,
    broker_serving,
    controller_caught_up,
    fully_replicated,
    leads_nothing,
    preferred_leaders_elected,
)
from confluent_ops.planners.execution import (
    ExecutionEstimate,
    ThrottledReplicas,
    Wave,
    estimate_duration,
    next_wave,
    split_into_waves,
    throttled_replicas,
)
from confluent_ops.planners.goals import (
    CONSTRAINTS,
    DEFAULT_GOALS,
    BaseGoal,
    Constraint,
    DiskCapacity,
    DiskUsageDistribution,
    Goal,
    LeaderBytesInDistribution,
    LeaderDistribution,
    NetworkInboundDistribution,
    NetworkOutboundDistribution,
    PlanningState,
    RackAwareness,
    ReplicaDistribution,
    TopicLeaderDistribution,
    TopicReplicaDistribution,
    goals_named,
)
from confluent_ops.planners.log_dirs import plan_log_dirs
from confluent_ops.planners.progress import (
    DirMoveProgress,
    MoveProgress,
    MoveState,
    ReassignmentProgress,
    reassignment_progress,
    seconds_to_next_done,
)
from confluent_ops.planners.reassignment import (
    PlanOptions,
    plan_add_brokers,
    plan_leaders,
    plan_rebalance,
    plan_remove_brokers,
    plan_replication_factor,
)
from confluent_ops.planners.roll import (
    RollBatch,
    RollPlan,
    estimate_roll,
    restart_together,
    roll_order,
    safe_batches,
)

__all__ = [
    "CONSTRAINTS",
    "DEFAULT_GOALS",
    "BaseGoal",
    "Condition",
    "Constraint",
    "DirMoveProgress",
    "DiskCapacity",
    "DiskUsageDistribution",
    "ExecutionEstimate",
    "Goal",
    "LeaderBytesInDistribution",
    "LeaderDistribution",
    "MoveProgress",
    "MoveState",
    "NetworkInboundDistribution",
    "NetworkOutboundDistribution",
    "PlanOptions",
    "PlanningState",
    "RackAwareness",
    "ReassignmentProgress",
    "ReplicaDistribution",
    "RollBatch",
    "RollPlan",
    "ThrottledReplicas",
    "TopicLeaderDistribution",
    "TopicReplicaDistribution",
    "Wave",
    "all_met",
    "broker_in_sync",
    "broker_serving",
    "controller_caught_up",
    "estimate_duration",
    "estimate_roll",
    "fully_replicated",
    "goals_named",
    "leads_nothing",
    "next_wave",
    "plan_add_brokers",
    "plan_leaders",
    "plan_log_dirs",
    "plan_rebalance",
    "plan_remove_brokers",
    "plan_replication_factor",
    "preferred_leaders_elected",
    "reassignment_progress",
    "restart_together",
    "roll_order",
    "safe_batches",
    "seconds_to_next_done",
    "split_into_waves",
    "throttled_replicas",
]
