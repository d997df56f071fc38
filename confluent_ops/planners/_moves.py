"""How the built-in goals move replicas: the search behind each goal, on a :class:`Workspace`.

Every move goes through ``ws.allows`` (the constraints, then the goals already optimized), so
these functions only choose: which replica, to which broker. The choices aim at the fewest
moves (each move must serve the goal that makes it) and, among equal moves, the fewest bytes
and the most partitions left with a current replica.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence

from confluent_ops.planners._workspace import NO_RACK, Workspace, outside, weighted_changes

EVACUATE = "evacuate-removed-brokers"
REPLICATION_FACTOR = "replication-factor"


def placement_score(
    ws: Workspace, pid: int, dest: int
) -> tuple[bool, bool, int, float, float, float]:
    """Where a replica that must move goes: room on disk, in counts and in its topic first.

    Then the broker whose topic stands lowest against its share (so the topic goal has
    nothing left to fix), then the lightest in bytes and in replicas.
    """
    size = ws.size[pid]
    over_disk = bool(ws.disk_limit) and ws.bytes[dest] + size > ws.disk_limit.get(dest, 0.0)
    target = ws.replica_target[dest]
    count_ratio = (ws.count[dest] + 1) / target if target else float("inf")
    byte_target = ws.byte_target.get(dest, 0.0)
    byte_ratio = ws.bytes[dest] / byte_target if ws.sizes_known and byte_target else count_ratio
    topic = ws.topic_of[pid]
    have = ws.cell[topic].get(dest, 0)
    topic_over = have + 1 - ws.cell_range(topic, dest)[1]
    topic_excess = have - ws.topic_share(topic, dest) if ws.topic_aware else 0.0
    return (
        over_disk,
        ws.count[dest] + 1 > ws.ceiling(dest),
        max(topic_over, 0) if ws.topic_aware else 0,
        round(topic_excess),
        byte_ratio,
        count_ratio,
    )


def _best_destination(
    ws: Workspace, pid: int, source: int, candidates: Sequence[int]
) -> int | None:
    best: tuple[tuple[bool, bool, int, float, float, float], int] | None = None
    for dest in candidates:
        if ws.allows(pid, source, dest):
            score = (placement_score(ws, pid, dest), dest)
            if best is None or score < best:
                best = score
    return None if best is None else best[1]


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


def repair_rack_spread(ws: Workspace, goal: str) -> list[str]:
    """Give every partition that spans too few racks a replica in a rack it lacks."""
    notes: list[str] = []
    if not ws.target_racks:
        return notes
    receivers = sorted(ws.receivers)
    for pid in ws.short_of_racks():
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
                    ws.move(goal, pid, source, dest)
                    moved = True
                    break
            if not moved:
                notes.append(f"{ws.partitions[pid]} spans too few racks and no move can fix it")
                break
    return notes


def fit_capacity(ws: Workspace, goal: str) -> None:
    """Bring every broker under its disk limit: its largest replicas that fit elsewhere first.

    Moving the largest replica that some broker has room for sheds the excess in the fewest
    moves; when no single move fits, a large replica is swapped for a smaller one. With the
    disk-usage goal in force, a broker over its limit sheds down to the top of its byte range
    (it would have to later anyway): stopping exactly at the limit would leave it no room for
    the replicas the count goals still owe it.
    """
    if not ws.disk_limit or not ws.sizes_known:
        return
    limit = ws.disk_limit
    aim = {
        b: min(cap, ws.byte_range(b, ws.byte_tolerance)[1]) if ws.shed_to_share else cap
        for b, cap in limit.items()
    }
    over = sorted(
        (b for b in ws.targets if ws.bytes[b] > limit.get(b, float("inf"))),
        key=lambda b: (limit[b] - ws.bytes[b], b),
    )
    for source in over:
        while ws.bytes[source] > aim[source]:
            if not _shed_to_fit(ws, goal, source, aim[source]):
                break


def _room(ws: Workspace, broker: int) -> float:
    return ws.disk_limit.get(broker, 0.0) - ws.bytes[broker]


def _shed_to_fit(ws: Workspace, goal: str, source: int, aim: float) -> bool:
    dests = sorted(ws.receivers - {source}, key=lambda d: (-_room(ws, d), d))
    excess = ws.bytes[source] - aim
    # The smallest replica that sheds the whole excess, else the largest: the fewest moves.
    held = ws.holdings[source]
    order = [pid for size, pid in held if size >= excess][:8] + [pid for _, pid in reversed(held)]
    for tries, pid in enumerate(order):
        if tries >= 64:
            break
        size = ws.size[pid]
        for dest in dests:
            if _room(ws, dest) < size:
                break
            if ws.allows(pid, source, dest):
                ws.move(goal, pid, source, dest)
                return True
    for dest in dests[:8]:
        if _swap(ws, goal, source, dest, excess, ws.bytes[source] - ws.bytes[dest], 64):
            return True
    return False


class _Extreme:
    """The most loaded broker (or, with ``highest=False``, the least) under a changing key.

    A lazy heap: each push records a broker's current value; stale entries are skipped on the
    way out. Each search needs one end only, so only one heap is kept.
    """

    def __init__(
        self, value: Callable[[int], float], brokers: Sequence[int], *, highest: bool
    ) -> None:
        self._value = value
        self._sign = -1.0 if highest else 1.0
        self._heap: list[tuple[float, int]] = [(self._sign * value(b), b) for b in brokers]
        self._members = set(brokers)
        heapq.heapify(self._heap)

    def update(self, broker: int) -> None:
        if broker in self._members:
            heapq.heappush(self._heap, (self._sign * self._value(broker), broker))

    def drop(self, broker: int) -> None:
        self._members.discard(broker)

    def restore(self, brokers: Sequence[int]) -> None:
        """Take dropped brokers back (after a change elsewhere may have unblocked them)."""
        for broker in brokers:
            if broker not in self._members:
                self._members.add(broker)
                self.update(broker)

    def first(self) -> int | None:
        heap = self._heap
        while heap:
            v, b = heap[0]
            if b in self._members and v == self._sign * self._value(b):
                return b
            heapq.heappop(heap)
        return None

    def in_order(self) -> list[int]:
        """Every member, first to last (a full sort; for the rare fallback path)."""
        return sorted(self._members, key=lambda b: (self._sign * self._value(b), b))


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


def _topic_gain(ws: Workspace, pid: int, source: int, dest: int) -> tuple[int, int]:
    """How much moving ``pid`` from ``source`` to ``dest`` helps its topic's spread.

    First the violations of the topic's range it removes (or adds, negative), then how far
    the topic is above its share on the source and below it on the destination.
    """
    topic = ws.topic_of[pid]
    cells = ws.cell[topic]
    at_source, at_dest = cells.get(source, 0), cells.get(dest, 0)
    fixed = (
        ws.cell_violation(topic, source, at_source)
        - ws.cell_violation(topic, source, at_source - 1)
        + ws.cell_violation(topic, dest, at_dest)
        - ws.cell_violation(topic, dest, at_dest + 1)
    )
    return fixed, at_source - at_dest


def _find_partition(
    ws: Workspace, source: int, dest: int, size: float, *, lookahead: int = 64
) -> int | None:
    """The acceptable partition that best serves the topic spread and the wanted size.

    Untouched partitions come first: spreading moves over partitions keeps each partition's
    extra replicas (and the copies its leader serves at once) low and keeps a current replica
    of each. Among the first few acceptable ones (nearest in size first), the one whose topic
    is most over its share on the source and under it on the destination wins; without the
    topic goal, the nearest in size, unless a touched partition is much nearer.
    """
    fresh: int | None = None
    best_gain: tuple[int, int] | None = None
    found = 0
    for tries, pid in enumerate(ws.candidates_near(source, size, untouched_only=True)):
        if tries >= lookahead:
            break
        if not ws.allows(pid, source, dest):
            continue
        if not ws.topic_aware:
            fresh = pid
            break
        gain = _topic_gain(ws, pid, source, dest)
        if best_gain is None or gain > best_gain:
            fresh, best_gain = pid, gain
        found += 1
        if gain[0] >= 2 or found >= 8:
            break
    if fresh is None:
        for tries, pid in enumerate(ws.candidates_near(source, size)):
            if ws.topic_aware and tries >= 4 * lookahead and best_gain is not None:
                break
            if not ws.allows(pid, source, dest):
                continue
            if not ws.topic_aware:
                return pid
            gain = _topic_gain(ws, pid, source, dest)
            if best_gain is None or gain > best_gain:
                fresh, best_gain = pid, gain
            if gain[0] >= 0:
                return fresh
        return fresh
    if ws.topic_aware:
        return fresh
    slack = 0.5 * max(size, ws.bytes[source] / max(ws.count[source], 1))
    better_than = abs(ws.size[fresh] - size) - slack
    for pid in ws.candidates_near(source, size):
        if abs(ws.size[pid] - size) >= better_than:
            break
        if ws.allows(pid, source, dest):
            return pid
    return fresh


class _TopicExcess:
    """Per broker, its topics by how far they stand from their even share, in integer levels.

    A topic's level on a broker is its replicas there minus the ceiling of its share; levels
    move by one per move, so buckets keep them in order at no cost (ties keep the order topics
    entered the bucket, which the same input always repeats).
    """

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._cell = ws.cell
        total = ws.total_replicas or 1
        self.factor = [count / total for count in ws.topic_total]
        """Per topic, its share of all replicas: its share on a broker is this x the target."""
        self._target = {b: ws.replica_target.get(b, 0.0) for b in ws.all_brokers}
        # Per broker and topic: the ceiling of the share, and the level (None: frozen topic).
        self._ceiling = {
            b: [math.ceil(factor * self._target[b] - 1e-9) for factor in self.factor]
            for b in ws.all_brokers
        }
        self._level_of: dict[int, list[int | None]] = {
            b: [None] * len(ws.topic_names) for b in ws.all_brokers
        }
        self._levels: dict[int, dict[int, dict[int, None]]] = {b: {} for b in ws.all_brokers}
        for topic in range(len(ws.topic_names)):
            if ws.topic_frozen[topic]:
                continue
            for b in ws.all_brokers:
                self._place(topic, b)

    def _place(self, topic: int, broker: int) -> None:
        level = self._cell[topic].get(broker, 0) - self._ceiling[broker][topic]
        self._level_of[broker][topic] = level
        levels = self._levels[broker]
        if level in levels:
            levels[level][topic] = None
        else:
            levels[level] = {topic: None}

    def target_gap(self, source: int, dest: int) -> float:
        return self._target[source] - self._target[dest]

    def update(self, topic: int, broker: int) -> None:
        old = self._level_of[broker][topic]
        if old is None:
            return
        bucket = self._levels[broker][old]
        del bucket[topic]
        if not bucket:
            del self._levels[broker][old]
        self._place(topic, broker)

    def top(self, broker: int, limit: int) -> list[int]:
        """``limit`` topics at the highest levels on ``broker``: most above their share."""
        return self._first(broker, limit, reverse=True)

    def bottom(self, broker: int, limit: int) -> list[int]:
        """``limit`` topics at the lowest levels on ``broker`` (a receiver): most below."""
        if broker not in self._ws.receivers:
            return []
        return self._first(broker, limit, reverse=False)

    def _first(self, broker: int, limit: int, *, reverse: bool) -> list[int]:
        found: list[int] = []
        levels = self._levels[broker]
        for level in sorted(levels, reverse=reverse):
            for topic in levels[level]:
                found.append(topic)
                if len(found) >= limit:
                    return found
        return found


def _find_by_topic(
    ws: Workspace, excess: _TopicExcess, source: int, dest: int, size: float
) -> int | None:
    """A partition of a topic above its share on ``source`` and below it on ``dest``.

    Among the topics most above their share on the source and most below it on the
    destination: the one whose move fixes most of the topics' ranges, then the one farthest
    from its shares; in it, the partition ``_pick_in_topic`` finds. (Weighing a second topic's
    partition by size as well copied 0.1 % fewer bytes on a million replicas, up to 5 % fewer
    on 3,000 partitions, for a fifth more time; the disk-usage goal evens bytes anyway.)
    """
    ranked = []
    cell_ranges = ws.cell_ranges
    # How much more the source's even share is than the destination's, per topic replica.
    wider = excess.target_gap(source, dest)
    for topic in {*excess.top(source, 4), *excess.bottom(dest, 4)}:
        cells = ws.cell[topic]
        at_source = cells.get(source, 0)
        at_dest = cells.get(dest, 0)
        ranges = cell_ranges(topic)
        low, high = ranges[source]
        # Giving one away fixes a surplus, or breaks the floor.
        fixes = 1 if at_source > high else (-1 if at_source <= low else 0)
        low, high = ranges[dest]
        fixes += 1 if at_dest < low else (-1 if at_dest >= high else 0)
        # How far the topic stands above its share on the source, less on the destination.
        share_gain = at_source - at_dest - excess.factor[topic] * wider
        ranked.append((-fixes, -share_gain, topic))
    ranked.sort()
    for _, _, topic in ranked:
        pid = _pick_in_topic(ws, topic, source, dest, size)
        if pid is not None:
            return pid
    return None


def _pick_in_topic(ws: Workspace, topic: int, source: int, dest: int, size: float) -> int | None:
    """The topic's acceptable partition on ``source``: untouched first, nearest ``size``.

    Partitions the destination already holds, or that would lose a rack by the move, are
    passed over before the full check (they are most of the refusals).
    """
    held = ws.cell_pids[topic].get(source, ())
    rack = ws.rack
    to_rack = rack[dest]
    same_rack = ws.target_racks == 0 or rack[source] == to_rack
    replicas = ws.replicas
    touched = ws.touched
    sizes = ws.size if ws.sizes_known else None
    ranked = []
    for pid in held:
        members = replicas[pid]
        if dest in members:
            continue
        if not same_rack:
            clash = False
            for b in members:
                if rack[b] == to_rack:
                    clash = True
                    break
            if clash:
                continue
        ranked.append((touched[pid], 0 if sizes is None else abs(sizes[pid] - size), pid))
    ranked.sort()
    for tries, (_, _, pid) in enumerate(ranked):
        if tries >= 16:
            break
        if ws.allows(pid, source, dest):
            return pid
    return None


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


def balance_replica_counts(ws: Workspace, goal: str) -> None:
    """Even out replica counts: move from the most to the least loaded broker while it helps.

    A move from ``s`` to ``d`` is made only when their deviations from target differ by more
    than one replica, so every move strictly lowers the sum of squared deviations and no
    replica is moved twice for the same imbalance.
    """
    for group in _balance_groups(ws):
        _balance_group(ws, goal, group)


def _balance_group(ws: Workspace, goal: str, group: list[int]) -> None:
    tolerance = ws.byte_tolerance
    sources = _Extreme(
        ws.deviation, [b for b in group if ws.count[b] or b in ws.receivers], highest=True
    )
    dests = _Extreme(ws.deviation, sorted(ws.receivers.intersection(group)), highest=False)
    excess = _TopicExcess(ws) if ws.topic_aware else None
    ws.on_cell_change = None if excess is None else excess.update
    try:
        _balance_pairs(ws, goal, sources, dests, excess, tolerance)
    finally:
        ws.on_cell_change = None


def _balance_pairs(
    ws: Workspace,
    goal: str,
    sources: _Extreme,
    dests: _Extreme,
    excess: _TopicExcess | None,
    tolerance: float,
) -> None:
    while True:
        source = sources.first()
        dest = dests.first()
        if source is None or dest is None:
            break
        if ws.deviation(source) - ws.deviation(dest) <= 1 + 1e-9:
            break
        want = _wanted_size(ws, source, dest, tolerance)
        pid = None if excess is None else _find_by_topic(ws, excess, source, dest, want)
        if pid is None:
            pid = _find_partition(ws, source, dest, want)
        if pid is None:
            for other in dests.in_order():
                if ws.deviation(source) - ws.deviation(other) <= 1 + 1e-9:
                    break
                pid = _find_partition(ws, source, other, _wanted_size(ws, source, other, tolerance))
                if pid is not None:
                    dest = other
                    break
        if pid is None:
            sources.drop(source)
            continue
        ws.move(goal, pid, source, dest)
        sources.update(source)
        sources.update(dest)
        dests.update(source)
        dests.update(dest)


# -- topic spread ------------------------------------------------------------------------------


def balance_topics(ws: Workspace, goal: str) -> None:
    """Bring every topic's replicas per broker into its range (``Workspace.cell_range``).

    A broker above a topic's range gives one of the topic's replicas to a broker below or
    within it; when broker counts leave no room for a plain move, the replica is swapped for
    one of another topic that the receiving broker can spare. A broker below the range takes
    one the same way. Each action lowers the topic's violation by at least one.
    """
    excess = _TopicExcess(ws)
    ws.on_cell_change = excess.update
    try:
        _perfect_swaps(ws, goal)
        _perfect_cycles(ws, goal)
        _balance_topics(ws, goal, excess)
    finally:
        ws.on_cell_change = None


def _violations(ws: Workspace) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Per broker, the topics above their range on it, and those below."""
    over: dict[int, set[int]] = {b: set() for b in ws.all_brokers}
    under: dict[int, set[int]] = {b: set() for b in ws.all_brokers}
    for topic, cells in enumerate(ws.cell):
        if ws.topic_frozen[topic]:
            continue
        for b in ws.all_brokers:
            low, high = ws.cell_range(topic, b)
            have = cells.get(b, 0)
            if have > high:
                over[b].add(topic)
            elif have < low and b in ws.receivers:
                under[b].add(topic)
    return over, under


