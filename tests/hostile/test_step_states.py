"""A step's state file, corrupted between two runs: read back as the step's own, or refused.

The next run of a roll, a drain or a scale reads what the last one kept. A hand edit, a
truncated write by another tool, a state of another step: each must end in ``MalformedFile``
(exit 65, naming the file) or ``FileUnusable`` before the step changes anything, never in
another exception. These read the states through the steps' own loaders; what a refused state
means for a cluster (nothing changed) is the same code path as every other refused input.
"""

from __future__ import annotations

import json

from contract import SETTINGS
from hypothesis import given
from hypothesis import strategies as st
from mutations import file_contents, write

from confluent_ops.errors import FileUnusable, InvalidInput, MalformedFile
from confluent_ops.model import TopicPartition
from confluent_ops.planners import RollBatch, RollPlan
from confluent_ops.steps import Drain, FileStepState, ScaleIn, ScaleOut
from confluent_ops.steps.roll import _RollState

REFUSALS = (MalformedFile, FileUnusable, InvalidInput)

ROLL = _RollState(
    "upgrade",
    RollPlan(
        (
            RollBatch((3000,), "controller", "the active controller"),
            RollBatch((0,), "broker", "a broker"),
            RollBatch((1, 2), "broker", "a safe batch"),
        )
    ),
    "4.1.1",
    done=(3000,),
    current=(0,),
    started=(0,),
).dumps()
DRAIN = json.dumps({"version": 1, "broker": 1, "orders": {"t-0": [2, 0, 1], "t-3": [0, 2, 1]}})
SCALE = json.dumps(
    {
        "scale-out": json.dumps({"version": 1, "added": [3], "replica_moves": 6}),
        "scale-in": json.dumps({"version": 1, "removing": [3], "replica_moves": 6}),
        "reassign": "{}",
    }
)


def _state(tmp_path, data, valid):
    path = write(tmp_path / f"state-{data.draw(st.uuids())}.json", data.draw(file_contents(valid)))
    return FileStepState(path)


@SETTINGS
@given(data=st.data())
def test_a_corrupted_roll_state_is_read_back_or_refused(data, tmp_path):
    state = _state(tmp_path, data, ROLL)
    try:
        text = state.load()
        if text is not None:
            _RollState.loads(text, source=state.location)
    except REFUSALS:
        pass


@SETTINGS
@given(data=st.data())
def test_a_corrupted_drain_state_is_read_back_or_refused(data, tmp_path):
    drain = Drain(None, 1, state=_state(tmp_path, data, DRAIN))  # type: ignore[arg-type]
    try:
        originals = drain._load()
    except REFUSALS:
        return
    assert all(isinstance(tp, TopicPartition) for tp in originals)


@SETTINGS
@given(data=st.data(), step=st.sampled_from([ScaleOut, ScaleIn]))
def test_a_corrupted_scale_state_is_read_back_or_refused(data, step, tmp_path):
    state = _state(tmp_path, data, SCALE)
    try:
        resumed = step.resume(None, None, state=state)  # type: ignore[arg-type]
        if resumed is not None:
            resumed._record()
    except REFUSALS:
        pass
