"""Health rules as specifications over hand-built snapshots (no cluster involved)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confluent_ops.cli._health import render_table
from confluent_ops.errors import InvalidInput
from confluent_ops.model import (
    ClusterMode,
    ClusterSnapshot,
    PartitionState,
    QuorumState,
    QuorumVoter,
    TopicPartition,
    TopicState,
)
from confluent_ops.planners.health import (
    HealthStatus,
    Severity,
    at_min_isr_partitions,
    can_restart,
    can_restart_controller,
    cluster_health,
    drain_report,
    offline_partitions,
    preflight,
    under_min_isr_partitions,
    under_replicated_partitions,
)


def tp(topic: str = "t", number: int = 0) -> TopicPartition:
    return TopicPartition(topic, number)


def part(
    replicas: tuple[int, ...],
    isr: tuple[int, ...],
    *,
    leader: int | None = -2,
    number: int = 0,
    topic: str = "t",
    adding: tuple[int, ...] = (),
    removing: tuple[int, ...] = (),
) -> PartitionState:
    chosen = (isr[0] if isr else None) if leader == -2 else leader
    return PartitionState(tp(topic, number), replicas, isr, chosen, adding, removing)


def snap(*partitions: PartitionState, min_isr: int = 2, brokers: int = 4, **extra: object):
    topics = {p.partition.topic for p in partitions}
    return ClusterSnapshot.of(
        brokers=range(brokers),
        partitions=partitions,
        topics=[TopicState(t, min_insync_replicas=min_isr) for t in topics],
        **extra,  # type: ignore[arg-type]
    )


def test_partition_states_are_classified_as_kafka_topics_describe_does():
    """An offline partition is under-replicated and under min ISR too, as in kafka-topics."""
    s = snap(
        part((0, 1, 2), (0, 1, 2), number=0),
        part((0, 1, 2), (0, 1), number=1),
        part((0, 1, 2), (0,), number=2),
        part((0, 1, 2), (), leader=None, number=3),
    )
    assert under_replicated_partitions(s) == (tp("t", 1), tp("t", 2), tp("t", 3))
    assert at_min_isr_partitions(s) == (tp("t", 1),)
    assert under_min_isr_partitions(s) == (tp("t", 2), tp("t", 3))
    assert offline_partitions(s) == (tp("t", 3),)
    report = cluster_health(s)
    assert report.status is HealthStatus.CRITICAL
    assert report.status.exit_code == 2


def test_adding_replicas_do_not_make_a_partition_under_replicated():
    s = snap(part((0, 1, 2, 3), (0, 1, 2), adding=(3,), removing=(2,)))
    assert under_replicated_partitions(s) == ()
    assert cluster_health(s).status is HealthStatus.HEALTHY


def test_under_replicated_alone_is_degraded():
    s = snap(part((0, 1, 2), (0, 1)), min_isr=1)
    assert cluster_health(s).status is HealthStatus.DEGRADED
    assert cluster_health(s).status.exit_code == 1


def test_restart_blocked_when_isr_would_drop_below_min_isr_and_names_the_partition():
    s = snap(part((0, 1, 2), (0, 1)), part((1, 2, 3), (1, 2, 3), number=1))
    verdict = can_restart(s, 1)
    assert not verdict.allowed
    assert [b.partition for b in verdict.blocking] == [tp("t", 0)]
    assert "t-0" in verdict.reason


def test_restart_allowed_for_a_broker_outside_the_isr():
    s = snap(part((0, 1, 2), (0, 1)))
    assert can_restart(s, 2).allowed


def test_topics_with_rf_at_most_min_isr_are_exempt_as_in_strimzi():
    s = snap(part((0, 1), (0, 1)), min_isr=2)
    assert can_restart(s, 0).allowed
    assert [f.code for f in preflight(s)] == ["rf-not-above-min-isr"]


def test_removing_replicas_do_not_count_in_the_isr():
    # ISR {0,1,2} looks fine, but 2 is being removed: without 1 only {0} would remain.
    s = snap(part((0, 1, 2, 3), (0, 1, 2), adding=(3,), removing=(2,)))
    verdict = can_restart(s, 1)
    assert not verdict.allowed
    assert verdict.blocking[0].effective_isr == (0, 1)


def test_restart_of_an_unknown_broker_is_refused():
    with pytest.raises(InvalidInput):
        can_restart(snap(part((0, 1, 2), (0, 1, 2))), 9)


def quorum(*voters: tuple[int, int, int], leader: int = 3000) -> QuorumState:
    return QuorumState(
        leader=leader,
        leader_epoch=1,
        high_watermark=100,
        voters=[QuorumVoter(i, leo, last_caught_up_ms=ts) for i, leo, ts in voters],
    )


def test_controller_restart_needs_a_caught_up_majority_of_the_remaining_voters():
    caught_up = quorum((3000, 100, 10_000), (3001, 100, 10_000), (3002, 90, 10_000))
    s = snap(part((0, 1, 2), (0, 1, 2)), quorum=caught_up)
    assert can_restart_controller(s, 3002).allowed
    lagging = quorum((3000, 100, 10_000), (3001, 10, 1_000), (3002, 100, 10_000))
    s = snap(part((0, 1, 2), (0, 1, 2)), quorum=lagging)
    verdict = can_restart(s, 3002)
    assert not verdict.allowed
    assert verdict.quorum is not None
    assert verdict.quorum.caught_up == (3000,)


def test_single_voter_quorum_is_a_finding_and_blocks_its_restart():
    s = snap(part((0, 1, 2), (0, 1, 2)), quorum=quorum((3000, 100, 1)))
    assert "single-voter-quorum" in [f.code for f in preflight(s)]
    assert not can_restart(s, 3000).allowed


def test_a_risk_is_printed_as_a_risk_and_a_healthy_cluster_still_exits_0():
    """The verdict is about the partitions now; findings never say "error" and never fail it."""
    s = snap(part((0, 1, 2), (0, 1, 2)), quorum=quorum((3000, 100, 1)))
    report = cluster_health(s)
    assert report.status is HealthStatus.HEALTHY
    assert report.status.exit_code == 0
    assert [f.severity for f in report.findings] == [Severity.RISK]
    table = render_table(report)
    assert "HEALTHY (1 risk(s) below)" in table
    assert "risk: controller 3000:" in table
    assert "error" not in table


def test_an_rf_1_topic_is_never_advised_to_lower_min_isr_to_1():
    s = snap(part((0,), (0,)), min_isr=1)
    (finding,) = [f for f in preflight(s) if f.code == "rf-not-above-min-isr"]
    assert "lower min.insync.replicas" not in finding.fix
    assert "--factor 2" in finding.fix


def test_preflight_names_each_unsafe_setting_with_a_fix():
    s = ClusterSnapshot.of(
        brokers=range(3),
        partitions=[part((0, 1, 2), (0, 1, 2), topic="a"), part((0, 1, 2), (0, 1, 2), topic="b")],
        topics=[
            TopicState("a", min_insync_replicas=1),
            TopicState("b", min_insync_replicas=2, unclean_leader_election=True),
        ],
    )
    findings = {(f.code, f.subject): f for f in preflight(s)}
    assert set(findings) == {("min-isr-one", "topic a"), ("unclean-leader-election", "topic b")}
    assert all(f.fix for f in findings.values())


def test_zookeeper_mode_has_no_quorum_finding():
    s = snap(part((0, 1, 2), (0, 1, 2)), mode=ClusterMode.ZOOKEEPER)
    assert preflight(s) == ()


def test_drain_report_explains_why_not():
    s = snap(
        part((0, 1, 2), (0,), number=0),
        part((0, 1, 2, 3), (0, 1, 2), adding=(3,), removing=(2,), number=1),
        brokers=3,
    )
    report = drain_report(s, 0)
    assert not report.safe
    text = report.summary()
    assert "only in-sync replica" in text
    assert "in flight" in text
    assert "other broker" in text
    healthy = snap(part((0, 1, 2), (0, 1, 2)), brokers=4)
    assert drain_report(healthy, 0).safe


@st.composite
def snapshots(draw: st.DrawFn) -> ClusterSnapshot:
    brokers = draw(st.integers(3, 6))
    min_isr = draw(st.integers(1, 3))
    parts = []
    for number in range(draw(st.integers(1, 12))):
        replicas = tuple(draw(st.permutations(range(brokers)))[: draw(st.integers(1, brokers))])
        isr = tuple(b for b in replicas if draw(st.booleans()))
        parts.append(part(replicas, isr, number=number, leader=isr[0] if isr else None))
    return snap(*parts, min_isr=min_isr, brokers=brokers)


@given(snapshots(), st.integers(0, 5))
def test_restart_never_leaves_a_checked_partition_below_min_isr(s, broker):
    if broker not in s.broker_ids:
        return
    verdict = can_restart(s, broker)
    blocked = {b.partition for b in verdict.blocking}
    for p in s.partitions_on(broker):
        min_isr = s.topic(p.partition.topic).min_insync_replicas
        if len(p.replicas) <= min_isr or broker not in p.isr:
            assert p.partition not in blocked
        else:
            assert (p.partition in blocked) == (len(p.isr) - 1 < min_isr)


@given(snapshots())
def test_health_status_follows_the_worst_partition(s):
    report = cluster_health(s)
    if report.offline or report.under_min_isr:
        assert report.status.exit_code == 2
    elif report.under_replicated:
        assert report.status.exit_code == 1
    else:
        assert report.status.exit_code == 0
    assert set(report.offline) <= set(report.under_min_isr)
    online_under = set(report.under_min_isr) - set(report.offline)
    assert online_under.isdisjoint(report.at_min_isr)
