"""Reassignment step decisions that a real cluster rarely shows: refusals and failed restores.

An in-memory KafkaAdmin stands in for the cluster here (the real one is exercised in
test_reassign_steps.py); it keeps configs and replica lists and can be told to refuse moves or
fail config writes.
"""

from __future__ import annotations

import json

import pytest

from confluent_ops.errors import ClusterRequestFailed, ReassignmentRefused
from confluent_ops.model import (
    FOLLOWER_THROTTLED_REPLICAS,
    LEADER_THROTTLED_RATE,
    LEADER_THROTTLED_REPLICAS,
    ClusterSnapshot,
    ConfigChange,
    ConfigSetting,
    ConfigSource,
    PartitionState,
    TopicPartition,
    TopicState,
)
from confluent_ops.steps.reassign import MoveState, Reassignment

TP = TopicPartition("t", 0)


class MemoryAdmin:
    def __init__(self) -> None:
        self.replicas = {TP: (0, 1)}
        self.moving: dict[TopicPartition, tuple[int, ...]] = {}
        self.brokers: dict[int, dict[str, str]] = {0: {LEADER_THROTTLED_RATE: "5"}, 1: {}, 2: {}}
        self.topic: dict[str, str] = {}
        self.refuse = False
        self.fail_configs = False

    def snapshot(self, *, sizes: bool = True) -> ClusterSnapshot:
        parts = []
        for tp, replicas in self.replicas.items():
            target = self.moving.get(tp)
            if target is None:
                parts.append(PartitionState(tp, replicas, replicas, replicas[0]))
            else:
                union = tuple(dict.fromkeys((*target, *replicas)))
                parts.append(
                    PartitionState(
                        tp,
                        union,
                        replicas,
                        replicas[0],
                        adding=[b for b in target if b not in replicas],
                        removing=[b for b in replicas if b not in target],
                    )
                )
        return ClusterSnapshot.of(
            brokers=self.brokers,
            partitions=parts,
            topics=[
                TopicState(
                    "t",
                    leader_throttled_replicas=self.topic.get(LEADER_THROTTLED_REPLICAS, ""),
                    follower_throttled_replicas=self.topic.get(FOLLOWER_THROTTLED_REPLICAS, ""),
                )
            ],
        )

    def broker_configs(self, brokers, names):
        return {
            b: {
                n: [ConfigSetting(n, v, ConfigSource.DYNAMIC_BROKER_CONFIG)]
                if (v := self.brokers[b].get(n)) is not None
                else []
                for n in names
            }
            for b in brokers
        }

    def topic_configs(self, topics, names):
        return {
            t: {
                n: ConfigSetting(n, v, ConfigSource.DYNAMIC_TOPIC_CONFIG)
                if (v := self.topic.get(n))
                else None
                for n in names
            }
            for t in topics
        }

    def _apply(self, values: dict[str, str], change: ConfigChange) -> None:
        if self.fail_configs:
            raise ClusterRequestFailed("alter configs", "injected failure")
        values.update(change.set)
        for name in change.delete:
            values.pop(name, None)

    def alter_broker_configs(self, changes, *, default=None):
        for broker, change in changes.items():
            self._apply(self.brokers[broker], change)

    def alter_topic_configs(self, changes):
        for change in changes.values():
            self._apply(self.topic, change)

    def alter_reassignments(self, targets):
        if self.refuse:
            return dict.fromkeys(targets, "InvalidReplicaAssignment")
        for tp, target in targets.items():
            if target is None:
                self.moving.pop(tp, None)
            else:
                self.moving[tp] = tuple(target)
        return dict.fromkeys(targets)

    def finish(self) -> None:
        for tp, target in self.moving.items():
            self.replicas[tp] = target
        self.moving.clear()


PLAN = json.dumps(
    {"version": 1, "partitions": [{"topic": "t", "partition": 0, "replicas": [0, 2]}]}
)


def test_a_plan_refused_whole_is_reported_per_partition_and_throttles_are_restored(tmp_path):
    admin = MemoryAdmin()
    admin.refuse = True
    state = tmp_path / "state.json"
    with pytest.raises(ReassignmentRefused) as caught:
        Reassignment(admin, PLAN, state_path=state).execute(throttle=1000)
    assert caught.value.reasons == {"t-0": "InvalidReplicaAssignment"}
    assert admin.brokers == {0: {LEADER_THROTTLED_RATE: "5"}, 1: {}, 2: {}}
    assert admin.topic == {}
    assert not state.exists()


def test_the_record_survives_a_failed_restore_and_the_next_verify_finishes_it(tmp_path):
    admin = MemoryAdmin()
    state = tmp_path / "state.json"
    step = Reassignment(admin, PLAN, state_path=state)
    step.execute(throttle=1000)
    assert admin.brokers[2][LEADER_THROTTLED_RATE] == "1000"
    assert step.verify().exit_code == 1
    admin.finish()
    admin.fail_configs = True
    with pytest.raises(ClusterRequestFailed):
        step.verify()
    assert state.exists()  # never lose the record before the throttles are back
    admin.fail_configs = False
    verdict = step.verify()
    assert verdict.exit_code == 0
    assert [m.state for m in verdict.moves] == [MoveState.DONE]
    assert admin.brokers == {0: {LEADER_THROTTLED_RATE: "5"}, 1: {}, 2: {}}
    assert admin.topic == {}
    assert not state.exists()


def test_verify_without_execute_reports_the_move_as_failed(tmp_path):
    admin = MemoryAdmin()
    verdict = Reassignment(admin, PLAN, state_path=tmp_path / "s").verify()
    assert verdict.exit_code == 2
    assert "never started" in verdict.moves[0].describe()
