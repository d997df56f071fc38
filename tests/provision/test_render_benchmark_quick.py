"""The fast version of ``nox -s bench -- render``: the example's objects, counted and valid.

Timings are the benchmark's business; this checks what does not depend on the machine.
"""

from __future__ import annotations

from typing import Any

import pytest

bench_render = pytest.importorskip("benchmarks.bench_render")


def test_the_render_benchmark_counts_valid_objects_of_the_example_and_a_larger_cluster() -> None:
    figures: dict[str, Any] = bench_render.run(quick=True)

    example = figures["example"]
    assert example["objects"] == sum(example["per_kind"].values()) == 64
    assert example["per_kind"]["StatefulSet"] == 8
    larger = figures["20_brokers"]
    assert larger["per_kind"]["Service"] == example["per_kind"]["Service"] + 17
