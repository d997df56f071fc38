"""Steps: operations over the ports that validate first, report typed events and resume.

- :mod:`~confluent_ops.steps.reassign`: execute, verify and cancel a reassignment plan in
  waves, owning the replication throttles it sets.
- :mod:`~confluent_ops.steps.state`: where steps keep their progress (a file, or memory);
  other places implement :class:`~confluent_ops.ports.StepState`.
"""

from __future__ import annotations

from confluent_ops.steps.reassign import (
    DEFAULT_CONCURRENCY,
    CancelResult,
    ExecuteResult,
    MoveProgress,
    MoveState,
    Reassignment,
    ReassignmentProgress,
    ReassignmentState,
    VerifyResult,
    default_state_path,
)
from confluent_ops.steps.state import FileStepState, MemoryStepState

__all__ = [
    "DEFAULT_CONCURRENCY",
    "CancelResult",
    "ExecuteResult",
    "FileStepState",
    "MemoryStepState",
    "MoveProgress",
    "MoveState",
    "Reassignment",
    "ReassignmentProgress",
    "ReassignmentState",
    "VerifyResult",
    "default_state_path",
]
