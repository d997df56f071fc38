"""A move that names log dirs is done only once its replicas are in them, no copy left."""

from __future__ import annotations

from confluent_ops.model import (
    BrokerState,
    ClusterMode,
    ClusterSnapshot,
    LogDir,
    LogDirs,
    PartitionMove,
    PartitionState,
    ReassignmentPlan,
    ReplicaLog,
    TopicPartition,
    TopicState,
)
from confluent_ops.planners import MoveState, reassignment_progress

T0 = TopicPartition("t", 0)


def snapshot(replicas: tuple[int, ...], logs: list[ReplicaLog]) -> ClusterSnapshot:
    return ClusterSnapshot(
        cluster_id="c",
        mode=ClusterMode.KRAFT,
        brokers=[BrokerState(b) for b in (1, 2, 3)],
        controller=None,
        partitions=[PartitionState(T0, replicas, replicas, replicas[0])],
        topics=[TopicState("t")],
        log_dirs=LogDirs([LogDir(b, p) for b in (1, 2, 3) for p in ("/a", "/b")], logs),
    )


INTRA = PartitionMove(T0, (1, 2), (1, 2), ("/b", "any"), ("/a", "/a"))


def test_an_intra_broker_copy_in_flight_is_moving_with_its_bytes() -> None:
    seen = snapshot(
        (1, 2),
        [
            ReplicaLog(T0, 1, "/a", 1_000),
            ReplicaLog(T0, 1, "/b", 400, future=True),
            ReplicaLog(T0, 2, "/a", 1_000),
        ],
    )
    (move,) = reassignment_progress(ReassignmentPlan((INTRA,)), seen).moves
    assert move.state is MoveState.MOVING
    assert (move.bytes_copied, move.bytes_total) == (400, 1_000)
    assert "broker 1 copying from /a to /b, 400 of 1,000 bytes" in move.describe()


def test_a_replica_in_its_dir_with_no_copy_left_is_done() -> None:
    seen = snapshot((1, 2), [ReplicaLog(T0, 1, "/b", 1_000), ReplicaLog(T0, 2, "/a", 1_000)])
    progress = reassignment_progress(ReassignmentPlan((INTRA,)), seen)
    assert progress.moves[0].state is MoveState.DONE
    assert progress.finished
    assert progress.moves[0].bytes_copied == 1_000


def test_brokers_right_but_a_new_replica_in_another_dir_is_not_done() -> None:
    move = PartitionMove(T0, (1, 2), (1, 3), ("any", "/b"), ("/a", "/a"))
    seen = snapshot((1, 3), [ReplicaLog(T0, 1, "/a", 10), ReplicaLog(T0, 3, "/a", 10)])
    (progress,) = reassignment_progress(ReassignmentPlan((move,)), seen, submitted={T0}).moves
    assert progress.state is MoveState.MOVING
    assert not progress.dirs_placed
    assert "broker 3 in /a, planned /b: not moved yet" in progress.describe()


def test_the_figure_moves_when_a_replica_reaches_its_dir() -> None:
    plan = ReassignmentPlan((INTRA,))
    copying = snapshot(
        (1, 2), [ReplicaLog(T0, 1, "/a", 10), ReplicaLog(T0, 1, "/b", 10, future=True)]
    )
    placed = snapshot((1, 2), [ReplicaLog(T0, 1, "/b", 10)])
    assert reassignment_progress(plan, copying).figure != reassignment_progress(plan, placed).figure
