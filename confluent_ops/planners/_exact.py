"""The fewest moves, exactly: a mixed-integer program solved by HiGHS for plans of modest size.

The goals' greedy search reaches a balance but may take a few more moves than needed. Here every
assignment that balances at least as well as the greedy plan (each built-in goal in force
within its range, or no farther from it than the greedy plan: the very ranges the lower bound
uses, in :mod:`~confluent_ops.planners._bounds`) is a feasible point of a 0/1 program:
``x[p, b] = 1`` when partition ``p`` has a replica on broker ``b``. Minimizing the replicas
placed where they are not now, and then the bytes they carry, gives the fewest moves; HiGHS's
dual bound is a lower bound on moves that holds for the same assignments, often tighter than
the counting bound.

A goal the greedy plan left unmet (disk usage that cannot be even, typically) comes first, as
it does among the goals: the program first brings it as close as it can, then saves moves
without losing any of that. Otherwise the goals, run again on the program's plan, would find
it short of their balance and add moves until it is not.

Work is limited by branch-and-bound nodes, rounds and simplex iterations, not by the clock, so
the same input always gives the same plan. The greedy plan is kept unless the program finds
one with fewer moves (or as many and fewer bytes).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Sequence

import attrs
import highspy
import numpy as np
from highspy._core import _Highs

from confluent_ops.planners._bounds import (
    BYTES,
    NETWORK_IN,
    byte_limits,
    count_limits,
    network_in_limits,
    racks_needed,
    topic_limits,
)
from confluent_ops.planners._workspace import Workspace, outside

MAX_VARIABLES = 10_000
"""Partitions x brokers above which the 0/1 program is not attempted (the greedy plan stands)."""
MAX_RELAXED_VARIABLES = 60_000
"""Up to this, the program's linear relaxation still runs: its optimum bounds the moves, and
the partitions it moves (up to ``MAX_VARIABLES`` choices) get the 0/1 program."""
MAX_NODES = 1
"""Branch-and-bound nodes on the whole program: its root gives the dual bound and a first plan;
the neighbourhood search below finds better plans far sooner than more nodes do."""
MAX_ITERATIONS = 100_000
NEIGHBOURHOOD_MOVED = 60
NEIGHBOURHOOD_KEPT = 60
"""Partitions a neighbourhood frees: some the plan moves (they may go back), some it leaves
(they may take up the slack), drawn afresh each round."""
NEIGHBOURHOOD_ROUNDS = 40
NEIGHBOURHOOD_STALL = 8
"""Rounds at most, and rounds in a row without a better plan before the search stops."""
NEIGHBOURHOOD_NODES = 50
MAX_PLACEMENTS = 128
"""Placements of the largest partition the bound tries one by one (see ``bound_moves``)."""
UNMET_WEIGHT = 1000.0
"""What one replica's mean size of distance from an unmet goal's range costs, in moves: the
goal comes first, moves after."""


@attrs.frozen
class ExactResult:
    """What the program found: a better assignment (or None) and a lower bound on moves."""

    replicas: tuple[tuple[int, ...], ...] | None
    moves: int | None
    bound: int | None


def _add_row(
    h: _Highs, low: float, high: float, indices: Sequence[int], values: Sequence[float]
) -> None:
    h.addRow(
        low if math.isfinite(low) else -highspy.kHighsInf,
        high if math.isfinite(high) else highspy.kHighsInf,
        len(indices),
        np.array(indices, dtype=np.int32),
        np.array(values, dtype=np.float64),
    )


def _read_only(values: np.ndarray) -> np.ndarray:
    values.flags.writeable = False
    return values


@attrs.frozen
class _Program:
    """The 0/1 program for one workspace: HiGHS's model (rows and columns are added to it as
    the search goes) and where each partition's columns are."""

    h: _Highs
    ws: Workspace
    brokers: tuple[int, ...]
    width: int
    columns_of: tuple[np.ndarray, ...]
    """Per partition: its broker columns (``p * width + i``), then its rack-span columns."""
    start: np.ndarray
    """The workspace's own assignment: feasible by construction (the ranges include it)."""

    def row(self, low: float, high: float, indices: Sequence[int], values: Sequence[float]) -> None:
        _add_row(self.h, low, high, indices, values)

    def costs(self) -> np.ndarray:
        return np.array(self.h.getLp().col_cost_)

    def set_costs(self, costs: np.ndarray) -> None:
        self.h.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)

    def assignment(self, values: np.ndarray) -> tuple[tuple[tuple[int, ...], ...], int]:
        """The replica sets of an assignment's values, and its moves."""
        ws, width = self.ws, self.width
        chosen = tuple(
            tuple(b for i, b in enumerate(self.brokers) if values[p * width + i] > 0.5)
            for p in range(len(ws.replicas))
        )
        moves = sum(len(set(c) - set(ws.original[p])) for p, c in enumerate(chosen))
        return chosen, moves


