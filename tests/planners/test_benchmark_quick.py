"""The fast version of ``nox -s bench -- planner``: every quality target on every scenario.

Timings are the benchmark's business (``nox -s bench``); this checks only what does not
depend on the machine: moves against the lower bound, spreads (per broker and per topic),
bytes, disks, network loads and log directories, that each plan's report agrees with a
recount of its result, that Kafka's ``--generate`` is no better, that the small random
clusters stay within 1.05 x their bound, and that the 10k scale point, planned again, moves
nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

bench_planner = pytest.importorskip("benchmarks.bench_planner")


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    result: dict[str, Any] = bench_planner.run(quick=True)
    return result


def test_every_quality_target_holds_on_every_scenario(figures: dict[str, Any]) -> None:
    failed = {
        name: [target for target, ok in scenario["targets"].items() if ok is False]
        for name, scenario in figures["scenarios"].items()
    }
    assert not {name: targets for name, targets in failed.items() if targets}


def test_every_report_agrees_with_a_recount_of_its_plan(figures: dict[str, Any]) -> None:
    disagree = {
        name: scenario["report_disagrees_on"]
        for name, scenario in figures["scenarios"].items()
        if not scenario["report_agrees_with_recount"]
    }
    assert not disagree


def test_the_issue_scenarios_are_all_measured(figures: dict[str, Any]) -> None:
    scenarios = figures["scenarios"]
    assert {"topic_heavy", "heterogeneous_capacities", "hot_partitions", "jbod"} <= set(scenarios)
    assert scenarios["heterogeneous_capacities"]["fullest_disk_after"] is not None
    assert set(scenarios["hot_partitions"]["loads_after"]) == {"net_in", "lead_in", "net_out"}
    assert scenarios["jbod"]["log_dirs"] > 0


def test_kafka_generate_moves_at_least_as_much_as_our_plans(figures: dict[str, Any]) -> None:
    for name, kafka in figures["kafka_generate"].items():
        assert kafka["replica_moves"] >= figures["scenarios"][name]["replica_moves"], name


def test_planning_again_at_scale_moves_nothing(figures: dict[str, Any]) -> None:
    (point,) = figures["scale"]
    assert point["replan_replica_moves"] == 0
    assert point["replica_moves"] <= bench_planner.MOVES_FACTOR * point["lower_bound_moves"]
    assert point["replica_spread_after"] <= 1
    assert point["leader_spread_after"] <= 1
    assert not point["report_disagrees_on"]


def test_small_random_clusters_stay_within_five_percent_of_their_bound(
    figures: dict[str, Any],
) -> None:
    small = figures["small_random"]
    off = [c["seed"] for c in small["cases"] if not c["within"]]
    assert small["seeds"] == bench_planner.QUICK_SMALL_RANDOM_SEEDS
    assert small["within"] == small["seeds"], off
