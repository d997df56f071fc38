"""How a plan runs: waves under per-broker limits, throttled-replica lists, time estimates."""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping

import attrs

from confluent_ops.errors import InvalidInput
from confluent_ops.model import PartitionMove, PartitionSizes, ReassignmentPlan

__all__ = [
    "ExecutionEstimate",
    "ThrottledReplicas",
    "Wave",
    "estimate_duration",
    "next_wave",
    "split_into_waves",
    "throttled_replicas",
]


@attrs.frozen
class ThrottledReplicas:
    """One topic's values for Kafka's two throttled-replica topic configs.

    ``leader`` is ``leader.replication.throttled.replicas`` (every current replica of every moving
    partition: they may serve the copy); ``follower`` is ``follower.replication.throttled.replicas``
    (the replicas being added). Both are ``partition:broker`` lists as Kafka's own
    ``kafka-reassign-partitions`` writes them: distinct entries sorted as strings.
    """

    leader: str
    follower: str


def throttled_replicas(plan: ReassignmentPlan) -> Mapping[str, ThrottledReplicas]:
    """Per topic, the throttled-replica lists Kafka's reassignment tool would set for ``plan``.

    Like the tool, every partition of the plan counts (a pure reorder too): its current replicas
    are leader-throttled, and the proposed replicas that are not current are follower-throttled.
    """
    leaders: dict[str, set[str]] = defaultdict(set)
    followers: dict[str, set[str]] = defaultdict(set)
    for move in plan:
        topic, number = move.partition.topic, move.partition.partition
        leaders[topic].update(f"{number}:{b}" for b in move.before)
        followers[topic].update(f"{number}:{b}" for b in move.after if b not in move.before)
    return {
        topic: ThrottledReplicas(
            ",".join(sorted(leaders[topic])), ",".join(sorted(followers[topic]))
        )
        for topic in sorted(leaders)
    }


@attrs.frozen
class Wave:
    """Moves that run at the same time; no broker exceeds the concurrency limit in it."""

    index: int
    moves: tuple[PartitionMove, ...]
    bytes: int
    seconds: float | None = None


@attrs.frozen
class ExecutionEstimate:
    """A plan split into waves, with each wave's and the whole plan's estimated duration."""

    waves: tuple[Wave, ...]
    throttle_bytes_per_second: int | None
    concurrency: int | None
    total_bytes: int
    busiest_broker_bytes: int = 0
    """The most bytes one broker must send or receive over the whole plan."""
    busiest_receiver_load: int = 0
    """With a copy limit: the most bytes-at-the-throttle one broker's receiving takes, a copy
    counted ``k / limit`` times when its move adds ``k`` replicas, more than the limit (see
    :func:`_busiest_receiver_load`); 0 without a limit."""
    scheduled_seconds: float | None = None
    """With a copy limit: how long ``reassign execute``'s schedule takes (each move starts as
    soon as its brokers have room, not when a wave ends; :func:`estimate_duration`)."""

    @property
    def bandwidth_bound_seconds(self) -> float | None:
        """No order of the moves finishes sooner: the busiest broker copies at the throttle
        (and, with a copy limit, receives a move's copy no faster than its leader's throttle
        is shared among that move's copies)."""
        if self.throttle_bytes_per_second is None:
            return None
        busiest = max(self.busiest_broker_bytes, self.busiest_receiver_load)
        return busiest / self.throttle_bytes_per_second

    @property
    def waves_seconds(self) -> float | None:
        """The waves one after another, each as long as its busiest broker's bytes take."""
        if self.throttle_bytes_per_second is None:
            return None
        return sum(w.seconds or 0.0 for w in self.waves)

    @property
    def total_seconds(self) -> float | None:
        """The estimate: the executor's schedule with a copy limit, else the single wave."""
        if self.scheduled_seconds is not None:
            return self.scheduled_seconds
        return self.waves_seconds

    def to_dict(self) -> dict[str, object]:
        return {
            "throttle_bytes_per_second": self.throttle_bytes_per_second,
            "concurrency": self.concurrency,
            "total_bytes": self.total_bytes,
            "total_seconds": self.total_seconds,
            "waves_seconds": self.waves_seconds,
            "bandwidth_bound_seconds": self.bandwidth_bound_seconds,
            "waves": [
                {
                    "index": w.index,
                    "partitions": len(w.moves),
                    "bytes": w.bytes,
                    "seconds": w.seconds,
                }
                for w in self.waves
            ],
        }