def _perfect_swaps(ws: Workspace, goal: str) -> None:
    """Swaps that fix four violations with two moves, before anything less efficient.

    A topic above its range on ``s`` and below it on ``d``, and another the other way round:
    one replica of each crosses, counts stay, and each move serves both its ends. Taking these
    first keeps the pass near its lower bound (which counts exactly these ends).
    """
    over, under = _violations(ws)
    for source in sorted(ws.all_brokers):
        for dest in sorted(ws.receivers):
            if dest == source:
                continue
            while True:
                ahead = sorted(over[source] & under[dest])
                back = sorted(over[dest] & under[source]) if source in ws.receivers else []
                if not ahead or not back or not _swap_pair(ws, goal, ahead, back, source, dest):
                    break
                over, under = _refresh(ws, over, under, (source, dest))


def _perfect_cycles(ws: Workspace, goal: str) -> None:
    """Three brokers in a ring, each passing on a topic it has too many of to the next, which
    has too few: three moves, six violations fixed, counts unchanged (when no pair swap is left,
    as with one replica per rack, where replicas only trade within a rack)."""
    over, under = _violations(ws)
    progress = True
    while progress:
        progress = False
        for a in sorted(b for b in ws.receivers if over[b] and under[b]):
            found = _find_cycle(ws, over, under, a)
            if found is None:
                continue
            action = tuple(found)
            if ws.allows_action(action):
                for pid, source, dest in action:
                    ws.move(goal, pid, source, dest)
                over, under = _refresh(ws, over, under, tuple({s for _, s, _ in action}))
                progress = True


