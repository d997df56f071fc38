"""Steps: operations over the ports that validate first, report typed events and resume.

- :mod:`~confluent_ops.steps.reassign`: execute, verify and cancel a reassignment plan, owning
  the replication throttles it sets.
"""

from __future__ import annotations

from confluent_ops.steps.reassign import (
    CancelResult,
    ExecuteResult,
    MoveProgress,
    MoveState,
    Reassignment,
    ReassignmentState,
    VerifyResult,
    default_state_path,
)

__all__ = [
    "CancelResult",
    "ExecuteResult",
    "MoveProgress",
    "MoveState",
    "Reassignment",
    "ReassignmentState",
    "VerifyResult",
    "default_state_path",
]
