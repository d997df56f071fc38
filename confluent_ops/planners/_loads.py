"""How the load goals balance bytes per second: network in by moving replicas, the leaders'
produce and the bytes they serve by switching leaders.

A broker receives what every partition it holds is produced (a leader from producers, a
follower from its leader); a leader takes the produce and sends to its consumers and to every
follower. Each action here must strictly lower the goal's total distance outside its ranges
(and pass the constraints and the goals above), so the loops end and planning again on the
result finds nothing more to do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from confluent_ops.planners._workspace import Workspace, outside, weighted_changes

_Moves = Sequence[tuple[int, int, int]]
_Switches = Sequence[tuple[int, int]]


def replica_load_change(ws: Workspace, moves: _Moves, tolerance: float) -> float:
    """How these replica moves change the brokers' distance outside their network-in ranges."""
    return _change(ws, "net_in", weighted_changes(moves, ws.rate_in), tolerance)


def leader_load_change(ws: Workspace, kind: str, switches: _Switches, tolerance: float) -> float:
    """How these leadership switches change the brokers' distance outside a leader-load range."""
    weight = _weight(ws, kind)
    change: dict[int, float] = {}
    for pid, broker in switches:
        old = ws.replicas[pid][0]
        change[old] = change.get(old, 0.0) - weight(pid)
        change[broker] = change.get(broker, 0.0) + weight(pid)
    return _change(ws, kind, change, tolerance)


def moved_leader_load_change(ws: Workspace, kind: str, moves: _Moves, tolerance: float) -> float:
    """How replica moves that carry a leader slot change a leader-load goal's distance."""
    weight = _weight(ws, kind)
    change: dict[int, float] = {}
    for pid, source, dest in moves:
        if ws.replicas[pid][0] == source:
            change[source] = change.get(source, 0.0) - weight(pid)
            change[dest] = change.get(dest, 0.0) + weight(pid)
    return _change(ws, kind, change, tolerance) if change else 0.0


def _change(ws: Workspace, kind: str, change: dict[int, float], tolerance: float) -> float:
    load = ws.load(kind)
    total = 0.0
    for b, delta in change.items():
        low, high = ws.load_range(kind, b, tolerance)
        total += outside(load[b] + delta, low, high) - outside(load[b], low, high)
    return total


def _weight(ws: Workspace, kind: str) -> Callable[[int], float]:
    if kind == "lead_in":
        return ws.rate_in.__getitem__
    return ws.serves


def _ratio(ws: Workspace, kind: str, broker: int) -> float:
    share = ws.load_share(kind, broker)
    return ws.load(kind)[broker] / share if share else 0.0


def balance_network_in(ws: Workspace, goal: str, tolerance: float) -> None:
    """Even out bytes/s received per broker by moving (or swapping) replicas."""
    if not ws.rates_known:
        return

    def improves(moves: _Moves) -> bool:
        return replica_load_change(ws, moves, tolerance) < -1e-9

    changed = True
    while changed:
        changed = False
        by_load = sorted(ws.targets, key=lambda b: (-_ratio(ws, "net_in", b), b))
        heavy = [b for b in by_load if _ratio(ws, "net_in", b) > 1 + tolerance]
        light = [b for b in reversed(by_load) if b in ws.receivers and _ratio(ws, "net_in", b) < 1]
        starving = [b for b in light if _ratio(ws, "net_in", b) < 1 - tolerance]
        pairs = [(h, d) for h in heavy for d in light[:8]]
        pairs += [(h, d) for d in starving for h in by_load[:8] if _ratio(ws, "net_in", h) > 1]
        for source, dest in pairs:
            if _shift_replica_load(ws, goal, source, dest, improves):
                changed = True
                break


