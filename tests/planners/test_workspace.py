"""The planners' workspace keeps its shortcuts honest: after any sequence of moves, what it
reads from its lazily kept structures equals a recount from the replica lists (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confluent_ops.model import BrokerSet, ClusterAssignment, PartitionSizes
from confluent_ops.planners import plan_rebalance, plan_remove_brokers
from confluent_ops.planners._workspace import Workspace
from tests.planners.test_properties import clusters

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Cluster = tuple[ClusterAssignment, BrokerSet, PartitionSizes | None]


def _recount_holdings(ws: Workspace, broker: int) -> list[tuple[int, int]]:
    return sorted((ws.size[pid], pid) for pid, r in enumerate(ws.replicas) if broker in r)


def _recount_short(ws: Workspace) -> list[int]:
    rack = ws.rack
    return [
        pid
        for pid, r in enumerate(ws.replicas)
        if ws.target_racks and len({rack[b] for b in r}) < min(len(r), ws.target_racks)
    ]


@SETTINGS
@given(clusters(), st.data())
def test_lazy_reads_equal_a_recount_after_any_moves(cluster: Cluster, data: st.DataObject) -> None:
    assignment, brokers, sizes = cluster
    ws = Workspace(assignment, brokers, sizes=sizes)
    steps = data.draw(st.integers(0, 60))
    for _ in range(steps):
        pid = data.draw(st.integers(0, len(ws.replicas) - 1))
        source = data.draw(st.sampled_from(ws.replicas[pid]))
        free = [b for b in brokers.ids if b not in ws.replicas[pid]]
        if free:
            ws.move("test", pid, source, data.draw(st.sampled_from(free)))
        elif len(ws.replicas[pid]) > 1:
            ws.lead("test", pid, ws.replicas[pid][-1])
        if data.draw(st.booleans()):  # read now and then: changes apply one by one or sorted
            broker = data.draw(st.sampled_from(brokers.ids))
            assert ws.holdings[broker] == _recount_holdings(ws, broker)
    for broker in brokers.ids:
        assert ws.holdings[broker] == _recount_holdings(ws, broker)
    assert ws.short_of_racks() == _recount_short(ws)
    assert ws.replica_moves() == sum(ws.adds(pid) for pid in range(len(ws.replicas)))
    assert ws.changed() == [
        pid
        for pid, r in enumerate(ws.replicas)
        if tuple(r) != assignment.replicas(ws.partitions[pid])
    ]


@SETTINGS
@given(clusters(), st.booleans())
def test_the_report_figures_equal_a_recount_of_the_plan(cluster: Cluster, remove: bool) -> None:
    assignment, brokers, sizes = cluster
    widest = max(len(r) for r in assignment.partitions.values())
    if remove and len(brokers) > widest:
        removed = [max(brokers.ids)]
        plan = plan_remove_brokers(assignment, brokers, removed, sizes=sizes)
    else:
        removed = []
        plan = plan_rebalance(assignment, brokers, sizes=sizes)
    report = plan.report
    assert report is not None
    after = plan.apply_to(assignment)
    targets = BrokerSet.of(b for b in brokers if b.id not in removed)

    def short(a: ClusterAssignment, racks: int) -> int:
        return sum(
            1
            for r in a.partitions.values()
            if racks and len({brokers.rack_of(b) for b in r}) < min(len(r), racks)
        )

    assert report.rack_violations_before == short(assignment, len(brokers.racks))
    assert report.rack_violations_after == short(after, len(targets.racks))
    assert report.replica_moves == sum(m.replica_moves for m in plan)
    assert report.leader_changes == sum(1 for m in plan if m.changes_leader)
    assert report.partitions_changed == sum(
        1 for tp in assignment if assignment.replicas(tp) != after.replicas(tp)
    )
    assert report.partitions_moved_whole == sum(
        1 for m in plan if m.adding and not set(m.before) & set(m.after)
    )
    if sizes is not None:
        assert report.bytes_moved == sum(sizes.size(m.partition) * len(m.adding) for m in plan)
