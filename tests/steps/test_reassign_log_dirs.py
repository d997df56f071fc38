"""Plans with log dirs (JBOD) on real brokers that have two log directories each.

A replica moved to another broker lands in the directory the plan names, one that stays on its
broker moves between its directories, the intra-broker copy throttle is owned like the
replication throttle, and the adapter says which directory it cannot use.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Producer
from reassign_helpers import RATES

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.errors import InvalidInput, LogDirUnavailable
from confluent_ops.model import (
    ALTER_LOG_DIRS_RATE,
    LogDirs,
    PartitionMove,
    ReassignmentPlan,
    TopicPartition,
)
from confluent_ops.planners.throttle_ownership import ThrottleRecord
from confluent_ops.steps import MemoryStepState
from confluent_ops.steps.reassign import (
    LogDirMovesCancelled,
    LogDirsRequested,
    MoveState,
    Reassignment,
    ReassignmentState,
    ThrottlesApplied,
)
from confluent_ops.testing import LocalKafkaCluster, eventually
from confluent_ops.testing.pytest_plugin import require_testbed

BROKERS = (0, 1)


@pytest.fixture(scope="module")
def jbod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafkaCluster]:
    """Two brokers with two log directories each (one controller beside them)."""
    require_testbed(kafka_versions=("4.1.1",))
    with LocalKafkaCluster(
        2, log_dirs_per_broker=2, workdir=tmp_path_factory.mktemp("jbod")
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def admin(jbod: LocalKafkaCluster) -> Iterator[KafkaAdapter]:
    with KafkaAdapter.connect(jbod.bootstrap_servers) as adapter:
        yield adapter


def fill(admin: KafkaAdapter, topic: str, partitions: int, messages: int) -> None:
    """``messages`` records of 10 kB into each partition, so that every move copies bytes."""
    producer = Producer({"bootstrap.servers": admin.servers})
    for partition in range(partitions):
        for _ in range(messages):
            producer.produce(topic, value=b"x" * 10_000, partition=partition)
    assert producer.flush(30) == 0


def dirs(jbod: LocalKafkaCluster, broker: int) -> tuple[str, str]:
    first, second = (str(path) for path in jbod.log_dirs_of(broker))
    return first, second


def other(pair: tuple[str, str], path: str) -> str:
    return pair[1] if path == pair[0] else pair[0]


def broker_throttles(admin: KafkaAdapter) -> dict[int, dict[str, list[tuple[str, str]]]]:
    found = admin.broker_configs(BROKERS, (*RATES, ALTER_LOG_DIRS_RATE))
    return {
        b: {name: [(s.value, s.source.value) for s in layers] for name, layers in names.items()}
        for b, names in found.items()
    }


def plan_json(*entries: tuple[str, int, list[int], list[str]]) -> str:
    return json.dumps(
        {
            "version": 1,
            "partitions": [
                {"topic": t, "partition": p, "replicas": r, "log_dirs": d} for t, p, r, d in entries
            ],
        }
    )


def test_a_plan_places_a_new_replica_in_a_named_dir_and_moves_another_between_dirs(
    jbod: LocalKafkaCluster, admin: KafkaAdapter, tmp_path: Path
) -> None:
    started = time.monotonic()
    topic = "jbod-moves"
    admin.create_topic(topic, assignment=[[0], [0]])
    fill(admin, topic, 2, 50)  # about 0.5 MB in each partition
    p0, p1 = TopicPartition(topic, 0), TopicPartition(topic, 1)
    now = admin.log_dirs(BROKERS)
    p1_dir = now.dir_of(p1, 0)
    assert p1_dir in dirs(jbod, 0)
    target_p0 = dirs(jbod, 1)[1]
    target_p1 = other(dirs(jbod, 0), p1_dir)
    before = broker_throttles(admin)
    plan = plan_json((topic, 0, [1], [target_p0]), (topic, 1, [0], [target_p1]))
    events: list[object] = []
    state = tmp_path / "plan.json.state.json"
    step = Reassignment(admin, plan, state_path=state, emit=events.append)

    result = step.execute(throttle=50_000_000, dir_throttle=50_000_000)

    assert result.exit_code == 0, [m.describe() for m in result.moves]
    assert [m.state for m in result.moves] == [MoveState.DONE, MoveState.DONE]
    placed = admin.log_dirs(BROKERS)
    assert placed.dir_of(p0, 1) == target_p0  # on another broker, in the named directory
    assert placed.dir_of(p0, 0) is None
    assert placed.dir_of(p1, 0) == target_p1  # same broker, the other directory
    assert not [r for r in placed if r.future and r.partition.topic == topic]
    assert placed.size_on(p1, 0) == now.size_on(p1, 0) > 0
    assert broker_throttles(admin) == before  # the replication and the dir throttle are gone
    assert not state.exists()
    requested = [e for e in events if isinstance(e, LogDirsRequested)]
    assert requested[0].replicas == ((p0, 1),)  # sent before the move: broker 1 lacks it yet
    assert requested[0].pending == ((p0, 1),)
    assert any((p1, 0) in e.replicas for e in requested)
    dir_throttles = [
        e
        for e in events
        if isinstance(e, ThrottlesApplied)
        and any(ALTER_LOG_DIRS_RATE in c.set for c in e.changes.brokers.values())
    ]
    assert [sorted(e.changes.brokers) for e in dir_throttles] == [[0, 1]]
    assert step.verify().exit_code == 0  # again: nothing left to move or restore
    assert time.monotonic() - started < 60


def test_cancel_stops_a_copy_between_dirs_and_restores_the_dir_throttle(
    jbod: LocalKafkaCluster, admin: KafkaAdapter
) -> None:
    topic = "jbod-cancel"
    admin.create_topic(topic, assignment=[[1]])
    fill(admin, topic, 1, 200)  # about 2 MB: at 20 kB/s the copy would take minutes
    tp = TopicPartition(topic, 0)
    start_dir = admin.log_dirs([1]).dir_of(tp, 1)
    assert start_dir is not None
    target = other(dirs(jbod, 1), start_dir)
    before = broker_throttles(admin)
    events: list[object] = []
    step = Reassignment(
        admin,
        plan_json((topic, 0, [1], [target])),
        state=MemoryStepState(),
        emit=events.append,
    )
    step.execute(dir_throttle=20_000, dry_run=True)
    would = [e for e in events if isinstance(e, LogDirsRequested | ThrottlesApplied)]
    assert [e.dry_run for e in would] == [True, True]  # the dir throttle, then the copy
    assert admin.log_dirs([1]).replica_log(tp, 1, future=True) is None
    assert broker_throttles(admin) == before
    started = step.execute(dir_throttle=20_000, wait=False)
    assert started.exit_code == 1
    assert broker_throttles(admin)[1][ALTER_LOG_DIRS_RATE][0] == (
        "20000",
        "DYNAMIC_BROKER_CONFIG",
    )

    def copying() -> LogDirs | None:
        seen = admin.log_dirs([1])
        future = seen.replica_log(tp, 1, future=True)
        return seen if future is not None and future.log_dir == target else None

    eventually(copying, what="the copy into the other directory to start")
    cancelled = step.cancel()
    assert cancelled.dirs_cancelled == ((tp, 1),)
    assert cancelled.throttles_restored
    assert any(isinstance(e, LogDirMovesCancelled) for e in events)
    eventually(
        lambda: admin.log_dirs([1]).replica_log(tp, 1, future=True) is None,
        what="the future replica to be dropped",
    )
    assert admin.log_dirs([1]).dir_of(tp, 1) == start_dir
    assert broker_throttles(admin) == before


def test_the_adapter_names_a_dir_it_cannot_use_and_returns_replicas_not_hosted_yet(
    jbod: LocalKafkaCluster, admin: KafkaAdapter
) -> None:
    for broker in BROKERS:  # each broker's directories are folders of the cluster's own
        reported = {d.path for d in admin.log_dirs([broker]).dirs_of(broker)}
        assert reported == {str(path) for path in jbod.log_dirs_of(broker)}
        assert all(jbod.workdir in path.parents for path in jbod.log_dirs_of(broker))
    topic = "jbod-adapter"
    admin.create_topic(topic, assignment=[[0]])
    tp = TopicPartition(topic, 0)
    with pytest.raises(LogDirUnavailable, match="broker 0 has no such log dir") as refused:
        admin.alter_replica_log_dirs({(tp, 0): "/no/such/dir"})
    assert (refused.value.broker, refused.value.path) == (0, "/no/such/dir")
    here = eventually(lambda: admin.log_dirs([0]).dir_of(tp, 0), what="the replica's log")
    assert admin.alter_replica_log_dirs({(tp, 0): here}) == frozenset()  # already there
    pending = admin.alter_replica_log_dirs({(tp, 1): dirs(jbod, 1)[0]})
    assert pending == {(tp, 1)}  # broker 1 has no replica of it (yet)


def test_the_state_keeps_each_moves_dirs_and_reads_states_from_before_them() -> None:
    move = PartitionMove(TopicPartition("t", 0), (0, 1), (0, 2), ("/a", "/b"), ("/a", "/a"))
    record = ThrottleRecord({}, {}, None, dir_brokers={0: None, 2: "5"}, dir_rate=100)
    state = ReassignmentState(ReassignmentPlan((move,)), record)
    again = ReassignmentState.loads(state.dumps())
    assert again == state
    assert again.plan.moves[0].log_dirs_before == ("/a", "/a")
    old = json.loads(state.dumps())
    for entry in old["moves"]:
        del entry["log_dirs"], entry["log_dirs_before"]
    del old["throttles"]["dir_rate"], old["throttles"]["dir_brokers"]
    assert ReassignmentState.loads(json.dumps(old)).plan.moves[0].log_dirs == ()


def test_the_testbed_refuses_a_broker_without_a_log_dir() -> None:
    with pytest.raises(InvalidInput, match="log dirs per broker"):
        LocalKafkaCluster(1, log_dirs_per_broker=0)
