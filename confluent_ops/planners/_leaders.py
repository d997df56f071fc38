"""Preferred-leader balance by reordering replica lists: no data moves, only leadership."""

from __future__ import annotations

from collections import deque

from confluent_ops.planners._workspace import Workspace

LEADER_BALANCE = "balance-leaders"


def balance_leaders(ws: Workspace) -> int:
    """Reorder replica lists so that preferred-leader counts differ by at most one.

    Leadership moves within a partition's own replicas. A direct switch hands a partition led
    by the most loaded broker to one of its other replicas whose broker leads at least two
    fewer; when none exists, a short chain of switches (a breadth-first augmenting path)
    shifts one leadership along. Partitions of frozen topics keep their order. Returns the
    number of partitions whose leader changed relative to the input order.
    """
    brokers = [b for b in ws.targets if ws.count[b] > 0]
    if not brokers:
        return 0
    led: dict[int, set[int]] = {b: set() for b in ws.all_brokers}
    lead = dict.fromkeys(ws.all_brokers, 0)
    for pid, replicas in enumerate(ws.replicas):
        led[replicas[0]].add(pid)
        lead[replicas[0]] += 1
    stuck: set[int] = set()

    def promote(pid: int, broker: int) -> None:
        replicas = ws.replicas[pid]
        old = replicas[0]
        replicas.remove(broker)
        replicas.insert(0, broker)
        led[old].discard(pid)
        led[broker].add(pid)
        lead[old] -= 1
        lead[broker] += 1

    while True:
        live = [b for b in brokers if b not in stuck]
        if not live:
            break
        high = max(live, key=lambda b: (lead[b], -b))
        low = min(brokers, key=lambda b: (lead[b], b))
        if lead[high] - lead[low] <= 1:
            break
        path = _augmenting_path(ws, high, led, lead)
        if path is None:
            stuck.add(high)
            continue
        for pid, broker in path:
            promote(pid, broker)
    return sum(1 for pid, replicas in enumerate(ws.replicas) if replicas[0] != ws.original[pid][0])


def _augmenting_path(
    ws: Workspace, start: int, led: dict[int, set[int]], lead: dict[int, int]
) -> list[tuple[int, int]] | None:
    """Switches that move one leadership from ``start`` to a broker leading two fewer.

    Tries a direct switch first (the common case), then breadth-first search over
    broker -> partition it leads -> another replica's broker. Sets of ints iterate in an order
    fixed by their contents and history, so the result is deterministic.
    """
    goal = lead[start] - 2
    for pid in led[start]:
        if not ws.movable[pid]:
            continue
        followers = [b for b in ws.replicas[pid][1:] if lead[b] <= goal]
        if followers:
            return [(pid, min(followers, key=lambda b: (lead[b], b)))]
    parent: dict[int, tuple[int, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        broker = queue.popleft()
        for pid in led[broker]:
            if not ws.movable[pid]:
                continue
            for b in ws.replicas[pid][1:]:
                if b in parent:
                    continue
                parent[b] = (pid, broker)
                if lead[b] < lead[start] - 1:
                    steps = []
                    node = b
                    while parent[node] is not None:
                        via_pid, prev = parent[node]  # type: ignore[misc]
                        steps.append((via_pid, node))
                        node = prev
                    return steps
                queue.append(b)
    return None