def _shift_replica_load(
    ws: Workspace, goal: str, source: int, dest: int, improves: Callable[[_Moves], bool]
) -> bool:
    rate = ws.rate_in
    gap = ws.net_in[source] - ws.net_in[dest]
    hot = sorted((pid for _, pid in ws.holdings[source]), key=lambda p: (-rate[p], p))[:32]
    for pid in hot:
        if (
            0 < rate[pid] < gap
            and improves(((pid, source, dest),))
            and ws.allows(pid, source, dest)
        ):
            ws.move(goal, pid, source, dest)
            return True
    cool = sorted((pid for _, pid in ws.holdings[dest]), key=lambda p: (rate[p], p))[:32]
    for pid in hot[:16]:
        if dest in ws.replicas[pid]:
            continue
        for qid in cool:
            if source in ws.replicas[qid] or not 0 < rate[pid] - rate[qid] < gap:
                continue
            action = ((pid, source, dest), (qid, dest, source))
            if improves(action) and ws.allows_action(action):
                ws.move(goal, pid, source, dest)
                ws.move(goal, qid, dest, source)
                return True
    return False


def balance_leader_load(ws: Workspace, goal: str, kind: str, tolerance: float) -> None:
    """Even out a leader load (``lead_in`` or ``net_out``) by switching leaders, or swapping two."""
    if not ws.rates_known:
        return
    weight = _weight(ws, kind)

    def improves(switches: _Switches) -> bool:
        return leader_load_change(ws, kind, switches, tolerance) < -1e-9

    changed = True
    while changed:
        changed = False
        by_load = sorted(ws.targets, key=lambda b: (-_ratio(ws, kind, b), b))
        outside = [b for b in by_load if not 1 - tolerance <= _ratio(ws, kind, b) <= 1 + tolerance]
        for broker in outside:
            if _ratio(ws, kind, broker) > 1:
                done = _shed_leader_load(ws, goal, broker, weight, improves)
            else:
                done = _take_leader_load(ws, goal, broker, weight, improves)
            if done:
                changed = True
                break


def _switch(ws: Workspace, goal: str, switches: _Switches) -> None:
    for pid, broker in switches:
        ws.lead(goal, pid, broker)


def _shed_leader_load(
    ws: Workspace,
    goal: str,
    heavy: int,
    weight: Callable[[int], float],
    improves: Callable[[_Switches], bool],
) -> bool:
    led = sorted(ws.led[heavy], key=lambda p: (-weight(p), p))[:48]
    for pid in led:
        if not ws.movable[pid]:
            continue
        for follower in ws.replicas[pid][1:]:
            single = ((pid, follower),)
            if improves(single) and ws.allows_leaders(single):
                _switch(ws, goal, single)
                return True
    for pid in led[:16]:
        for follower in ws.replicas[pid][1:]:
            # Give ``pid`` to the follower and take back a lighter one it leads.
            back = sorted(
                (
                    q
                    for q in ws.led[follower]
                    if heavy in ws.replicas[q] and weight(q) < weight(pid)
                ),
                key=lambda q: (weight(q), q),
            )[:16]
            for qid in back:
                pair = ((pid, follower), (qid, heavy))
                if improves(pair) and ws.allows_leaders(pair):
                    _switch(ws, goal, pair)
                    return True
    return False


def _take_leader_load(
    ws: Workspace,
    goal: str,
    light: int,
    weight: Callable[[int], float],
    improves: Callable[[_Switches], bool],
) -> bool:
    following = sorted(
        (pid for _, pid in ws.holdings[light] if ws.replicas[pid][0] != light and ws.movable[pid]),
        key=lambda p: (-weight(p), p),
    )[:48]
    for pid in following:
        single = ((pid, light),)
        if improves(single) and ws.allows_leaders(single):
            _switch(ws, goal, single)
            return True
    for pid in following[:16]:
        leader = ws.replicas[pid][0]
        back = sorted(
            (q for q in ws.led[light] if leader in ws.replicas[q] and weight(q) < weight(pid)),
            key=lambda q: (weight(q), q),
        )[:16]
        for qid in back:
            pair = ((pid, light), (qid, leader))
            if improves(pair) and ws.allows_leaders(pair):
                _switch(ws, goal, pair)
                return True
    return False