def _program(ws: Workspace, in_force: Sequence[str], *, integral: bool) -> _Program:
    brokers = list(ws.all_brokers)
    partitions = len(ws.replicas)
    # The low-level class: the public ``Highs`` prints a banner before any option can silence
    # it (HiGHS issue #2749); this one honours ``output_flag`` set first.
    h = _Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_max_nodes", MAX_NODES)
    h.setOptionValue("mip_heuristic_effort", 0.3)
    # Its own sub-programs (RINS, RENS) took seconds at the root for little: the neighbourhood
    # search does that work in smaller steps.
    h.setOptionValue("mip_heuristic_run_rins", False)
    h.setOptionValue("mip_heuristic_run_rens", False)
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
    columns_of = [list(range(p * width, (p + 1) * width)) for p in range(partitions)]

    def row(low: float, high: float, indices: Sequence[int], values: Sequence[float]) -> None:
        _add_row(h, low, high, indices, values)

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
            if need >= len(ws.replicas[p]):
                # Every replica in a rack of its own: one row per rack, no span columns (and a
                # tighter relaxation: spans let a fraction of a replica count as a whole rack).
                for members in racks.values():
                    if len(members) > 1:
                        cols = [p * width + column[b] for b in members]
                        row(-math.inf, 1.0, cols, [1.0] * len(members))
                continue
            spans = []
            for members in racks.values():
                # spans the rack -> at least one of its brokers holds a replica
                h.addVar(0.0, 1.0)
                span = h.getNumCol() - 1
                spans.append(span)
                spans_of.append((p, span, members))
                columns_of[p].append(span)
                row(
                    -math.inf,
                    0.0,
                    [span] + [p * width + column[b] for b in members],
                    [1.0] + [-1.0] * len(members),
                )
            row(need, math.inf, spans, [1.0] * len(spans))
    start = np.zeros(h.getNumCol())
    for p in range(partitions):
        for b in ws.replicas[p]:
            start[p * width + column[b]] = 1.0
    for p, span, members in spans_of:
        start[span] = 1.0 if any(b in ws.replicas[p] for b in members) else 0.0
    return _Program(
        h,
        ws,
        tuple(brokers),
        width,
        tuple(_read_only(np.array(cols, dtype=np.int64)) for cols in columns_of),
        _read_only(start),
    )


def minimize_moves(ws: Workspace, in_force: Sequence[str]) -> ExactResult:
    """The fewest-moves assignment as balanced as ``ws`` (its replica sets), and a bound.

    ``in_force`` names the goals in their priority order: an unmet goal that comes first is
    brought closer before moves are saved.
    """
    partitions = len(ws.replicas)
    variables = partitions * len(ws.all_brokers)
    if not partitions or variables > MAX_RELAXED_VARIABLES:
        return ExactResult(None, None, None)
    if variables > MAX_VARIABLES:
        return _relax_and_fix(_program(ws, in_force, integral=False))
    program = _program(ws, in_force, integral=True)
    h = program.h
    _set_start(h, program.start)
    h.run()
    info = h.getInfo()
    bound = None
    if math.isfinite(info.mip_dual_bound):
        bound = max(0, math.ceil(info.mip_dual_bound - 0.5 - 1e-6))
    values = _solution(h)
    if values is None:
        values = program.start
    move_costs = program.costs()
    for weights, ranges in _unmet_terms(ws, in_force):
        values = _closer_to_unmet_goal(program, values, move_costs, weights, ranges)
    values = _search_neighbourhoods(program, values, bound or 0)
    chosen, moves = program.assignment(values)
    return ExactResult(chosen, moves, bound)


def _relax_and_fix(program: _Program) -> ExactResult:
    """For programs too large for branch and bound: the relaxation's bound, then a 0/1 program
    over the partitions the relaxation moves or splits."""
    h, ws, width = program.h, program.ws, program.width
    partitions = len(ws.replicas)
    # The interior-point method (with its crossover to an exact optimum) is several times
    # faster than simplex on these.
    h.setOptionValue("solver", "ipm")
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return ExactResult(None, None, None)
    value = h.getInfo().objective_function_value
    relaxed_bound = max(0, math.ceil(value - 0.5 - 1e-6))
    # The optimum is a vertex, mostly 0s and 1s. Partitions it leaves where they are stay
    # there; those it moves, or splits, become a 0/1 program small enough.
    x = np.array(h.getSolution().col_value[: partitions * width]).reshape(partitions, width)
    held = program.start[: partitions * width].reshape(partitions, width) > 0.5
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
    values = _solution(h)
    if values is None:
        return ExactResult(None, None, relaxed_bound)
    chosen, moves = program.assignment(values)
    return ExactResult(chosen, moves, relaxed_bound)