def _find_cycle(
    ws: Workspace, over: dict[int, set[int]], under: dict[int, set[int]], a: int
) -> list[tuple[int, int, int]] | None:
    for t in sorted(over[a])[:6]:
        for b in sorted(x for x in ws.receivers if x != a and t in under[x])[:6]:
            for u in sorted(over[b] - {t})[:6]:
                for c in sorted(x for x in ws.receivers if x not in (a, b) and u in under[x])[:6]:
                    for v in sorted((over[c] & under[a]) - {t, u})[:3]:
                        moves = [
                            _one_of(ws, t, a, b),
                            _one_of(ws, u, b, c),
                            _one_of(ws, v, c, a),
                        ]
                        if all(m is not None for m in moves):
                            return [m for m in moves if m is not None]
    return None


def _one_of(ws: Workspace, topic: int, source: int, dest: int) -> tuple[int, int, int] | None:
    """The smallest replica of ``topic`` on ``source`` that ``dest`` may take."""
    for _, pid in sorted(
        (ws.size[p], p)
        for p in ws.cell_pids[topic].get(source, ())
        if dest not in ws.replicas[p] and ws.movable[p]
    )[:8]:
        if all(check(pid, source, dest) for check in ws.checks):
            return pid, source, dest
    return None


def _refresh(
    ws: Workspace,
    over: dict[int, set[int]],
    under: dict[int, set[int]],
    brokers: tuple[int, ...],
) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    for b in brokers:
        over[b].clear()
        under[b].clear()
        for topic, cells in enumerate(ws.cell):
            if ws.topic_frozen[topic]:
                continue
            low, high = ws.cell_range(topic, b)
            have = cells.get(b, 0)
            if have > high:
                over[b].add(topic)
            elif have < low and b in ws.receivers:
                under[b].add(topic)
    return over, under


