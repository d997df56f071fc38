"""Preferred-leader balance by reordering replica lists: no data moves, only leadership.

One search serves both leader goals: per broker (``balance_leaders``) and per topic and broker
(``balance_topic_leaders``). A broker above its range hands one leadership to a follower whose
broker has room, directly or along a short chain of switches (a breadth-first augmenting path);
a broker below its range takes one the same way, searched backwards. Every switch passes the
goals already optimized (``ws.allows_leader``). Partitions of frozen topics keep their order.
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping

from confluent_ops.planners._workspace import Workspace

LEADER_BALANCE = "leader-distribution"

_Path = list[tuple[int, int]]


def balance_leaders(ws: Workspace, goal: str) -> None:
    """Every broker that holds replicas leads between the floor and ceiling of an even share."""
    brokers = [b for b in ws.targets if ws.count[b] > 0]
    _balance(
        ws,
        goal,
        brokers,
        count=lambda b: ws.leads[b],
        limits=ws.leader_range,
        led=ws.led,
        held=lambda b: map(operator.itemgetter(1), ws.holdings[b]),
    )


def balance_topic_leaders(ws: Workspace, goal: str) -> None:
    """Every topic's leaders per broker within the topic's range (``lead_cell_range``)."""
    brokers = [b for b in ws.targets if ws.count[b] > 0]
    for topic, pids in enumerate(ws.topic_pids):
        if ws.topic_frozen[topic]:
            continue
        cells = ws.lead_cell[topic]
        if all(_off(cells.get(b, 0), ws.lead_cell_range(topic, b)) == 0 for b in brokers):
            continue
        led: dict[int, set[int]] = {b: set() for b in ws.all_brokers}
        held: dict[int, list[int]] = {b: [] for b in ws.all_brokers}
        for pid in pids:
            led[ws.replicas[pid][0]].add(pid)
            for b in ws.replicas[pid]:
                held[b].append(pid)

        def limits(b: int, topic: int = topic) -> tuple[int, int]:
            return ws.lead_cell_range(topic, b)

        def count(b: int, cells: dict[int, int] = cells) -> int:
            return cells.get(b, 0)

        _balance(
            ws,
            goal,
            brokers,
            count=count,
            limits=limits,
            led=led,
            held=held.__getitem__,
            local=True,
        )


def _off(count: int, limits: tuple[int, int]) -> int:
    low, high = limits
    return count - high if count > high else (low - count if count < low else 0)


def _balance(
    ws: Workspace,
    goal: str,
    brokers: list[int],
    *,
    count: Callable[[int], int],
    limits: Callable[[int], tuple[int, int]],
    led: dict[int, set[int]],
    held: Callable[[int], Iterable[int]],
    local: bool = False,
) -> None:
    stuck: set[int] = set()
    # Replica lists only reorder here, so each broker's range stays what it is now.
    fixed = {b: limits(b) for b in ws.all_brokers}
    rotation = _Rotation(led)
    members = set(brokers)

    def outside_range(b: int) -> bool:
        low, high = fixed[b]
        return not low <= count(b) <= high

    # Only the brokers along a switched path change: the others keep their verdict.
    off = {b for b in brokers if outside_range(b)}
    while True:
        over = [b for b in off if b not in stuck and count(b) > fixed[b][1]]
        under = [b for b in off if b not in stuck and count(b) < fixed[b][0]]
        if not over and not under:
            return
        if over:
            start = max(over, key=lambda b: (count(b) - fixed[b][1], -b))
            path = _forward(ws, start, led, rotation, lambda b: count(b) < fixed[b][1])
        else:
            start = max(under, key=lambda b: (fixed[b][0] - count(b), -b))
            path = _backward(ws, start, held, lambda b: count(b) > fixed[b][0])
        if path is None or not all(ws.allows_leader(pid, b) for pid, b in path):
            stuck.add(start)
            continue
        for pid, broker in path:
            old = ws.replicas[pid][0]
            ws.lead(goal, pid, broker)
            if local:
                led[old].discard(pid)
                led[broker].add(pid)
            for b in (old, broker):
                if b in members and outside_range(b):
                    off.add(b)
                else:
                    off.discard(b)


class _Rotation:
    """Per broker, the partitions it leads in a fixed order, and where its last search stopped.

    A broker above its range gives up one leadership per search. Starting each search where the
    last one stopped passes over the partitions refused a moment ago: rescanning them from the
    top made every search hundreds of refusals long on a large cluster.
    """

    def __init__(self, led: Mapping[int, set[int]]) -> None:
        self._led = led
        self._order: dict[int, list[int]] = {}
        self._next: dict[int, int] = {}

    def led_by(self, broker: int) -> Iterator[int]:
        """Every partition ``broker`` leads, once, from where the last search stopped."""
        leading = self._led[broker]
        order = self._order.get(broker)
        if order is None:
            order = self._order[broker] = list(leading)
        first = self._next.get(broker, 0)
        for step in range(len(order)):
            index = (first + step) % len(order)
            pid = order[index]
            if pid in leading:
                self._next[broker] = index
                yield pid
        # A full round found nothing: start again from what the broker leads now.
        seen = set(order)
        self._order[broker] = list(leading)
        self._next[broker] = 0
        yield from (pid for pid in self._order[broker] if pid not in seen)


def _forward(
    ws: Workspace,
    start: int,
    led: Mapping[int, set[int]],
    rotation: _Rotation,
    has_room: Callable[[int], bool],
) -> _Path | None:
    """Switches that move one leadership from ``start`` to a broker with room.

    A direct switch first (the common case, searched in ``rotation`` order), then breadth-first
    search over broker -> partition it leads -> another replica's broker. Sets of ints iterate
    in an order fixed by their contents and history (the same input gives the same history),
    so the result is deterministic without sorting thousands of partitions per search.
    """
    for pid in rotation.led_by(start):
        if not ws.movable[pid]:
            continue
        roomy = sorted((ws.leads[b], b) for b in ws.replicas[pid][1:] if has_room(b))
        for _, b in roomy:
            if ws.allows_leader(pid, b):
                return [(pid, b)]
    parent: dict[int, tuple[int, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        broker = queue.popleft()
        for pid in led[broker]:
            if not ws.movable[pid]:
                continue
            for b in ws.replicas[pid][1:]:
                if b in parent or not ws.allows_leader(pid, b):
                    continue
                parent[b] = (pid, broker)
                if has_room(b):
                    steps = []
                    node = b
                    while (link := parent[node]) is not None:
                        via_pid, prev = link
                        steps.append((via_pid, node))
                        node = prev
                    return steps
                queue.append(b)
    return None


def _backward(
    ws: Workspace, start: int, held: Callable[[int], Iterable[int]], can_give: Callable[[int], bool]
) -> _Path | None:
    """Switches that bring one leadership to ``start`` from a broker that can spare one.

    The search runs backwards: from a broker to the leaders of partitions it follows.
    """
    parent: dict[int, tuple[int, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        broker = queue.popleft()
        for pid in held(broker):
            leader = ws.replicas[pid][0]
            if leader == broker or leader in parent or not ws.movable[pid]:
                continue
            if not ws.allows_leader(pid, broker):
                continue
            parent[leader] = (pid, broker)
            if can_give(leader):
                steps = []
                node = leader
                while (link := parent[node]) is not None:
                    via_pid, to = link
                    steps.append((via_pid, to))
                    node = to
                return steps
            queue.append(leader)
    return None