def bound_moves(ws: Workspace, in_force: Sequence[str]) -> int | None:
    """A lower bound on moves for every assignment as balanced as ``ws``, or None (too large).

    The linear relaxation lets a partition be split across brokers, which makes balancing
    bytes nearly free: with one partition close to a broker's whole share, its bound stays far
    below any real plan. Placing that partition first, each of its possible placements in
    turn, and relaxing the rest, bounds every plan that places it so; the least of those
    bounds every plan (branching by hand on the one choice that matters).
    """
    if not ws.replicas or len(ws.replicas) * len(ws.all_brokers) > MAX_VARIABLES:
        return None
    program = _program(ws, in_force, integral=False)
    h = program.h
    h.setOptionValue("solver", "simplex")
    lp = h.getLp()
    lower, upper = np.array(lp.col_lower_), np.array(lp.col_upper_)
    everything = np.arange(len(lower), dtype=np.int32)
    best = math.inf
    for fixed in _placements_of_largest(program, lower, upper, in_force):
        low, high = lower.copy(), upper.copy()
        for index, value in fixed:
            low[index] = high[index] = value
        h.changeColsBounds(len(low), everything, low, high)
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            best = min(best, h.getInfo().objective_function_value)
        elif h.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
            return None  # an iteration limit: no bound proven for this placement
    if not math.isfinite(best):
        return None
    return max(0, math.ceil(best - 0.5 - 1e-6))


def _placements_of_largest(
    program: _Program, lower: np.ndarray, upper: np.ndarray, in_force: Sequence[str]
) -> Iterator[list[tuple[int, float]]]:
    """Each way to place the largest partition (its columns' values), or one empty placement
    (relax everything) when it is not large or has too many ways."""
    ws = program.ws
    nothing: list[tuple[int, float]] = []
    if not ws.sizes_known or not ws.replicas:
        yield nothing
        return
    largest = max(range(len(ws.replicas)), key=lambda p: (ws.size[p], -p))
    widths = [high - low for low, high in (byte_limits(ws, b, in_force) for b in ws.targets)]
    narrowest = min(widths, default=math.inf)
    cols = program.columns_of[largest][: program.width]
    allowed = [i for i, c in enumerate(cols) if upper[c] > 0.5]
    forced = [i for i, c in enumerate(cols) if lower[c] > 0.5]
    factor = len(ws.replicas[largest])
    ways = math.comb(len(allowed), factor)
    if ws.size[largest] <= narrowest or ways > MAX_PLACEMENTS or len(forced) == factor:
        yield nothing
        return
    needed = racks_needed(ws, largest, in_force)
    for chosen in itertools.combinations(allowed, factor):
        if not set(forced) <= set(chosen):
            continue
        if len({ws.rack[program.brokers[i]] for i in chosen}) < needed:
            continue
        yield [(c, 1.0 if i in chosen else 0.0) for i, c in enumerate(cols)]


def _unmet_terms(
    ws: Workspace, in_force: Sequence[str]
) -> Iterator[tuple[list[float], dict[int, tuple[float, float]]]]:
    """Per goal the plan leaves unmet that the program encodes, in priority order: each
    partition's weight (bytes, or bytes/s in) and each broker's range under the goal."""
    for goal in in_force:
        if goal == BYTES and ws.sizes_known and ws.total_bytes:
            ranges = {b: ws.byte_range(b, ws.byte_tolerance) for b in ws.targets}
            if any(outside(ws.bytes[b], *ranges[b]) for b in ws.targets):
                yield [float(s) for s in ws.size], ranges
        elif goal == NETWORK_IN and ws.rates_known:
            ranges = {
                b: ws.load_range("net_in", b, ws.byte_tolerance)
                for b in ws.targets
                if b not in ws.removed
            }
            if any(outside(ws.net_in[b], *ranges[b]) for b in ranges):
                yield list(ws.rate_in), ranges