def _size(sizes: PartitionSizes | None, move: PartitionMove) -> int:
    return sizes.size(move.partition) if sizes is not None else 0


def _largest_first(
    moves: Iterable[PartitionMove], sizes: PartitionSizes | None
) -> list[PartitionMove]:
    return sorted(
        moves,
        key=lambda m: (
            -_size(sizes, m) * m.replica_moves,
            m.partition.topic,
            m.partition.partition,
        ),
    )


def _waiting_work(
    moves: Iterable[PartitionMove], sizes: PartitionSizes | None, concurrency: int
) -> dict[tuple[bool, int], int]:
    """Per broker and direction (True: sending), the copying its waiting moves still need.

    In bytes times ``concurrency`` (whole numbers, so equal loads compare equal however they
    were summed): a sender's bytes, and a receiver's bytes counted ``max(1, k / concurrency)``
    times for a move that adds ``k`` replicas (:func:`_busiest_receiver_load`).
    """
    work: dict[tuple[bool, int], int] = defaultdict(int)
    for move in moves:
        _add_work(work, move, _size(sizes, move), concurrency, 1)
    return work


def _add_work(
    work: dict[tuple[bool, int], int], move: PartitionMove, size: int, concurrency: int, sign: int
) -> None:
    k = len(move.adding)
    if not k:
        return
    work[True, move.before[0]] += sign * size * k * concurrency
    for b in move.adding:
        work[False, b] += sign * size * max(k, concurrency)


def _urgency(work: Mapping[tuple[bool, int], int], move: PartitionMove) -> int:
    """The most waiting work on any broker the move touches: the busiest first."""
    if not move.adding:
        return 0
    return max(work[True, move.before[0]], *(work[False, b] for b in move.adding))


class _Slots:
    """Per-broker copies in flight: incoming on each new replica, outgoing on the source.

    Each added replica is one incoming copy on its new broker and one outgoing copy on the
    partition's current preferred leader (the broker that serves followers). A partition that
    adds more replicas than the limit cannot be split (Kafka moves a partition as a whole), so it
    takes its source's whole outgoing allowance.
    """

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self.incoming: dict[int, int] = defaultdict(int)
        self.outgoing: dict[int, int] = defaultdict(int)
        # Bytes each broker receives and sends in this wave, and the most of them: the wave's
        # duration at the throttle (``_busiest_bytes``).
        self._bytes_in: dict[int, int] = defaultdict(int)
        self._bytes_out: dict[int, int] = defaultdict(int)
        self.busiest = 0

    def _copies(self, move: PartitionMove) -> int:
        return min(len(move.adding), self.concurrency)

    def fits(self, move: PartitionMove) -> bool:
        if not move.adding:
            return True
        source = move.before[0]
        return self.outgoing[source] + self._copies(move) <= self.concurrency and all(
            self.incoming[b] + 1 <= self.concurrency for b in move.adding
        )

    def _busiest_with(self, move: PartitionMove, size: int) -> int:
        source = move.before[0]
        return max(
            self._bytes_out[source] + size * len(move.adding),
            *(self._bytes_in[b] + size for b in move.adding),
        )

    def lengthens_by(self, move: PartitionMove, size: int) -> int:
        """How many bytes this move adds to the wave's busiest broker (0: it fits in the time)."""
        if not move.adding:
            return 0
        return max(0, self._busiest_with(move, size) - self.busiest)

    def release(self, move: PartitionMove) -> None:
        """A move ended: its copies leave their brokers' counts (not the wave's bytes)."""
        if move.adding:
            self.outgoing[move.before[0]] -= self._copies(move)
            for b in move.adding:
                self.incoming[b] -= 1

    def take(self, move: PartitionMove, size: int = 0) -> None:
        if move.adding:
            self.busiest = max(self.busiest, self._busiest_with(move, size))
            self.outgoing[move.before[0]] += self._copies(move)
            self._bytes_out[move.before[0]] += size * len(move.adding)
            for b in move.adding:
                self.incoming[b] += 1
                self._bytes_in[b] += size


