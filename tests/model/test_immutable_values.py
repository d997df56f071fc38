"""Frozen values are truly immutable and hashable: no plain dict hides inside one."""

from __future__ import annotations

import pickle

import pytest

from confluent_ops.errors import InvalidInput
from confluent_ops.model import (
    ClusterAssignment,
    ClusterSnapshot,
    ConfigChange,
    PartitionSizes,
    PartitionState,
    PlannedReassignment,
    ReassignmentPlan,
    TopicPartition,
    TopicState,
    synthetic_cluster,
)
from confluent_ops.planners import plan_rebalance

TP = TopicPartition("t", 0)


def snapshot() -> ClusterSnapshot:
    return ClusterSnapshot.of(
        brokers=[0, 1, 2],
        partitions=[PartitionState(TP, (0, 1), (0,), 0, offline_replicas=(1,))],
        topics=[TopicState("t", min_insync_replicas=2)],
        features={"metadata.version": 27},
    )


def test_a_snapshot_cannot_be_changed_through_its_mappings():
    s = snapshot()
    with pytest.raises(TypeError, match="cannot change"):
        s.partitions[TopicPartition("t", 1)] = s.partitions[TP]  # type: ignore[index]
    with pytest.raises(TypeError):
        s.topics.pop("t")  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        s.features.update({"x": 1})  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        s.throttles.clear()  # type: ignore[attr-defined]


def test_a_snapshot_hashes_and_pickles_and_equal_snapshots_hash_alike():
    assert hash(snapshot()) == hash(snapshot())
    assert {snapshot(), snapshot()} == {snapshot()}
    assert pickle.loads(pickle.dumps(snapshot())) == snapshot()  # noqa: S301 - our own bytes


def test_offline_replicas_must_be_replicas():
    with pytest.raises(InvalidInput, match="not a replica"):
        PartitionState(TP, (0, 1), (0,), 0, offline_replicas=(5,))


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (ClusterAssignment({TP: (0, 1)}), "partitions"),
        (PartitionSizes({TP: 10}), "sizes"),
        (ConfigChange(set={"a": "b"}), "set"),
    ],
)
def test_other_values_hold_frozen_mappings(value, field):
    with pytest.raises(TypeError):
        getattr(value, field)["x"] = 1
    assert hash(value) == hash(value)


def test_a_planner_returns_a_plan_with_a_report_and_a_file_gives_a_plain_plan():
    cluster = synthetic_cluster(rack_sizes=(2, 2), partitions=40, seed=3)
    planned = plan_rebalance(cluster.assignment, cluster.brokers, sizes=cluster.sizes)
    assert isinstance(planned, PlannedReassignment)
    assert planned.report.replica_moves == planned.replica_moves  # never None
    read_back = ReassignmentPlan.from_kafka_json(planned.to_kafka_json(), cluster.assignment)
    assert type(read_back) is ReassignmentPlan
    assert not hasattr(read_back, "report")
    assert read_back == ReassignmentPlan(planned.moves)
