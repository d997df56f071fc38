"""plan_log_dirs: which directory each replica lives in on brokers with several (JBOD)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confluent_ops.errors import InvalidInput
from confluent_ops.model import (
    ClusterAssignment,
    LogDir,
    LogDirs,
    PartitionMove,
    PlannedReassignment,
    PlanReport,
    ReassignmentPlan,
    ReplicaLog,
    TopicPartition,
)
from confluent_ops.planners import plan_log_dirs


def tp(partition: int, topic: str = "t") -> TopicPartition:
    return TopicPartition(topic, partition)


def planned(*moves: PartitionMove) -> PlannedReassignment:
    """A broker-level plan as a planner would return it (the report's figures do not matter)."""
    report = PlanReport(
        request="test",
        replica_moves=sum(m.replica_moves for m in moves),
        leader_changes=0,
        partitions_changed=len(moves),
        bytes_moved=None,
        lower_bound_moves=0,
        lower_bound_derivation="",
        brokers=(),
        rack_violations_before=0,
        rack_violations_after=0,
    )
    return PlannedReassignment(moves, report)


def dirs_of(broker: int, *paths: str, total: int | None = None) -> list[LogDir]:
    return [LogDir(broker, path, None, total) for path in paths]


def test_a_new_replica_lands_on_the_emptiest_dir_and_stayers_keep_theirs() -> None:
    before = ClusterAssignment({tp(0): (1, 2), tp(1): (2, 1)})
    log_dirs = LogDirs(
        [*dirs_of(1, "/a", "/b"), *dirs_of(2, "/a", "/b"), *dirs_of(3, "/a", "/b")],
        [
            ReplicaLog(tp(0), 1, "/b", 500),
            ReplicaLog(tp(0), 2, "/a", 500),
            ReplicaLog(tp(1), 2, "/b", 300),
            ReplicaLog(tp(1), 1, "/a", 300),
            ReplicaLog(tp(9, "other"), 3, "/a", 1_000),  # broker 3's /a is fuller
        ],
    )
    result = plan_log_dirs(
        before, planned(PartitionMove(tp(0), (1, 2), (1, 3))), log_dirs, tolerance=10.0
    )
    (move,) = result.moves
    assert move.log_dirs == ("any", "/b")  # broker 1 keeps its replica where it is
    assert move.log_dirs_before == ("/b", "/a")
    assert result.report.intra_broker_moves == 0
    assert result.report.replica_moves == 1  # the broker-level figures are the planner's


def test_new_replicas_fill_dirs_by_fraction_when_every_volume_reports_its_size() -> None:
    before = ClusterAssignment({tp(i): (1,) for i in range(4)})
    log_dirs = LogDirs(
        [LogDir(1, "/x"), LogDir(2, "/big", None, 3_000), LogDir(2, "/small", None, 1_000)],
        [ReplicaLog(tp(i), 1, "/x", 100) for i in range(4)],
    )
    result = plan_log_dirs(
        before,
        planned(*(PartitionMove(tp(i), (1,), (2,)) for i in range(4))),
        log_dirs,
        tolerance=0.0,
    )
    placed = [m.log_dir(2) for m in result.moves]
    assert placed.count("/big") == 3  # 300 of 3,000 and 100 of 1,000: both 10 %
    assert placed.count("/small") == 1
    used = {d.path: d.used_after for d in result.report.log_dirs if d.broker == 2}
    assert used == {"/big": pytest.approx(0.1), "/small": pytest.approx(0.1)}


def test_an_imbalanced_broker_is_evened_with_the_fewest_moves() -> None:
    # broker 1: /a holds 800 + 100 + 100 + 100 (1,100 bytes), /b nothing. One move of the
    # 800-byte replica leaves 300 / 800; moving the three small ones instead would take three.
    sizes = {0: 800, 1: 100, 2: 100, 3: 100}
    before = ClusterAssignment({tp(i): (1,) for i in sizes})
    log_dirs = LogDirs(
        dirs_of(1, "/a", "/b"), [ReplicaLog(tp(i), 1, "/a", size) for i, size in sizes.items()]
    )
    result = plan_log_dirs(before, planned(), log_dirs, tolerance=0.5)
    assert result.report.intra_broker_moves == 1
    assert result.report.intra_broker_bytes == 800
    (move,) = result.moves
    assert move.partition == tp(0)
    assert move.before == move.after == (1,)  # an intra-broker move: brokers unchanged
    assert move.log_dirs == ("/b",)
    assert move.log_dirs_before == ("/a",)
    assert move.replica_moves == 0
    assert ReassignmentPlan(result.moves).intra_broker_moves == 1
    balance = {d.path: (d.bytes_before, d.bytes_after) for d in result.report.log_dirs}
    assert balance == {"/a": (1_100, 300), "/b": (0, 800)}
    assert any("intra-broker moves: 1" in line for line in result.report.summary_lines())


def test_a_broker_within_tolerance_is_left_alone() -> None:
    before = ClusterAssignment({tp(0): (1,), tp(1): (1,)})
    log_dirs = LogDirs(
        dirs_of(1, "/a", "/b"), [ReplicaLog(tp(0), 1, "/a", 105), ReplicaLog(tp(1), 1, "/b", 95)]
    )
    result = plan_log_dirs(before, planned(), log_dirs, tolerance=0.10)
    assert result.moves == ()
    assert result.report.intra_broker_moves == 0


def test_new_replicas_are_placed_before_any_existing_one_is_copied() -> None:
    # /a is far fuller, but the two replicas arriving can even it out at no copy
    before = ClusterAssignment({tp(0): (1,), tp(1): (2,), tp(2): (2,)})
    log_dirs = LogDirs(
        [*dirs_of(1, "/a", "/b"), LogDir(2, "/x")],
        [
            ReplicaLog(tp(0), 1, "/a", 400),
            ReplicaLog(tp(1), 2, "/x", 200),
            ReplicaLog(tp(2), 2, "/x", 200),
        ],
    )
    result = plan_log_dirs(
        before,
        planned(PartitionMove(tp(1), (2,), (1,)), PartitionMove(tp(2), (2,), (1,))),
        log_dirs,
        tolerance=0.0,
    )
    assert result.report.intra_broker_moves == 0
    assert [m.log_dirs for m in result.moves] == [("/b",), ("/b",)]


def test_offline_dirs_are_never_chosen() -> None:
    before = ClusterAssignment({tp(i): (1,) for i in range(3)})
    log_dirs = LogDirs(
        [
            LogDir(1, "/x"),
            LogDir(2, "/a"),
            LogDir(2, "/b"),
            LogDir(2, "/dead", "KafkaStorageException"),
        ],
        [
            *(ReplicaLog(tp(i), 1, "/x", 100) for i in range(3)),
            ReplicaLog(tp(7, "other"), 2, "/dead", 0),
        ],
    )
    result = plan_log_dirs(
        before, planned(*(PartitionMove(tp(i), (1,), (2,)) for i in range(3))), log_dirs
    )
    assert {m.log_dir(2) for m in result.moves} == {"/a", "/b"}
    dead = next(d for d in result.report.log_dirs if d.path == "/dead")
    assert not dead.online
    assert dead.bytes_after == dead.bytes_before == 0
    assert any("/dead offline" in note for note in result.report.notes)


def test_brokers_with_one_online_dir_get_any() -> None:
    before = ClusterAssignment({tp(0): (1, 2)})
    log_dirs = LogDirs(
        [
            *dirs_of(1, "/a", "/b"),
            LogDir(2, "/only"),
            LogDir(3, "/one"),
            LogDir(3, "/gone", "KafkaStorageException"),
        ],
        [ReplicaLog(tp(0), 1, "/a", 10), ReplicaLog(tp(0), 2, "/only", 10)],
    )
    result = plan_log_dirs(before, planned(PartitionMove(tp(0), (1, 2), (3, 2))), log_dirs)
    (move,) = result.moves
    assert move.log_dirs == ()  # broker 3 has one online dir, broker 2 a single one
    assert {d.broker for d in result.report.log_dirs} == {1}


def test_without_a_broker_of_several_dirs_the_plan_is_returned_as_it_is() -> None:
    before = ClusterAssignment({tp(0): (1,)})
    plan = planned(PartitionMove(tp(0), (1,), (2,)))
    log_dirs = LogDirs([LogDir(1, "/a"), LogDir(2, "/a")], [ReplicaLog(tp(0), 1, "/a", 5)])
    assert plan_log_dirs(before, plan, log_dirs) is plan


def test_a_replica_someone_is_moving_between_dirs_is_left_alone() -> None:
    before = ClusterAssignment({tp(0): (1,), tp(1): (1,)})
    log_dirs = LogDirs(
        dirs_of(1, "/a", "/b"),
        [
            ReplicaLog(tp(0), 1, "/a", 1_000),
            ReplicaLog(tp(0), 1, "/b", 10, future=True),
            ReplicaLog(tp(1), 1, "/a", 10),
        ],
    )
    result = plan_log_dirs(before, planned(), log_dirs, tolerance=0.0)
    assert [m.partition for m in result.moves] == [tp(1)]
    assert any("stays above 1 x its share" in note for note in result.report.notes)


def test_a_negative_tolerance_is_refused() -> None:
    with pytest.raises(InvalidInput, match="tolerance"):
        plan_log_dirs(ClusterAssignment({}), planned(), LogDirs.empty(), tolerance=-0.1)


@st.composite
def jbod_clusters(draw: st.DrawFn) -> tuple[ClusterAssignment, PlannedReassignment, LogDirs]:
    brokers = list(range(draw(st.integers(2, 4))))
    dirs = {b: [f"/d{b}/{i}" for i in range(draw(st.integers(1, 3)))] for b in brokers}
    offline = {b: draw(st.sampled_from(paths)) for b, paths in dirs.items() if draw(st.booleans())}
    partitions = draw(st.integers(1, 12))
    assignment: dict[TopicPartition, tuple[int, ...]] = {}
    replicas: list[ReplicaLog] = []
    moves: list[PartitionMove] = []
    for p in range(partitions):
        rf = draw(st.integers(1, len(brokers)))
        now = tuple(draw(st.permutations(brokers))[:rf])
        assignment[tp(p)] = now
        size = draw(st.integers(0, 1_000))
        for b in now:
            replicas.append(ReplicaLog(tp(p), b, draw(st.sampled_from(dirs[b])), size))
        if draw(st.booleans()):
            moves.append(PartitionMove(tp(p), now, tuple(draw(st.permutations(brokers))[:rf])))
    log_dirs = LogDirs(
        [
            LogDir(b, path, "KafkaStorageException" if offline.get(b) == path else None)
            for b, paths in dirs.items()
            for path in paths
        ],
        replicas,
    )
    return ClusterAssignment(assignment), planned(*moves), log_dirs


@settings(max_examples=200, deadline=None)
@given(jbod_clusters(), st.sampled_from([0.0, 0.1, 1.0]))
def test_dirs_are_online_brokers_unchanged_and_the_report_recounts(case, tolerance) -> None:
    before, plan, log_dirs = case
    result = plan_log_dirs(before, plan, log_dirs, tolerance=tolerance)
    # the broker-level plan is untouched; only intra-broker moves are added
    by_partition = {m.partition: m for m in result.moves}
    for move in plan:
        assert (by_partition[move.partition].before, by_partition[move.partition].after) == (
            move.before,
            move.after,
        )
    for move in result.moves:
        if move.partition not in {m.partition for m in plan}:
            assert move.before == move.after
            assert move.intra_broker
    # every planned directory is an online one of its broker, on a broker with two or more
    online = defaultdict(set)
    for d in log_dirs.dirs:
        if d.online:
            online[d.broker].add(d.path)
    for move in result.moves:
        for broker, path in move.dir_targets:
            assert path in online[broker]
            assert len(online[broker]) >= 2
    # the report's intra-broker figures are what the moves say
    assert result.report.intra_broker_moves == ReassignmentPlan(result.moves).intra_broker_moves
    recount = sum(
        log_dirs.size_on(m.partition, b) or 0 for m in result.moves for b in m.intra_broker
    )
    assert result.report.intra_broker_bytes == recount
    # bytes are conserved on each broker that was planned
    for broker in {d.broker for d in result.report.log_dirs}:
        mine = [d for d in result.report.log_dirs if d.broker == broker and d.online]
        removed = sum(
            log_dirs.size_on(m.partition, broker) or 0
            for m in plan
            if broker in m.removing and log_dirs.dir_of(m.partition, broker) in online[broker]
        )
        added = sum(
            log_dirs.partition_sizes().size(m.partition) for m in plan if broker in m.adding
        )
        assert (
            sum(d.bytes_after for d in mine) == sum(d.bytes_before for d in mine) - removed + added
        )