def split_into_waves(
    plan: ReassignmentPlan, *, concurrency: int | None, sizes: PartitionSizes | None = None
) -> tuple[Wave, ...]:
    """Split ``plan`` so that no broker has more than ``concurrency`` incoming or outgoing copies.

    Largest moves are placed first, each in the wave where every broker it touches still has
    room and whose duration it lengthens least (the earliest among equals; a wave lasts as long
    as its busiest broker's bytes take). Large moves thus share waves instead of each setting
    the length of a wave of its own, and the number of waves stays near the busiest broker's
    copies divided by the limit. Pure reorders copy nothing and run in the first wave. The
    per-broker accounting is the one :func:`next_wave` uses while a plan runs.
    """
    if concurrency is not None and concurrency < 1:
        raise InvalidInput(f"concurrency must be >= 1, got {concurrency}")
    ordered = _largest_first(plan, sizes)
    if concurrency is None:
        return (
            Wave(
                0, tuple(sorted(ordered)), sum(_size(sizes, m) * m.replica_moves for m in ordered)
            ),
        )
    slots: list[_Slots] = []
    waves: list[list[PartitionMove]] = []
    for move in ordered:
        size = _size(sizes, move)
        index, longer = len(slots), 0
        for i, wave in enumerate(slots):
            if not wave.fits(move):
                continue
            added = wave.lengthens_by(move, size)
            if index == len(slots) or added < longer:
                index, longer = i, added
                if not added:
                    break
        if index == len(slots):
            slots.append(_Slots(concurrency))
            waves.append([])
        slots[index].take(move, size)
        waves[index].append(move)
    return tuple(
        Wave(i, tuple(sorted(moves)), sum(_size(sizes, m) * m.replica_moves for m in moves))
        for i, moves in enumerate(waves)
    )


def next_wave(
    waiting: Iterable[PartitionMove],
    in_flight: Iterable[PartitionMove],
    *,
    concurrency: int,
    sizes: PartitionSizes | None = None,
) -> tuple[PartitionMove, ...]:
    """The waiting moves to start now, given those in flight, under the per-broker limit.

    Busiest brokers first: the moves whose sender or receivers have the most waiting copying
    left (the broker that sets the bound must never wait), largest first among equals; each is
    taken if every broker it touches has a free slot (the accounting of
    :func:`split_into_waves`). A move starts as soon as its brokers have room, so a broker that
    finishes early takes its next copy at once instead of idling until the slowest copy of a
    wave ends. With nothing in flight at least one move always starts, however large.
    """
    if concurrency < 1:
        raise InvalidInput(f"concurrency must be >= 1, got {concurrency}")
    slots = _Slots(concurrency)
    for move in in_flight:
        slots.take(move)
    ordered = _largest_first(waiting, sizes)
    work = _waiting_work(ordered, sizes, concurrency)
    ordered.sort(key=lambda m: -_urgency(work, m))  # stable: largest first among equals
    chosen = []
    for move in ordered:
        if slots.fits(move):
            slots.take(move)
            chosen.append(move)
    return tuple(sorted(chosen))