def _closer_to_unmet_goal(
    program: _Program,
    values: np.ndarray,
    move_costs: np.ndarray,
    weights: list[float],
    ranges: dict[int, tuple[float, float]],
) -> np.ndarray:
    """Bring an unmet goal as close to met as the search can, then keep it there.

    A distance column per broker (how far outside its range it ends) carries the goal's cost;
    once the search has brought their sum down, a row holds it there and the cost goes.
    """
    h, ws, width = program.h, program.ws, program.width
    partitions = len(ws.replicas)
    unit = sum(w * len(ws.replicas[p]) for p, w in enumerate(weights)) / max(
        1, sum(len(r) for r in ws.replicas)
    )
    if unit <= 0:
        return values
    scaled = [w / unit for w in weights]
    distances = []
    extended = list(values)
    for i, b in enumerate(program.brokers):
        if b not in ranges:
            continue
        low, high = ranges[b]
        h.addVar(0.0, highspy.kHighsInf)
        distance = h.getNumCol() - 1
        distances.append(distance)
        cols = [p * width + i for p in range(partitions)] + [distance]
        program.row(-math.inf, high / unit, cols, [*scaled, -1.0])
        program.row(low / unit, math.inf, cols, [*scaled, 1.0])
        held = sum(scaled[p] for p in range(partitions) if values[p * width + i] > 0.5)
        extended.append(outside(held, low / unit, high / unit))
    values = np.array(extended)
    costs = np.zeros(h.getNumCol())
    costs[: len(move_costs)] = move_costs
    costs[distances] = UNMET_WEIGHT
    program.set_costs(costs)
    values = _search_neighbourhoods(program, values, None)
    reached = float(values[distances].sum())
    program.row(-math.inf, reached + 1e-9 * len(distances), distances, [1.0] * len(distances))
    costs[distances] = 0.0
    program.set_costs(costs)
    return values


def _set_start(h: _Highs, values: np.ndarray) -> None:
    start = highspy.HighsSolution()
    start.col_value = list(values)
    start.value_valid = True
    h.setSolution(start)


def _solution(h: _Highs) -> np.ndarray | None:
    """The values of the program's best assignment, or None when it found none."""
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
    values = np.array(h.getSolution().col_value)
    return np.where(np.abs(values - np.round(values)) < 1e-6, np.round(values), values)


def _search_neighbourhoods(program: _Program, values: np.ndarray, bound: int | None) -> np.ndarray:
    """A better assignment near ``values``, found by freeing a few partitions at a time.

    Branch and bound on the whole program finds good plans slowly where byte ranges make it a
    packing problem (a partition near a broker's whole share): on one such cluster it reaches
    the optimum only after a minute. Here every partition but a hundred or so stays where the
    best plan so far put it and the 0/1 program places the rest, a small program solved in a
    fraction of a second; a better plan becomes the next start (large neighbourhood search).
    Columns that belong to no partition (distances from a goal's range) stay free. The draws
    are seeded and the work counted in rounds and nodes, so the plan is repeatable. ``bound``:
    stop once the moves reach it (None: the costs are not moves alone).
    """
    h, ws, width = program.h, program.ws, program.width
    partitions = len(ws.replicas)
    # Small enough to free every partition at once: one search of the whole program.
    whole = partitions <= NEIGHBOURHOOD_MOVED + NEIGHBOURHOOD_KEPT
    costs = program.costs()
    best = float(costs @ values)
    h.setOptionValue("mip_max_nodes", NEIGHBOURHOOD_NODES)
    lp = h.getLp()
    lower, upper = np.array(lp.col_lower_), np.array(lp.col_upper_)
    everything = np.arange(len(values), dtype=np.int32)
    own = np.zeros(len(values), dtype=bool)
    for cols in program.columns_of:
        own[cols] = True
    held = program.start[: partitions * width].reshape(partitions, width) > 0.5
    draw = random.Random(0)  # noqa: S311 - a repeatable search, not a secret
    stalled = 0
    for _ in range(1 if whole else NEIGHBOURHOOD_ROUNDS):
        if stalled >= NEIGHBOURHOOD_STALL or (
            bound is not None and math.ceil(best - 0.5 - 1e-6) <= bound
        ):
            break
        placed = values[: partitions * width].reshape(partitions, width) > 0.5
        unchanged = np.all(placed == held, axis=1)
        moved = np.flatnonzero(~unchanged).tolist()
        kept = np.flatnonzero(unchanged).tolist()
        free = moved + kept if whole else draw.sample(moved, min(NEIGHBOURHOOD_MOVED, len(moved)))
        if not whole:
            free += draw.sample(kept, min(NEIGHBOURHOOD_KEPT, len(kept)))
        low = np.where(own, values, lower)
        high = np.where(own, values, upper)
        for p in free:
            cols = program.columns_of[p]
            low[cols], high[cols] = lower[cols], upper[cols]
        h.changeColsBounds(len(values), everything, low, high)
        _set_start(h, values)
        h.run()
        better = _solution(h)
        if better is not None and float(costs @ better) < best - 1e-9:
            values, best, stalled = better, float(costs @ better), 0
        else:
            stalled += 1
    h.changeColsBounds(len(values), everything, lower, upper)
    h.setOptionValue("mip_max_nodes", MAX_NODES)
    return values
