"""The planners' constraints and goals, each a small named piece with its reason.

Constraints say whether one candidate move is acceptable; every move any goal makes passes all
of them. Goals make moves, in priority order: first what must happen (evacuate removed brokers,
repair rack spread), then balance (replica counts, then bytes). Leaders are balanced last, by
reordering replica lists only. A plan's report counts the moves each goal made.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence

import attrs

from confluent_ops.planners._workspace import Workspace

__all__ = [
    "CONSTRAINTS",
    "AllowedReceiver",
    "Constraint",
    "DistinctBrokers",
    "FrozenTopics",
    "RackSpread",
    "balance_bytes",
    "balance_replica_counts",
    "evacuate_removed_brokers",
    "repair_rack_spread",
]

EVACUATE = "evacuate-removed-brokers"
RACK_REPAIR = "repair-rack-spread"
REPLICA_BALANCE = "balance-replica-counts"
BYTE_BALANCE = "balance-bytes"
REPLICATION_FACTOR = "replication-factor"


@attrs.frozen
class Constraint:
    """A rule every move must keep: ``allows(ws, partition, source, dest)`` and why."""

    name: str
    reason: str
    allows: Callable[[Workspace, int, int, int], bool]


def _distinct(ws: Workspace, pid: int, source: int, dest: int) -> bool:
    return dest not in ws.replicas[pid]


def _receiver(ws: Workspace, pid: int, source: int, dest: int) -> bool:
    return dest in ws.receivers


def _movable(ws: Workspace, pid: int, source: int, dest: int) -> bool:
    return ws.movable[pid]


def _rack_spread(ws: Workspace, pid: int, source: int, dest: int) -> bool:
    if not ws.target_racks or ws.rack[source] == ws.rack[dest]:
        return True
    now = ws.racks_of(pid)
    return ws.racks_after(pid, source, dest) >= min(now, ws.required_racks(pid))


DistinctBrokers = Constraint(
    "distinct-brokers", "a partition never holds two replicas on one broker", _distinct
)
AllowedReceiver = Constraint(
    "allowed-receiver",
    "removed brokers and brokers excluded from receiving get no replica",
    _receiver,
)
FrozenTopics = Constraint(
    "frozen-topics", "topics excluded from moves keep their replicas", _movable
)
RackSpread = Constraint(
    "rack-spread",
    "a partition spans min(RF, racks) racks and never fewer racks than it had",
    _rack_spread,
)
CONSTRAINTS: tuple[Constraint, ...] = (FrozenTopics, DistinctBrokers, AllowedReceiver, RackSpread)


def acceptable(ws: Workspace, pid: int, source: int, dest: int) -> bool:
    """Whether every constraint accepts moving ``pid``'s replica from ``source`` to ``dest``.

    The same checks as ``CONSTRAINTS``, called directly: this is the planners' hottest path.
    """
    return (
        _movable(ws, pid, source, dest)
        and _receiver(ws, pid, source, dest)
        and _distinct(ws, pid, source, dest)
        and _rack_spread(ws, pid, source, dest)
    )


def _placement_score(ws: Workspace, dest: int) -> tuple[bool, float, float, int]:
    """Where a replica that must move goes: a broker with room, least loaded first."""
    target = ws.replica_target[dest]
    count_ratio = (ws.count[dest] + 1) / target if target else float("inf")
    byte_target = ws.byte_target.get(dest, 0.0)
    byte_ratio = ws.bytes[dest] / byte_target if ws.sizes_known and byte_target else count_ratio
    return (ws.count[dest] + 1 > ws.ceiling(dest), byte_ratio, count_ratio, dest)


def _best_destination(
    ws: Workspace, pid: int, source: int, candidates: Sequence[int]
) -> int | None:
    best: tuple[bool, float, float, int] | None = None
    for dest in candidates:
        if acceptable(ws, pid, source, dest):
            score = _placement_score(ws, dest)
            if best is None or score < best:
                best = score
    return None if best is None else best[3]


def evacuate_removed_brokers(ws: Workspace) -> list[str]:
    """Move every replica off the removed brokers: largest partitions first (so bytes even out).

    Returns notes for replicas that could not move (kept for the report).
    """
    notes = []
    receivers = sorted(ws.receivers)
    todo = [(-ws.size[pid], pid, b) for b in sorted(ws.removed) for _, pid in ws.holdings[b]]
    todo.sort()
    for _, pid, source in todo:
        dest = _best_destination(ws, pid, source, receivers)
        if dest is None:
            notes.append(
                f"{ws.partitions[pid]} cannot leave removed broker {source}: no broker accepts it"
            )
            continue
        ws.move(EVACUATE, pid, source, dest)
    return notes


def repair_rack_spread(ws: Workspace) -> list[str]:
    """Give every partition that spans too few racks a replica in a rack it lacks."""
    notes: list[str] = []
    if not ws.target_racks:
        return notes
    receivers = sorted(ws.receivers)
    for pid in range(len(ws.replicas)):
        while ws.rack_violation(pid):
            if not ws.movable[pid]:
                notes.append(f"{ws.partitions[pid]} spans too few racks but its topic is frozen")
                break
            seen: dict[int, int] = {}
            for b in ws.replicas[pid]:
                seen[ws.rack[b]] = seen.get(ws.rack[b], 0) + 1
            doubled = [b for b in ws.replicas[pid] if seen[ws.rack[b]] > 1]
            doubled.sort(key=lambda b: (-ws.deviation(b), b))
            present = set(seen)
            fresh = [d for d in receivers if ws.rack[d] not in present]
            moved = False
            for source in doubled:
                dest = _best_destination(ws, pid, source, fresh)
                if dest is not None:
                    ws.move(RACK_REPAIR, pid, source, dest)
                    moved = True
                    break
            if not moved:
                notes.append(f"{ws.partitions[pid]} spans too few racks and no move can fix it")
                break
    return notes


class _Extremes:
    """The most and least loaded brokers under a changing key, with lazy heaps.

    Each push records a broker's current value; stale entries are skipped on the way out.
    """

    def __init__(self, value: Callable[[int], float], brokers: Sequence[int]) -> None:
        self._value = value
        self._high: list[tuple[float, int]] = [(-value(b), b) for b in brokers]
        self._low: list[tuple[float, int]] = [(value(b), b) for b in brokers]
        self._members = set(brokers)
        heapq.heapify(self._high)
        heapq.heapify(self._low)

    def update(self, broker: int) -> None:
        if broker in self._members:
            v = self._value(broker)
            heapq.heappush(self._high, (-v, broker))
            heapq.heappush(self._low, (v, broker))

    def drop(self, broker: int) -> None:
        self._members.discard(broker)

    def restore(self, brokers: Sequence[int]) -> None:
        """Take dropped brokers back (after a change elsewhere may have unblocked them)."""
        for broker in brokers:
            if broker not in self._members:
                self._members.add(broker)
                self.update(broker)

    def highest(self) -> int | None:
        while self._high:
            v, b = self._high[0]
            if b in self._members and -v == self._value(b):
                return b
            heapq.heappop(self._high)
        return None

    def lowest_first(self) -> list[int]:
        """Members from least to most loaded (a full sort; for the rare fallback path)."""
        return sorted(self._members, key=lambda b: (self._value(b), b))

    def lowest(self) -> int | None:
        while self._low:
            v, b = self._low[0]
            if b in self._members and v == self._value(b):
                return b
            heapq.heappop(self._low)
        return None


def _wanted_size(ws: Workspace, source: int, dest: int, tolerance: float) -> float:
    """The partition size whose move best serves byte balance as counts even out.

    The source should shed its excess bytes (above its target plus half the tolerance) over the
    replicas it still has to give; the destination should gain its missing bytes over the
    replicas it still has to take. The smaller of the two is asked for; with no byte excess
    the smallest partition is wanted, so that balancing counts moves the fewest bytes.
    """
    if not ws.sizes_known:
        return 0.0
    excess = max(ws.deviation(source), 1.0)
    deficit = max(-ws.deviation(dest), 1.0)
    shed = (ws.bytes[source] - ws.byte_target[source] * (1 + tolerance / 2)) / excess
    take = (ws.byte_target[dest] - ws.bytes[dest]) / deficit
    return max(0.0, min(shed, take))


def _find_partition(
    ws: Workspace, source: int, dest: int, size: float, *, lookahead: int = 64
) -> int | None:
    """The acceptable partition nearest in size, preferring one no earlier step has touched.

    Spreading moves over partitions keeps each partition's extra replicas (and the copies its
    leader serves at once) low, instead of rebuilding a few partitions entirely. An untouched
    partition is taken when it is at most half an average partition farther from the wanted
    size than the nearest acceptable one; later moves correct the small byte error this costs.
    """
    fresh: int | None = None
    for tries, pid in enumerate(ws.candidates_near(source, size, untouched_only=True)):
        if tries >= lookahead:
            break
        if acceptable(ws, pid, source, dest):
            fresh = pid
            break
    if fresh is None:
        for pid in ws.candidates_near(source, size):
            if acceptable(ws, pid, source, dest):
                return pid
        return None
    slack = 0.5 * max(size, ws.bytes[source] / max(ws.count[source], 1))
    better_than = abs(ws.size[fresh] - size) - slack
    for pid in ws.candidates_near(source, size):
        if abs(ws.size[pid] - size) >= better_than:
            break
        if acceptable(ws, pid, source, dest):
            return pid
    return fresh


def _balance_groups(ws: Workspace) -> list[list[int]]:
    """Brokers that can trade replicas with each other.

    When every movable partition's replication factor equals the number of racks, each
    partition holds exactly one replica per rack and no replica can ever change rack: each
    rack then balances on its own, and searching across racks would only find refusals.
    """
    if ws.target_racks > 1 and all(
        len(ws.replicas[pid]) == ws.target_racks
        for pid in range(len(ws.replicas))
        if ws.movable[pid]
    ):
        racks: dict[int, list[int]] = {}
        for b in ws.targets:
            racks.setdefault(ws.rack[b], []).append(b)
        return [racks[r] for r in sorted(racks)]
    return [list(ws.targets)]


def balance_replica_counts(ws: Workspace, *, tolerance: float) -> list[str]:
    """Even out replica counts: move from the most to the least loaded broker while it helps.

    A move from ``s`` to ``d`` is made only when their deviations from target differ by more
    than one replica, so every move strictly lowers the sum of squared deviations and no
    replica is moved twice for the same imbalance.
    """
    for group in _balance_groups(ws):
        _balance_group(ws, group, tolerance)
    return []


def _balance_group(ws: Workspace, group: list[int], tolerance: float) -> None:
    sources = _Extremes(ws.deviation, [b for b in group if ws.count[b] or b in ws.receivers])
    dests = _Extremes(ws.deviation, sorted(ws.receivers.intersection(group)))
    while True:
        source = sources.highest()
        dest = dests.lowest()
        if source is None or dest is None:
            break
        if ws.deviation(source) - ws.deviation(dest) <= 1 + 1e-9:
            break
        pid = _find_partition(ws, source, dest, _wanted_size(ws, source, dest, tolerance))
        if pid is None:
            for other in dests.lowest_first():
                if ws.deviation(source) - ws.deviation(other) <= 1 + 1e-9:
                    break
                pid = _find_partition(ws, source, other, _wanted_size(ws, source, other, tolerance))
                if pid is not None:
                    dest = other
                    break
        if pid is None:
            sources.drop(source)
            continue
        ws.move(REPLICA_BALANCE, pid, source, dest)
        sources.update(source)
        sources.update(dest)
        dests.update(source)
        dests.update(dest)


def _byte_ratio(ws: Workspace, broker: int) -> float:
    target = ws.byte_target.get(broker, 0.0)
    return ws.bytes[broker] / target if target else 0.0


def balance_bytes(ws: Workspace, *, tolerance: float, max_attempts: int = 64) -> list[str]:
    """Bring every broker's bytes within ``(1 + tolerance)`` of its target.

    Without breaking replica-count balance: a single move where both brokers have room in
    their count targets, else a swap of a large replica for a small one. Each accepted step
    lowers the heavier broker's bytes without raising the lighter one above it.
    """
    if not ws.sizes_known or not ws.total_bytes:
        return []
    limit = 1 + tolerance
    brokers = sorted(ws.targets)
    heavy = _Extremes(lambda b: _byte_ratio(ws, b), brokers)
    while True:
        source = heavy.highest()
        if source is None or _byte_ratio(ws, source) <= limit:
            break
        light = sorted(
            (d for d in ws.receivers if _byte_ratio(ws, d) < 1.0),
            key=lambda d: (_byte_ratio(ws, d), d),
        )
        if not _shift_bytes(ws, source, light, max_attempts):
            heavy.drop(source)
            continue
        heavy.restore(brokers)
        for b in ws.targets:
            heavy.update(b)
    return []


def _shift_bytes(ws: Workspace, source: int, light: Sequence[int], max_attempts: int) -> bool:
    for dest in light:
        gap = ws.bytes[source] - ws.bytes[dest]
        want = min(ws.bytes[source] - ws.byte_target[source], ws.byte_target[dest] - ws.bytes[dest])
        if want <= 0:
            continue
        if ws.count[source] - 1 >= ws.floor(source) and ws.count[dest] + 1 <= ws.ceiling(dest):
            for tries, pid in enumerate(ws.candidates_near(source, want)):
                if tries >= max_attempts:
                    break
                if 0 < ws.size[pid] < gap and acceptable(ws, pid, source, dest):
                    ws.move(BYTE_BALANCE, pid, source, dest)
                    return True
        if _swap(ws, source, dest, want, gap, max_attempts):
            return True
    return False


def _swap(ws: Workspace, source: int, dest: int, want: float, gap: int, max_attempts: int) -> bool:
    held = ws.holdings[source]
    for tries, (big, pid) in enumerate(reversed(held)):
        if tries >= max_attempts or big <= 0:
            break
        if not acceptable(ws, pid, source, dest):
            continue
        for inner, qid in enumerate(ws.candidates_near(dest, big - want)):
            if inner >= max_attempts:
                break
            delta = big - ws.size[qid]
            if 0 < delta < gap and acceptable(ws, qid, dest, source):
                ws.move(BYTE_BALANCE, pid, source, dest)
                ws.move(BYTE_BALANCE, qid, dest, source)
                return True
    return False
