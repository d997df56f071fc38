"""Kafka's per-replica ``log_dirs`` in plans: read strictly, written only when they matter."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confluent_ops.errors import InvalidInput, MalformedFile
from confluent_ops.model import (
    ClusterAssignment,
    LogDir,
    LogDirs,
    PartitionMove,
    ReassignmentPlan,
    ReplicaLog,
    TopicPartition,
)

T0 = TopicPartition("orders", 0)
T1 = TopicPartition("orders", 1)
CURRENT = ClusterAssignment({T0: (1, 2), T1: (2, 3)})


def plan_text(*entries: dict[str, object]) -> str:
    return json.dumps({"version": 1, "partitions": list(entries)})


def test_log_dirs_round_trip_through_kafka_json() -> None:
    text = plan_text(
        {"topic": "orders", "partition": 0, "replicas": [1, 3], "log_dirs": ["any", "/data/b"]},
        {"topic": "orders", "partition": 1, "replicas": [2, 3], "log_dirs": ["/data/a", "any"]},
    )
    plan = ReassignmentPlan.from_kafka_json(text, CURRENT)
    assert plan.moves[0].log_dirs == ("any", "/data/b")
    assert plan.moves[0].log_dir(3) == "/data/b"
    assert plan.moves[0].log_dir(1) is None  # "any": the broker's choice
    assert plan.moves[0].dir_targets == ((3, "/data/b"),)
    assert json.loads(plan.to_kafka_json()) == json.loads(text)
    assert ReassignmentPlan.from_kafka_json(plan.to_kafka_json(), CURRENT) == plan


def test_a_plan_without_log_dirs_is_written_exactly_as_before() -> None:
    every_any = plan_text(
        {"topic": "orders", "partition": 0, "replicas": [1, 3], "log_dirs": ["any", "any"]}
    )
    plan = ReassignmentPlan.from_kafka_json(every_any, CURRENT)
    assert plan.moves[0].log_dirs == ()
    assert plan.to_kafka_json() == (
        '{"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[1,3]}]}\n'
    )


def test_only_partitions_that_name_a_dir_carry_log_dirs() -> None:
    plan = ReassignmentPlan(
        (
            PartitionMove(T0, (1, 2), (1, 3), ("any", "/data/b")),
            PartitionMove(T1, (2, 3), (3, 2)),
        )
    )
    entries = json.loads(plan.to_kafka_json())["partitions"]
    assert [e.get("log_dirs") for e in entries] == [["any", "/data/b"], None]
    assert plan.target_log_dirs() == {T0: ("any", "/data/b")}


@pytest.mark.parametrize(
    ("log_dirs", "message"),
    [
        (["/data/a"], "log_dirs must have one entry per replica"),
        (["/data/a", "/data/b", "/data/c"], "log_dirs must have one entry per replica"),
        ("/data/a", "log_dirs must be a JSON array"),
        (None, "log_dirs must be a JSON array"),
        (["/data/a", None], "log_dirs[1] must be a non-empty string"),
        (["/data/a", 3], "log_dirs[1] must be a non-empty string"),
        (["", "any"], "log_dirs[0] must be a non-empty string"),
        (["data/a", "any"], 'log_dirs[0] must be "any" or an absolute path'),
        (["ANY", "any"], 'log_dirs[0] must be "any" or an absolute path'),
        (["/data/\u0000", "any"], "log_dirs[0] must not contain a NUL character"),
    ],
)
def test_bad_log_dirs_are_refused_naming_the_entry(log_dirs: object, message: str) -> None:
    text = plan_text({"topic": "orders", "partition": 0, "replicas": [1, 3], "log_dirs": log_dirs})
    with pytest.raises(MalformedFile, match=message.replace("[", r"\[").replace("]", r"\]")):
        ReassignmentPlan.from_kafka_json(text, CURRENT)
    with pytest.raises(MalformedFile):  # the assignment reader is as strict
        ClusterAssignment.from_kafka_json(text)


def test_windows_drive_paths_are_absolute_too() -> None:
    text = plan_text(
        {"topic": "orders", "partition": 0, "replicas": [1, 3], "log_dirs": ["C:\\kafka", "any"]}
    )
    assert ReassignmentPlan.from_kafka_json(text, CURRENT).moves[0].log_dir(1) == "C:\\kafka"


def test_a_move_validates_its_dirs_at_construction() -> None:
    with pytest.raises(InvalidInput, match="one entry per replica"):
        PartitionMove(T0, (1, 2), (1, 3), ("/data/a",))
    with pytest.raises(InvalidInput, match="one entry per replica"):
        PartitionMove(T0, (1, 2), (1, 3), log_dirs_before=("/data/a",))
    with pytest.raises(InvalidInput, match="absolute path"):
        PartitionMove(T0, (1, 2), (1, 3), ("relative", "any"))


def test_same_brokers_new_dir_is_an_intra_broker_move_without_replica_moves() -> None:
    move = PartitionMove(T0, (1, 2), (1, 2), ("/data/b", "any"), ("/data/a", "/data/a"))
    assert move.replica_moves == 0
    assert move.intra_broker == (1,)
    plan = ReassignmentPlan((move,))
    assert plan.replica_moves == 0
    assert plan.intra_broker_moves == 1
    # a new replica placed in a dir is no intra-broker move; nor is a stayer already there
    placed = PartitionMove(T0, (1, 2), (1, 3), ("/data/a", "/data/b"), ("/data/a", "/data/a"))
    assert placed.intra_broker == ()
    assert placed.replica_moves == 1


def test_without_the_dirs_before_no_intra_broker_move_is_claimed() -> None:
    assert PartitionMove(T0, (1, 2), (1, 2), ("/data/b", "any")).intra_broker == ()


def test_reading_against_log_dirs_knows_where_replicas_live_now() -> None:
    log_dirs = LogDirs(
        [LogDir(b, p) for b in (1, 2, 3) for p in ("/data/a", "/data/b")],
        [ReplicaLog(T0, 1, "/data/a", 10), ReplicaLog(T0, 2, "/data/b", 10)],
    )
    text = plan_text(
        {"topic": "orders", "partition": 0, "replicas": [1, 2], "log_dirs": ["/data/b", "any"]}
    )
    plan = ReassignmentPlan.from_kafka_json(text, CURRENT, log_dirs=log_dirs)
    assert plan.moves[0].log_dirs_before == ("/data/a", "/data/b")
    assert plan.intra_broker_moves == 1


def test_targets_read_without_the_cluster_keep_the_dirs() -> None:
    text = plan_text(
        {"topic": "orders", "partition": 0, "replicas": [1, 3], "log_dirs": ["any", "/data/b"]},
        {"topic": "orders", "partition": 1, "replicas": [2, 3]},
    )
    targets, dirs = ReassignmentPlan.targets_from_kafka_json(text)
    assert targets == ClusterAssignment({T0: (1, 3), T1: (2, 3)})
    assert dirs == {T0: ("any", "/data/b")}
    with pytest.raises(InvalidInput, match="log dirs but no target"):
        ReassignmentPlan.from_targets({T1: (2, 3)}, CURRENT, target_dirs=dirs)


PATHS = st.sampled_from(["any", "/data/a", "/data/b", "/mnt/disk-2/kafka"])


@given(st.lists(st.tuples(PATHS, PATHS), min_size=1, max_size=2))
def test_any_plan_with_dirs_reads_back_as_itself(dirs: list[tuple[str, str]]) -> None:
    moves = tuple(
        PartitionMove(tp, CURRENT.replicas(tp), (3, 1), pair)
        for tp, pair in zip((T0, T1), dirs, strict=False)
    )
    plan = ReassignmentPlan(moves)
    assert ReassignmentPlan.from_kafka_json(plan.to_kafka_json(), CURRENT) == plan
