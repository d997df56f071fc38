"""The fewest moves, exactly: a mixed-integer program solved by HiGHS for plans of modest size.

The goals' greedy search reaches a balance but may take a few more moves than needed. Here every
assignment that balances at least as well as the greedy plan (each built-in goal in force
within its range, or no farther from it than the greedy plan: the very ranges the lower bound
uses, in :mod:`~confluent_ops.planners._bounds`) is a feasible point of a 0/1 program:
``x[p, b] = 1`` when partition ``p`` has a replica on broker ``b``. Minimizing the replicas
placed where they are not now, and then the bytes they carry, gives the fewest moves; HiGHS's
dual bound is a lower bound on moves that holds for the same assignments, often tighter than
the counting bound.

Work is limited by branch-and-bound nodes and simplex iterations, not by the clock, so the
same input always gives the same plan. The greedy plan is kept unless the program finds one
with fewer moves (or as many and fewer bytes).
"""

from __future__ import annotations

import math
from collections.abc import Container

import attrs
import highspy
import numpy as np
from highspy._core import _Highs

from confluent_ops.planners._bounds import (
    NETWORK_IN,
    byte_limits,
    count_limits,
    network_in_limits,
    racks_needed,
    topic_limits,
)
from confluent_ops.planners._workspace import Workspace

MAX_VARIABLES = 10_000
"""Partitions x brokers above which the 0/1 program is not attempted (the greedy plan stands)."""
MAX_RELAXED_VARIABLES = 60_000
"""Up to this, the program's linear relaxation still runs: its optimum bounds the moves, and
the partitions it moves (up to ``MAX_VARIABLES`` choices) get the 0/1 program."""
MAX_NODES = 100
MAX_ITERATIONS = 100_000


@attrs.frozen
class ExactResult:
    """What the program found: a better assignment (or None) and a lower bound on moves."""

    replicas: tuple[tuple[int, ...], ...] | None
    moves: int | None
    bound: int | None