def _swap_pair(
    ws: Workspace, goal: str, ahead: list[int], back: list[int], source: int, dest: int
) -> bool:
    """One swap of a replica of an ``ahead`` topic with one of a ``back`` topic.

    Smallest first (the fewest bytes copied), unless one side holds more than its share of bytes
    and the other less: then the heavier side sends its larger replicas, so the swap also does
    what the disk-usage goal would otherwise do with moves of its own.
    """
    sign = _byte_pull(ws, source, dest)
    for topic in ahead[:4]:
        pids = sorted(
            (-sign * ws.size[p] if sign else ws.size[p], p)
            for p in ws.cell_pids[topic].get(source, ())
            if dest not in ws.replicas[p] and ws.movable[p]
        )[:8]
        for other in back[:4]:
            qids = sorted(
                (sign * ws.size[q] if sign else ws.size[q], q)
                for q in ws.cell_pids[other].get(dest, ())
                if source not in ws.replicas[q] and ws.movable[q]
            )[:8]
            for _, pid in pids:
                for _, qid in qids:
                    action = ((pid, source, dest), (qid, dest, source))
                    if ws.allows_action(action):
                        ws.move(goal, pid, source, dest)
                        ws.move(goal, qid, dest, source)
                        return True
    return False


def _byte_pull(ws: Workspace, source: int, dest: int) -> int:
    """1 when bytes should go from ``source`` to ``dest`` (one of them outside its byte range,
    the source the fuller), -1 the other way, 0 when both are within range (or no sizes)."""
    if not ws.sizes_known or not ws.shed_to_share or {source, dest} & ws.removed:
        return 0
    tolerance = ws.byte_tolerance
    outside_range = [outside(ws.bytes[b], *ws.byte_range(b, tolerance)) > 0 for b in (source, dest)]
    if not any(outside_range):
        return 0
    fuller = ws.bytes[source] / (ws.byte_target[source] or 1) - ws.bytes[dest] / (
        ws.byte_target[dest] or 1
    )
    return 1 if fuller > 0 else -1


