"""Steps: operations over the ports that validate first, report typed events and resume.

- :mod:`~confluent_ops.steps.reassign`: execute, verify and cancel a reassignment plan in
  waves, owning the replication throttles it sets.
- :mod:`~confluent_ops.steps.roll`: a rolling restart or upgrade that never takes a partition
  below ``min.insync.replicas``, and the ``metadata.version`` bump after an upgrade.
- :mod:`~confluent_ops.steps.drain`: move every leadership off a broker, and give it back.
- :mod:`~confluent_ops.steps.scale`: add brokers and move replicas onto them, or move
  replicas off brokers and remove them, under a throttle.
- :mod:`~confluent_ops.steps.ensemble`: roll a ZooKeeper ensemble, leader last.
- :mod:`~confluent_ops.steps.events`: the typed events every step reports.
- :mod:`~confluent_ops.steps.state`: where steps keep their progress (a file, or memory);
  other places implement :class:`~confluent_ops.ports.StepState`.

``docs/steps.md`` says what each step guarantees and how to run it on your own platform.
"""

from __future__ import annotations

from confluent_ops.steps._waits import step_policy
from confluent_ops.steps.drain import Drain, DrainResult
from confluent_ops.steps.ensemble import EnsembleRoll, EnsembleRollResult
from confluent_ops.steps.events import (
    BrokerStarted,
    BrokerStopped,
    Emit,
    LeadershipMoved,
    StepDone,
    StepEvent,
    StepFailed,
    StepProgress,
    StepStarted,
    StepWaiting,
)
from confluent_ops.steps.provision import Provision, ProvisionResult
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
from confluent_ops.steps.roll import (
    DYNAMIC_BROKER_CONFIGS,
    MetadataVersionBump,
    Roll,
    RollPreview,
    RollResult,
)
from confluent_ops.steps.scale import ScaleIn, ScaleOut, ScaleResult
from confluent_ops.steps.state import FileStepState, MemoryStepState, SubState, as_step_state

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DYNAMIC_BROKER_CONFIGS",
    "BrokerStarted",
    "BrokerStopped",
    "CancelResult",
    "Drain",
    "DrainResult",
    "Emit",
    "EnsembleRoll",
    "EnsembleRollResult",
    "ExecuteResult",
    "FileStepState",
    "LeadershipMoved",
    "MemoryStepState",
    "MetadataVersionBump",
    "MoveProgress",
    "MoveState",
    "Provision",
    "ProvisionResult",
    "Reassignment",
    "ReassignmentProgress",
    "ReassignmentState",
    "Roll",
    "RollPreview",
    "RollResult",
    "ScaleIn",
    "ScaleOut",
    "ScaleResult",
    "StepDone",
    "StepEvent",
    "StepFailed",
    "StepProgress",
    "StepStarted",
    "StepWaiting",
    "SubState",
    "VerifyResult",
    "as_step_state",
    "default_state_path",
    "step_policy",
]
