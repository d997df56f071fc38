"""The fast version of ``nox -s bench -- planner``: every quality target on every scenario.

Timings are the benchmark's business (``nox -s bench``); this checks only what does not
depend on the machine: moves against the lower bound, spreads, bytes, and that each plan's
report agrees with a recount of its result.
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
    for name, scenario in figures["scenarios"].items():
        failed = [target for target, ok in scenario["targets"].items() if ok is False]
        assert not failed, f"{name}: {failed}"
        assert scenario["report_agrees_with_recount"], name


def test_kafka_generate_moves_more_than_our_plans(figures: dict[str, Any]) -> None:
    for name, kafka in figures["kafka_generate"].items():
        assert kafka["replica_moves"] >= figures["scenarios"][name]["replica_moves"], name


def test_planning_again_at_scale_moves_nothing(figures: dict[str, Any]) -> None:
    for point in figures["scale"]:
        assert point["add_replica_moves"] == point["add_lower_bound_moves"]
        assert point["add_replica_spread_after"] <= 1
        assert point["add_leader_spread_after"] <= 1
        assert point["rebalance_replica_moves"] == 0