def _balance_topics(ws: Workspace, goal: str, excess: _TopicExcess) -> None:
    progress = True
    while progress:
        # A swap may fix one topic by two and cost another one: go round until nothing moves.
        progress = False
        for topic in range(len(ws.topic_names)):
            if ws.topic_frozen[topic]:
                continue
            for broker in ws.targets:
                while ws.cell_violation(topic, broker, ws.cell[topic].get(broker, 0)) > 0:
                    high = ws.cell_range(topic, broker)[1]
                    have = ws.cell[topic].get(broker, 0)
                    done = (
                        _shed_topic(ws, goal, excess, topic, broker)
                        if have > high
                        else _gain_topic(ws, goal, excess, topic, broker)
                    )
                    if not done:
                        break
                    progress = True


def _topic_room(ws: Workspace, topic: int, broker: int) -> int:
    return ws.cell_range(topic, broker)[1] - ws.cell[topic].get(broker, 0)


def _topic_spare(ws: Workspace, topic: int, broker: int) -> int:
    return ws.cell[topic].get(broker, 0) - ws.cell_range(topic, broker)[0]


def _shed_topic(ws: Workspace, goal: str, excess: _TopicExcess, topic: int, source: int) -> bool:
    pids = sorted(ws.cell_pids[topic].get(source, ()))
    dests = sorted(
        (d for d in ws.receivers if d != source and _topic_room(ws, topic, d) > 0),
        key=lambda d: (-_topic_room(ws, topic, d), ws.deviation(d), d),
    )
    return _trade(ws, goal, excess, pids, [source], dests)