def minimize_moves(ws: Workspace, in_force: Container[str]) -> ExactResult:
    """The fewest-moves assignment as balanced as ``ws`` (its replica sets), and a bound."""
    brokers = list(ws.all_brokers)
    partitions = len(ws.replicas)
    if not partitions or partitions * len(brokers) > MAX_RELAXED_VARIABLES:
        return ExactResult(None, None, None)
    integral = partitions * len(brokers) <= MAX_VARIABLES
    # The low-level class: the public ``Highs`` prints a banner before any option can silence
    # it (HiGHS issue #2749); this one honours ``output_flag`` set first.
    h = _Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_max_nodes", MAX_NODES)
    h.setOptionValue("mip_heuristic_effort", 0.3)
    # Stop once no assignment can save a whole move: the bytes term never adds up to one.
    h.setOptionValue("mip_abs_gap", 0.5)
    h.setOptionValue("simplex_iteration_limit", MAX_ITERATIONS)
    h.setOptionValue("time_limit", 120.0)

    total = float(sum(ws.size[p] * len(ws.replicas[p]) for p in range(partitions))) or 1.0
    column = {b: i for i, b in enumerate(brokers)}
    width = len(brokers)
    costs = np.zeros(partitions * width)
    lower = np.zeros(partitions * width)
    upper = np.ones(partitions * width)
    for p in range(partitions):
        original = ws.original[p]
        for b in brokers:
            index = p * width + column[b]
            if b not in original:
                # One per move, plus less than one in all for the bytes: moves come first.
                costs[index] = 1.0 + 0.5 * ws.size[p] / total
                if b not in ws.receivers or not ws.movable[p]:
                    upper[index] = 0.0
            elif not ws.movable[p]:
                lower[index] = 1.0
    h.addVars(partitions * width, lower, upper)
    h.changeColsCost(partitions * width, np.arange(partitions * width, dtype=np.int32), costs)
    if integral:
        h.changeColsIntegrality(
            partitions * width,
            np.arange(partitions * width, dtype=np.int32),
            np.full(partitions * width, highspy.HighsVarType.kInteger),
        )

    def row(low: float, high: float, indices: list[int], values: list[float]) -> None:
        h.addRow(
            low if math.isfinite(low) else -highspy.kHighsInf,
            high if math.isfinite(high) else highspy.kHighsInf,
            len(indices),
            np.array(indices, dtype=np.int32),
            np.array(values, dtype=np.float64),
        )

    for p in range(partitions):
        factor = len(ws.replicas[p])
        row(factor, factor, [p * width + i for i in range(width)], [1.0] * width)
    per_topic = [topic_limits(ws, topic, in_force) for topic in range(len(ws.topic_pids))]
    for b in brokers:
        cols = [p * width + column[b] for p in range(partitions)]
        low, high = count_limits(ws, b, in_force)
        row(low, high, cols, [1.0] * partitions)
        if ws.sizes_known:
            b_low, b_high = byte_limits(ws, b, in_force)
            if b_low > 0 or math.isfinite(b_high):
                row(b_low, b_high, cols, [float(ws.size[p]) for p in range(partitions)])
        if ws.rates_known and NETWORK_IN in in_force and b not in ws.removed:
            n_low, n_high = network_in_limits(ws, b)
            row(n_low, n_high, cols, [ws.rate_in[p] for p in range(partitions)])
        for pids, limits in zip(ws.topic_pids, per_topic, strict=True):
            if limits is not None:
                row(*limits[b], [p * width + column[b] for p in pids], [1.0] * len(pids))
    spans_of: list[tuple[int, int, list[int]]] = []
    if ws.target_racks:
        racks: dict[int, list[int]] = {}
        for b in brokers:
            racks.setdefault(ws.rack[b], []).append(b)
        for p in range(partitions):
            need = racks_needed(ws, p, in_force)
            if need <= 1:
                continue
            spans = []
            for members in racks.values():
                # spans the rack -> at least one of its brokers holds a replica
                h.addVar(0.0, 1.0)
                span = h.getNumCol() - 1
                spans.append(span)
                spans_of.append((p, span, members))
                row(
                    -math.inf,
                    0.0,
                    [span] + [p * width + column[b] for b in members],
                    [1.0] + [-1.0] * len(members),
                )
            row(need, math.inf, spans, [1.0] * len(spans))

    if not integral:
        # The linear relaxation: no assignment as balanced moves less than its optimum. The
        # interior-point method (with its crossover to an exact optimum) is several times
        # faster than simplex on these.
        h.setOptionValue("solver", "ipm")
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return ExactResult(None, None, None)
        value = h.getInfo().objective_function_value
        relaxed_bound = max(0, math.ceil(value - 0.5 - 1e-6))
        # Relax and fix: the optimum is a vertex, mostly 0s and 1s. Partitions it leaves where
        # they are stay there; those it moves, or splits, become a 0/1 program small enough.
        x = np.array(h.getSolution().col_value[: partitions * width]).reshape(partitions, width)
        held = np.zeros((partitions, width), dtype=bool)
        for p in range(partitions):
            for b in ws.original[p]:
                held[p, column[b]] = True
        kept = np.all(np.where(held, x >= 1 - 1e-6, x <= 1e-6), axis=1)
        fixed = np.flatnonzero(np.repeat(kept, width)).astype(np.int32)
        at = held.reshape(-1)[fixed].astype(np.float64)
        open_choices = np.flatnonzero(np.repeat(~kept, width))
        if len(open_choices) > MAX_VARIABLES:
            return ExactResult(None, None, relaxed_bound)
        h.changeColsBounds(len(fixed), fixed, at, at)
        h.changeColsIntegrality(
            len(open_choices),
            open_choices.astype(np.int32),
            np.full(len(open_choices), highspy.HighsVarType.kInteger),
        )
        h.setOptionValue("solver", "choose")
        # Presolve spends seconds rediscovering the fixed columns; the program is small without.
        h.setOptionValue("presolve", "off")
        h.run()
        found = _chosen(h, ws, brokers, column, width)
        if found is None:
            return ExactResult(None, None, relaxed_bound)
        return ExactResult(found[0], found[1], relaxed_bound)
    # The greedy plan is the incumbent the search starts from.
    start = np.zeros(h.getNumCol())
    for p in range(partitions):
        for b in ws.replicas[p]:
            start[p * width + column[b]] = 1.0
    for p, span, members in spans_of:
        start[span] = 1.0 if any(b in ws.replicas[p] for b in members) else 0.0
    solution = highspy.HighsSolution()
    solution.col_value = list(start)
    solution.value_valid = True
    h.setSolution(solution)
    h.run()
    info = h.getInfo()
    bound = None
    if math.isfinite(info.mip_dual_bound):
        bound = max(0, math.ceil(info.mip_dual_bound - 0.5 - 1e-6))
    found = _chosen(h, ws, brokers, column, width)
    if found is None:
        return ExactResult(None, None, bound)
    return ExactResult(found[0], found[1], bound)


def _chosen(
    h: _Highs, ws: Workspace, brokers: list[int], column: dict[int, int], width: int
) -> tuple[tuple[tuple[int, ...], ...], int] | None:
    """The replica sets of the program's best assignment and its moves (None: none found)."""
    if (
        h.getModelStatus()
        not in (
            highspy.HighsModelStatus.kOptimal,
            highspy.HighsModelStatus.kSolutionLimit,
            highspy.HighsModelStatus.kIterationLimit,
            highspy.HighsModelStatus.kTimeLimit,
        )
        or h.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible
    ):
        return None
    values = h.getSolution().col_value
    partitions = len(ws.replicas)
    chosen = tuple(
        tuple(b for b in brokers if values[p * width + column[b]] > 0.5) for p in range(partitions)
    )
    moves = sum(len(set(chosen[p]) - set(ws.original[p])) for p in range(partitions))
    return chosen, moves
