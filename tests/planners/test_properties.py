"""Properties of every plan on arbitrary clusters (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confluent_ops.model import (
    Broker,
    BrokerSet,
    ClusterAssignment,
    PartitionSizes,
    ReassignmentPlan,
    TopicPartition,
)
from confluent_ops.planners import (
    PlanOptions,
    plan_add_brokers,
    plan_rebalance,
    plan_remove_brokers,
)


@st.composite
def clusters(draw: st.DrawFn) -> tuple[ClusterAssignment, BrokerSet, PartitionSizes | None]:
    broker_count = draw(st.integers(3, 8))
    rack_count = draw(st.sampled_from([0, 2, 3]))
    brokers = BrokerSet.of(
        Broker(b, f"r{b % rack_count}" if rack_count else None) for b in range(broker_count)
    )
    rf = draw(st.integers(1, min(3, broker_count)))
    partitions = draw(st.integers(1, 40))
    assignment = {}
    for p in range(partitions):
        replicas = draw(st.permutations(list(range(broker_count))))[:rf]
        assignment[TopicPartition(f"t{p % 3}", p)] = tuple(replicas)
    sizes = None
    if draw(st.booleans()):
        sizes = PartitionSizes({tp: draw(st.integers(0, 10_000)) for tp in assignment})
    return ClusterAssignment(assignment), brokers, sizes


def _rack_spread(replicas: tuple[int, ...], brokers: BrokerSet) -> int:
    return len({brokers.rack_of(b) for b in replicas}) if brokers.rack_aware else 0


def _check_constraints(
    before: ClusterAssignment, plan: ReassignmentPlan, brokers: BrokerSet, removed: set[int]
) -> ClusterAssignment:
    """Distinct brokers, removed brokers emptied, and rack spread: min(RF, racks) once the
    plan is complete, never fewer racks than before while it is capped."""
    complete = plan.report is None or plan.report.complete
    after = plan.apply_to(before)
    targets = BrokerSet.of(b for b in brokers if b.id not in removed)
    racks = len(targets.racks)
    for tp, replicas in after.partitions.items():
        assert len(set(replicas)) == len(replicas), f"{tp} holds a broker twice"
        assert len(replicas) == len(before.replicas(tp))
        assert not removed & set(replicas), f"{tp} still on a removed broker"
        if racks:
            spread = _rack_spread(replicas, brokers)
            had = _rack_spread(before.replicas(tp), brokers)
            required = min(len(replicas), racks)
            assert spread >= (required if complete else min(had, required))
    return after


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(clusters())
def test_rebalance_keeps_constraints_and_is_a_fixed_point(
    cluster: tuple[ClusterAssignment, BrokerSet, PartitionSizes | None],
) -> None:
    assignment, brokers, sizes = cluster
    plan = plan_rebalance(assignment, brokers, sizes=sizes)
    after = _check_constraints(assignment, plan, brokers, set())
    assert plan.report is not None
    assert plan.report.rack_violations_after == 0
    again = plan_rebalance(after, brokers, sizes=sizes)
    assert len(again) == 0, again.report.summary_lines() if again.report else None
    assert plan_rebalance(assignment, brokers, sizes=sizes).to_kafka_json() == plan.to_kafka_json()


@SETTINGS
@given(clusters(), st.data())
def test_remove_brokers_empties_them_and_keeps_constraints(
    cluster: tuple[ClusterAssignment, BrokerSet, PartitionSizes | None], data: st.DataObject
) -> None:
    assignment, brokers, sizes = cluster
    widest = max(len(r) for r in assignment.partitions.values())
    spare = len(brokers) - widest
    if spare < 1:
        return
    removed = set(
        data.draw(st.lists(st.sampled_from(brokers.ids), min_size=1, max_size=spare, unique=True))
    )
    plan = plan_remove_brokers(assignment, brokers, removed, sizes=sizes)
    _check_constraints(assignment, plan, brokers, removed)
    assert plan.report is not None
    assert plan.report.replica_moves >= plan.report.lower_bound_moves


@SETTINGS
@given(clusters(), st.integers(1, 3), st.integers(0, 30))
def test_add_brokers_with_a_cap_never_exceeds_it(
    cluster: tuple[ClusterAssignment, BrokerSet, PartitionSizes | None], new: int, cap: int
) -> None:
    assignment, brokers, sizes = cluster
    racks = brokers.racks
    start = max(brokers.ids) + 1
    grown = BrokerSet.of(
        [
            *brokers,
            *(Broker(start + i, racks[i % len(racks)] if racks else None) for i in range(new)),
        ]
    )
    new_ids = range(start, start + new)
    plan = plan_add_brokers(
        assignment, grown, new_ids, sizes=sizes, options=PlanOptions(max_moves=cap)
    )
    assert plan.replica_moves <= cap
    _check_constraints(assignment, plan, grown, set())