def _gain_topic(ws: Workspace, goal: str, excess: _TopicExcess, topic: int, dest: int) -> bool:
    if dest not in ws.receivers:
        return False
    sources = sorted(
        (s for s in ws.all_brokers if s != dest and _topic_spare(ws, topic, s) > 0),
        key=lambda s: (-_topic_spare(ws, topic, s), -ws.deviation(s), s),
    )
    for source in sources[:16]:
        pids = sorted(ws.cell_pids[topic].get(source, ()))
        if _trade(ws, goal, excess, pids, [source], [dest]):
            return True
    return False


def topic_violation_change(ws: Workspace, moves: Sequence[tuple[int, int, int]]) -> int:
    """How much these moves together change the topics' violations of their ranges."""
    change: dict[tuple[int, int], int] = {}
    for pid, source, dest in moves:
        topic = ws.topic_of[pid]
        change[topic, source] = change.get((topic, source), 0) - 1
        change[topic, dest] = change.get((topic, dest), 0) + 1
    total = 0
    for (topic, b), delta in change.items():
        now = ws.cell[topic].get(b, 0)
        total += ws.cell_violation(topic, b, now + delta) - ws.cell_violation(topic, b, now)
    return total


def _trade(
    ws: Workspace,
    goal: str,
    excess: _TopicExcess,
    pids: list[int],
    sources: list[int],
    dests: list[int],
) -> bool:
    """One move of a replica in ``pids`` from a source to a destination, else one swap.

    Only an action that lowers the topics' total violation is taken, so the pass ends.
    """
    for source in sources:
        for dest in dests[:16]:
            for pid in pids[:32]:
                if topic_violation_change(ws, ((pid, source, dest),)) < 0 and ws.allows(
                    pid, source, dest
                ):
                    ws.move(goal, pid, source, dest)
                    return True
        if _swap_for_topics(ws, goal, excess, pids[:8], source, dests[:8]):
            return True
        for wide, deep in ((8, 48), (16, 256)):
            if _swap_topic(ws, goal, pids[:wide], source, dests[:wide], deep):
                return True
    return False


