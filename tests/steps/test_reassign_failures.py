"""Reassignment steps when things go wrong, on real brokers.

A refusal by the cluster is injected at the port (``RefusingReassignments`` wraps the real
adapter and answers ``alter_reassignments`` as Kafka answers a refused move): every request
Kafka itself refuses is one the step's own validation refuses first, so no real refusal can
reach this path. Everything else here (throttles set and restored, brokers going away and
coming back) is the real cluster's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from reassign_helpers import fill, plan_moving_every_partition, throttles_now, wait_for_verify

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.errors import ClusterError, ClusterUnreachable
from confluent_ops.model import TopicPartition
from confluent_ops.steps.reassign import MoveState, PartitionsRefused, Reassignment
from confluent_ops.testing import LocalKafkaCluster, eventually


def _answering(admin: KafkaAdapter) -> bool:
    """Whether the adapter's clients have reconnected (right after a restart they may not)."""
    try:
        admin.snapshot(sizes=False)
    except ClusterError:
        return False
    return True


class RefusingReassignments:
    """The real adapter, except that the cluster refuses every reassignment it is sent."""

    def __init__(self, real: KafkaAdapter) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def alter_reassignments(
        self, targets: Mapping[TopicPartition, Sequence[int] | None]
    ) -> dict[TopicPartition, str | None]:
        return dict.fromkeys(targets, "InvalidReplicaAssignment")


def test_a_refused_plan_is_reported_per_partition_and_its_throttles_are_restored(
    admin: KafkaAdapter, topic_name: Callable[[str], str], tmp_path: Path
) -> None:
    topic = topic_name("refused")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    plan = plan_moving_every_partition(admin, topic)
    before = throttles_now(admin, topic)
    state = tmp_path / "state.json"
    refusing = RefusingReassignments(admin)
    events: list[object] = []
    step = Reassignment(refusing, plan, state_path=state, emit=events.append)  # type: ignore[arg-type]
    result = step.execute(throttle=1000)
    assert result.exit_code == 2
    refused = next(e for e in events if isinstance(e, PartitionsRefused))
    assert refused.reasons == {TopicPartition(topic, 0): "InvalidReplicaAssignment"}
    assert "refused it: InvalidReplicaAssignment" in result.moves[0].describe()
    assert throttles_now(admin, topic) == before
    assert not state.exists()


def test_verify_of_a_plan_never_executed_reports_it_failed(
    admin: KafkaAdapter, topic_name: Callable[[str], str], tmp_path: Path
) -> None:
    topic = topic_name("never")
    admin.create_topic(topic, partitions=1, replication_factor=2)
    plan = plan_moving_every_partition(admin, topic)
    verdict = Reassignment(admin, plan, state_path=tmp_path / "s").verify()
    assert verdict.exit_code == 2
    assert "never started" in verdict.moves[0].describe()


def test_the_record_outlives_an_unreachable_cluster_and_the_next_verify_finishes(
    kafka_cluster_factory: Callable[..., LocalKafkaCluster], tmp_path: Path
) -> None:
    cluster = kafka_cluster_factory(brokers=2)
    with KafkaAdapter.connect(cluster.bootstrap_servers, timeout=5.0) as admin:
        admin.create_topic("gone", partitions=1, replication_factor=1)
        # 3 MB: a follower's first fetch takes 1 MB unthrottled, the rest at 500 kB/s
        fill(admin, "gone", 300)
        plan = plan_moving_every_partition(admin, "gone")
        before = throttles_now(admin, "gone", brokers=cluster.broker_ids)
        state = tmp_path / "state.json"
        step = Reassignment(admin, plan, state_path=state)
        assert step.execute(throttle=500_000, wait=False).exit_code == 1
        for broker in cluster.broker_ids:
            cluster.stop_broker(broker)
        with pytest.raises(ClusterUnreachable):
            step.verify()
        assert state.exists()  # never lose the record before the throttles are back
        for broker in cluster.broker_ids:
            cluster.start_broker(broker)
        cluster.wait_for_brokers(cluster.broker_ids)
        eventually(lambda: _answering(admin), what="the adapter to reconnect")
        verdict, _ = wait_for_verify(step)
        assert verdict.exit_code == 0
        assert [m.state for m in verdict.moves] == [MoveState.DONE]
        assert throttles_now(admin, "gone", brokers=cluster.broker_ids) == before
        assert not state.exists()
