"""Reassignment steps when things go wrong, on real brokers.

A refusal by the cluster is injected at the port (``RefusingReassignments`` wraps the real
adapter and answers ``alter_reassignments`` as Kafka answers a refused move): every request
Kafka itself refuses is one the step's own validation refuses first, so no real refusal can
reach this path. Everything else here (throttles set and restored, brokers going away and
coming back) is the real cluster's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from reassign_helpers import plan_moving_every_partition, throttles_now, wait_for_verify

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.errors import ClusterRequestFailed, ClusterUnreachable, ReassignmentRefused
from confluent_ops.model import TopicPartition
from confluent_ops.steps.reassign import MoveState, Reassignment
from confluent_ops.testing import LocalKafkaCluster


def _wait_until_answering(admin: KafkaAdapter, timeout: float = 30.0) -> None:
    """The adapter's clients reconnect on their own; wait until they have (or fail)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin.snapshot(sizes=False)
        except (ClusterUnreachable, ClusterRequestFailed):
            # right after a restart kafka-python's metadata may still miss a broker
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
        else:
            return


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
    with pytest.raises(ReassignmentRefused) as caught:
        Reassignment(refusing, plan, state_path=state).execute(throttle=1000)  # type: ignore[arg-type]
    assert caught.value.reasons == {f"{topic}-0": "InvalidReplicaAssignment"}
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
        plan = plan_moving_every_partition(admin, "gone")
        before = throttles_now(admin, "gone", brokers=cluster.broker_ids)
        state = tmp_path / "state.json"
        step = Reassignment(admin, plan, state_path=state)
        step.execute(throttle=50_000_000)
        for broker in cluster.broker_ids:
            cluster.stop_broker(broker)
        with pytest.raises(ClusterUnreachable):
            step.verify()
        assert state.exists()  # never lose the record before the throttles are back
        for broker in cluster.broker_ids:
            cluster.start_broker(broker)
        cluster.wait_for_brokers(cluster.broker_ids)
        _wait_until_answering(admin)
        verdict, _ = wait_for_verify(step)
        assert verdict.exit_code == 0
        assert [m.state for m in verdict.moves] == [MoveState.DONE]
        assert throttles_now(admin, "gone", brokers=cluster.broker_ids) == before
        assert not state.exists()