def _swap_for_topics(
    ws: Workspace,
    goal: str,
    excess: _TopicExcess,
    pids: list[int],
    source: int,
    dests: list[int],
) -> bool:
    """The swap that fixes most: a replica back from a topic over its share on ``dest``."""
    best: tuple[int, tuple[tuple[int, int, int], tuple[int, int, int]]] | None = None
    for dest in dests:
        lacking = excess.bottom(source, 6) if source in ws.receivers else []
        for other in sorted({*excess.top(dest, 6), *lacking}):
            for qid in sorted(ws.cell_pids[other].get(dest, ())):
                if source in ws.replicas[qid] or not ws.movable[qid]:
                    continue
                for pid in pids:
                    if dest in ws.replicas[pid] or ws.topic_of[pid] == other:
                        continue
                    action = ((pid, source, dest), (qid, dest, source))
                    change = topic_violation_change(ws, action)
                    better = change < 0 and (best is None or change < best[0])
                    if better and ws.allows_action(action):
                        best = (change, action)
                        if change <= -3:
                            break  # fixes three of four ends: no pid does better
                break  # one replica per topic stands for the topic (they differ only in size)
    if best is None:
        return False
    for pid, source_b, dest_b in best[1]:
        ws.move(goal, pid, source_b, dest_b)
    return True


def _swap_topic(
    ws: Workspace, goal: str, pids: list[int], source: int, dests: list[int], deep: int
) -> bool:
    """Swap a replica in ``pids`` for one of another topic, nearest in size first."""
    for dest in dests:
        for pid in pids:
            if dest in ws.replicas[pid]:
                continue
            for tries, qid in enumerate(ws.candidates_near(dest, ws.size[pid])):
                if tries >= deep:
                    break
                if ws.topic_of[qid] == ws.topic_of[pid] or source in ws.replicas[qid]:
                    continue
                action = ((pid, source, dest), (qid, dest, source))
                if topic_violation_change(ws, action) < 0 and ws.allows_action(action):
                    ws.move(goal, pid, source, dest)
                    ws.move(goal, qid, dest, source)
                    return True
    return False


# -- bytes -------------------------------------------------------------------------------------


def _byte_ratio(ws: Workspace, broker: int) -> float:
    target = ws.byte_target.get(broker, 0.0)
    return ws.bytes[broker] / target if target else 0.0


def balance_bytes(ws: Workspace, goal: str, *, tolerance: float, max_attempts: int = 64) -> None:
    """Bring every broker's bytes within ``tolerance`` of its target, from above then below.

    Without breaking replica-count balance: a single move where both brokers have room in
    their count targets, else a swap of a large replica for a small one. Each accepted step
    lowers the heavier broker's bytes without raising the lighter one above it.
    """
    if not ws.sizes_known or not ws.total_bytes:
        return

    def improves(moves: Sequence[tuple[int, int, int]]) -> bool:
        # Only a strict gain: the loop ends, and planning again on the result finds nothing.
        return byte_violation_change(ws, moves, tolerance) < -0.5

    while _lighten_heaviest(ws, goal, tolerance, max_attempts, improves) | _fill_lightest(
        ws, goal, tolerance, max_attempts, improves
    ):
        pass


def byte_violation_change(
    ws: Workspace, moves: Sequence[tuple[int, int, int]], tolerance: float
) -> float:
    """How much these moves change the bytes the brokers stand outside their ranges."""
    total = 0.0
    for b, delta in weighted_changes(moves, ws.size).items():
        low, high = ws.byte_range(b, tolerance)
        total += outside(ws.bytes[b] + delta, low, high) - outside(ws.bytes[b], low, high)
    return total


_Improves = Callable[[Sequence[tuple[int, int, int]]], bool]


def _lighten_heaviest(
    ws: Workspace, goal: str, tolerance: float, max_attempts: int, improves: _Improves
) -> bool:
    limit = 1 + tolerance
    brokers = sorted(ws.targets)
    heavy = _Extreme(lambda b: _byte_ratio(ws, b), brokers, highest=True)
    changed = False
    while True:
        source = heavy.first()
        if source is None or _byte_ratio(ws, source) <= limit:
            return changed
        light = sorted(
            (d for d in ws.receivers if _byte_ratio(ws, d) < 1.0),
            key=lambda d: (_byte_ratio(ws, d), d),
        )
        if not _shift_bytes(ws, goal, source, light, max_attempts, improves):
            heavy.drop(source)
            continue
        changed = True
        heavy.restore(brokers)
        for b in ws.targets:
            heavy.update(b)