def _scheduled_seconds(
    plan: Iterable[PartitionMove], sizes: PartitionSizes | None, rate: int, concurrency: int
) -> float:
    """How long ``reassign execute`` takes with at most ``concurrency`` copies per broker.

    The executor's rule (:func:`next_wave`): whenever a move ends, the waiting moves that now
    fit start, busiest brokers first, so a broker that finishes early takes its next copy at
    once. Each broker's throttle is shared evenly by the copies it sends and, separately, by
    those it receives; a copy runs at the smaller of its two shares, and a move holds its slots
    until its last copy ends. A fluid model: no produce traffic, no lag in noticing a finished move.
    """
    moves = [m for m in _largest_first(plan, sizes) if m.adding]
    work = _waiting_work(moves, sizes, concurrency)
    slots = _Slots(concurrency)
    # Waiting moves per (source, destination), largest first: when a copy ends, only the pairs
    # whose both ends now have room are searched. A move that adds one replica has its pair's
    # urgency; one that adds more is kept apart (``joint``): its urgency is its own.
    pairs: dict[tuple[int, int], list[int]] = defaultdict(list)
    joint: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, move in enumerate(moves):
        for dest in move.adding:
            (pairs if len(move.adding) == 1 else joint)[move.before[0], dest].append(index)
    dests_of: dict[int, list[int]] = defaultdict(list)
    sources_of: dict[int, list[int]] = defaultdict(list)
    for source, dest in sorted(pairs.keys() | joint.keys()):
        dests_of[source].append(dest)
        sources_of[dest].append(source)
    first_waiting: dict[tuple[int, int], int] = defaultdict(int)
    started = [False] * len(moves)
    running: list[list[float]] = []  # [move index, source, destination, bytes left]
    copies_left = [0] * len(moves)
    sending: dict[int, int] = defaultdict(int)
    receiving: dict[int, int] = defaultdict(int)

    def room(source: int, dest: int) -> bool:
        return slots.outgoing[source] < concurrency and slots.incoming[dest] < concurrency

    def waiting(pair: tuple[int, int]) -> Iterator[int]:
        queue = pairs[pair]
        head = first_waiting[pair]
        while head < len(queue) and started[queue[head]]:
            head += 1
        first_waiting[pair] = head
        for index in itertools.islice(queue, head, None):
            if not room(*pair):
                return  # nothing more between these two brokers can start now
            yield index

    def start(sources: Iterable[int], dests: Iterable[int]) -> None:
        found = {(s, d) for s in sources for d in dests_of[s] if room(s, d)}
        found |= {(s, d) for d in dests for s in sources_of[d] if room(s, d)}
        # next_wave's order, urgency (the most work on any broker a move touches, as it stands
        # now) then size: a one-replica move's urgency is its pair's, so each pair's queue is
        # one stream; the moves adding several replicas are ranked one by one. A move met
        # again through another pair has started, or does not fit.
        urgency = {(s, d): max(work[True, s], work[False, d]) for s, d in found}
        streams = [_keyed(-urgency[pair], waiting(pair)) for pair in sorted(found)]
        several: set[int] = set()
        for pair in found:
            joint[pair] = [index for index in joint[pair] if not started[index]]
            several.update(joint[pair])
        streams.append(iter(sorted((-_urgency(work, moves[i]), i) for i in several)))
        for _, index in heapq.merge(*streams):
            move = moves[index]
            if started[index] or not slots.fits(move):
                continue
            started[index] = True
            _add_work(work, move, _size(sizes, move), concurrency, -1)
            slots.take(move)
            copies_left[index] = len(move.adding)
            source = move.before[0]
            for dest in move.adding:
                running.append([index, source, dest, float(_size(sizes, move))])
                sending[source] += 1
                receiving[dest] += 1

    start(sorted(dests_of), ())
    now = 0.0
    while running:
        speeds = [rate / max(sending[int(copy[1])], receiving[int(copy[2])]) for copy in running]
        step = min(copy[3] / speed for copy, speed in zip(running, speeds, strict=True))
        now += step
        still: list[list[float]] = []
        freed_sources: set[int] = set()
        freed_dests: set[int] = set()
        for copy, speed in zip(running, speeds, strict=True):
            copy[3] -= speed * step
            if copy[3] > 1e-6 * rate:
                still.append(copy)
                continue
            index, source, dest = int(copy[0]), int(copy[1]), int(copy[2])
            sending[source] -= 1
            receiving[dest] -= 1
            copies_left[index] -= 1
            if not copies_left[index]:
                slots.release(moves[index])
                freed_sources.add(moves[index].before[0])
                freed_dests.update(moves[index].adding)
        running = still
        start(sorted(freed_sources), sorted(freed_dests))
        if not running:
            # Each waiting move was looked at again when a broker blocking it freed; this last
            # look at all of them only guards that rule (with nothing running, any move fits).
            start(sorted(dests_of), ())
    return now