def _fill_lightest(
    ws: Workspace, goal: str, tolerance: float, max_attempts: int, improves: _Improves
) -> bool:
    floor = max(0.0, 1 - tolerance)
    light_ones = _Extreme(lambda b: _byte_ratio(ws, b), sorted(ws.receivers), highest=False)
    changed = False
    while True:
        dest = light_ones.first()
        if dest is None or _byte_ratio(ws, dest) >= floor:
            return changed
        sources = sorted(
            (s for s in ws.targets if _byte_ratio(ws, s) > 1.0),
            key=lambda s: (-_byte_ratio(ws, s), s),
        )
        if not any(_shift_bytes(ws, goal, s, [dest], max_attempts, improves) for s in sources[:16]):
            light_ones.drop(dest)
            continue
        changed = True
        light_ones.restore(sorted(ws.receivers))
        for b in ws.targets:
            light_ones.update(b)


def _shift_bytes(
    ws: Workspace,
    goal: str,
    source: int,
    light: Sequence[int],
    max_attempts: int,
    improves: _Improves,
) -> bool:
    for dest in light:
        want = min(ws.bytes[source] - ws.byte_target[source], ws.byte_target[dest] - ws.bytes[dest])
        if want <= 0:
            continue
        # At most what would leave the two equally full (their targets may differ: disks do).
        gap = 2 * want
        if ws.count[source] - 1 >= ws.floor(source) and ws.count[dest] + 1 <= ws.ceiling(dest):
            for tries, pid in enumerate(ws.candidates_near(source, want)):
                if tries >= max_attempts:
                    break
                if (
                    0 < ws.size[pid] < gap
                    and improves(((pid, source, dest),))
                    and ws.allows(pid, source, dest)
                ):
                    ws.move(goal, pid, source, dest)
                    return True
        if _swap(ws, goal, source, dest, want, gap, max_attempts, improves):
            return True
    return False


def _swap(
    ws: Workspace,
    goal: str,
    source: int,
    dest: int,
    want: float,
    gap: float,
    max_attempts: int,
    improves: _Improves | None = None,
) -> bool:
    """Swap a large replica on ``source`` for one on ``dest`` smaller by about ``want``."""
    held = ws.holdings[source]
    for tries, (big, pid) in enumerate(reversed(held)):
        if tries >= max_attempts or big <= 0:
            break
        if dest in ws.replicas[pid] or not ws.movable[pid]:
            continue
        for inner, qid in enumerate(ws.candidates_near(dest, big - want)):
            if inner >= max_attempts:
                break
            delta = big - ws.size[qid]
            if 0 < delta < gap and source not in ws.replicas[qid]:
                action = ((pid, source, dest), (qid, dest, source))
                if (improves is None or improves(action)) and ws.allows_action(action):
                    ws.move(goal, pid, source, dest)
                    ws.move(goal, qid, dest, source)
                    return True
    return False


def change_factor(ws: Workspace, pids: list[int], factor: int) -> None:
    """Raise or lower the replication factor of ``pids`` (new replicas least loaded first)."""
    racks_wanted = min(factor, ws.target_racks)
    receivers = sorted(ws.receivers)
    for pid in pids:
        while len(ws.replicas[pid]) < factor:
            present = {ws.rack[b] for b in ws.replicas[pid]}
            options = [d for d in receivers if d not in ws.replicas[pid]]
            fresh = [d for d in options if ws.rack[d] not in present or ws.rack[d] == NO_RACK]
            pool = fresh if fresh and len(present) < racks_wanted else options
            dest = min(pool, key=lambda d: (placement_score(ws, pid, d), d))
            ws.add_replica(REPLICATION_FACTOR, pid, dest)
        while len(ws.replicas[pid]) > factor:
            followers = ws.replicas[pid][1:]
            keep_spread = [
                b
                for b in followers
                if len({ws.rack[x] for x in ws.replicas[pid] if x != b}) >= racks_wanted
            ] or followers
            source = max(keep_spread, key=lambda b: (ws.deviation(b), b))
            ws.drop_replica(REPLICATION_FACTOR, pid, source)