def _keyed(key: int, indices: Iterator[int]) -> Iterator[tuple[int, int]]:
    for index in indices:
        yield key, index


def _wave_seconds(wave: Wave, sizes: PartitionSizes | None, rate: int) -> float:
    """The busiest broker's bytes (in or out) over the throttle rate.

    Kafka's throttle is a per-broker rate, applied separately to what a broker sends as leader
    (``leader.replication.throttled.rate``) and receives as follower
    (``follower.replication.throttled.rate``), so the broker with the most bytes to send or to
    receive sets the pace of a wave.
    """
    return _busiest_bytes(wave.moves, sizes) / rate


def _busiest_bytes(moves: Iterable[PartitionMove], sizes: PartitionSizes | None) -> int:
    """The most bytes one broker sends (as the current leader) or receives among ``moves``."""
    incoming: dict[int, int] = defaultdict(int)
    outgoing: dict[int, int] = defaultdict(int)
    for move in moves:
        size = _size(sizes, move)
        for b in move.adding:
            incoming[b] += size
            outgoing[move.before[0]] += size
    return max([*incoming.values(), *outgoing.values(), 0])


def _busiest_receiver_load(
    moves: Iterable[PartitionMove], sizes: PartitionSizes | None, concurrency: int
) -> int:
    """The most time, in bytes at the throttle, one broker's receiving slots must be held.

    A move that adds ``k`` replicas sends them all at once from its leader, each at ``1/k`` of
    the leader's throttle (Kafka moves a partition as a whole). A receiver takes at most
    ``concurrency`` copies at once and gets at most its own throttle shared among them, so a
    copy of ``s`` bytes holds its share of the receiver for at least ``s * max(1, k /
    concurrency)`` bytes' worth of time: with one slot, three replicas added together keep each
    receiver three times as long as one would. Summed per receiver, no order beats the largest.
    """
    work = _waiting_work(moves, sizes, concurrency)
    receiving = (held for (sending, _), held in work.items() if not sending)
    return max(receiving, default=0) // concurrency


def estimate_duration(
    plan: ReassignmentPlan,
    *,
    throttle_bytes_per_second: int,
    sizes: PartitionSizes | None,
    concurrency: int | None = None,
) -> ExecutionEstimate:
    """Waves and their durations when every broker copies at ``throttle_bytes_per_second``.

    With a copy limit (``concurrency``), the plan is split into waves (for display, and for
    running it by hand wave by wave), and its time is that of ``reassign execute``'s schedule,
    which starts each move as soon as its brokers have room (``scheduled_seconds``; the waves one
    after another take ``waves_seconds``). Without one, everything runs at once: the busiest
    broker's bytes at the throttle. Either way a lower bound on wall time: the throttle is
    assumed the only limit (no produce traffic competing for it, no disk or network ceiling).
    """
    if throttle_bytes_per_second <= 0:
        raise InvalidInput(f"throttle must be > 0 bytes/s, got {throttle_bytes_per_second}")
    waves = split_into_waves(plan, concurrency=concurrency, sizes=sizes)
    timed = tuple(
        attrs.evolve(w, seconds=_wave_seconds(w, sizes, throttle_bytes_per_second)) for w in waves
    )
    return ExecutionEstimate(
        waves=timed,
        throttle_bytes_per_second=throttle_bytes_per_second,
        concurrency=concurrency,
        total_bytes=sum(w.bytes for w in timed),
        busiest_broker_bytes=_busiest_bytes(plan, sizes),
        busiest_receiver_load=(
            0 if concurrency is None else _busiest_receiver_load(plan, sizes, concurrency)
        ),
        scheduled_seconds=(
            None
            if concurrency is None
            else _scheduled_seconds(plan, sizes, throttle_bytes_per_second, concurrency)
        ),
    )
