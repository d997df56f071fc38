"""The planners' scratch space: one mutable working copy, private to a pure function.

Planning is a search over many small moves; doing it on immutable values would copy 600,000
replicas per step. A ``Workspace`` is created from frozen values at the start of a planner,
mutated while it plans, and turned back into frozen values at the end; it never escapes.
Partitions are numbered 0..P-1 and racks 0..R-1 so the hot loops touch only ints and lists.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from confluent_ops.model import (
    BrokerSet,
    ClusterAssignment,
    PartitionRates,
    PartitionSizes,
    TopicPartition,
)

NO_RACK = -1
NO_BROKER = -1

Check = Callable[[int, int, int], bool]
"""A constraint's test of one replica move (partition index, source, destination)."""
Guard = Callable[[Sequence[tuple[int, int, int]]], bool]
"""An optimized goal's test of one action (one or more replica moves applied together)."""
LeaderGuard = Callable[[Sequence[tuple[int, int]]], bool]
"""An optimized goal's test of leadership changes made together ((partition, new leader), ...)."""


def outside(value: float, low: float, high: float) -> float:
    """How far ``value`` stands outside ``low..high`` (0 within): every goal's distance."""
    return value - high if value > high else (low - value if value < low else 0)


def weighted_changes(
    moves: Sequence[tuple[int, int, int]], weight: Sequence[float]
) -> dict[int, float]:
    """Per broker, what these replica moves add of a per-partition weight (negative: take)."""
    change: dict[int, float] = {}
    for pid, source, dest in moves:
        change[source] = change.get(source, 0) - weight[pid]
        change[dest] = change.get(dest, 0) + weight[pid]
    return change


def _spread_range(share: float, *, spans_every_broker: bool) -> tuple[int, int]:
    """What a broker may hold of a topic whose even share on it is ``share``.

    A topic with at least one per broker: within one of the share's ceiling (so max - min <=
    2 across brokers); a smaller topic: at most one more than the share.
    """
    if spans_every_broker:
        top = math.ceil(share - 1e-9)
        return top - 1, top + 1
    return 0, math.floor(share + 1e-9) + 1


class _Holdings:
    """Per broker, the (size, partition) pairs it holds, smallest first, sorted when read.

    A large plan moves a hundred thousand replicas before anything reads these lists in size
    order, and keeping them sorted on every move cost over a second. Changes wait per broker
    until its next read: applied one by one while few, by a single sort when many.
    """

    def __init__(self, held: dict[int, list[tuple[int, int]]]) -> None:
        self._sorted = held  # sorted by the caller
        self._arrived: dict[int, dict[tuple[int, int], None]] = {}
        self._left: dict[int, set[tuple[int, int]]] = {}

    def add(self, broker: int, entry: tuple[int, int]) -> None:
        left = self._left.get(broker)
        if left and entry in left:
            left.discard(entry)  # it left and came back: the sorted list still has it
        else:
            self._arrived.setdefault(broker, {})[entry] = None

    def remove(self, broker: int, entry: tuple[int, int]) -> None:
        arrived = self._arrived.get(broker)
        if arrived and entry in arrived:
            del arrived[entry]
        else:
            self._left.setdefault(broker, set()).add(entry)

    def __getitem__(self, broker: int) -> list[tuple[int, int]]:
        held = self._sorted[broker]
        arrived = self._arrived.pop(broker, None) or {}
        left = self._left.pop(broker, None) or set()
        if len(arrived) + len(left) <= 16:
            for entry in left:
                del held[bisect.bisect_left(held, entry)]
            for entry in arrived:
                bisect.insort(held, entry)
        else:
            if left:
                held[:] = itertools.filterfalse(left.__contains__, held)
            held.extend(arrived)
            held.sort()
        return held


class Workspace:
    """Replica lists, per-broker and per-topic counts, size-sorted holdings, the log of steps.

    Every move a goal proposes passes the constraints (``checks``) and then the goals already
    optimized (``guards``), so no goal undoes the goals above it.
    """

    def __init__(
        self,
        assignment: ClusterAssignment,
        brokers: BrokerSet,
        *,
        sizes: PartitionSizes | None,
        removed: Iterable[int] = (),
        no_receive: Iterable[int] = (),
        frozen_topics: Iterable[str] = (),
        disk: Mapping[int, int] | None = None,
        disk_threshold: float = 0.8,
        rates: PartitionRates | None = None,
    ) -> None:
        self.partitions: list[TopicPartition] = list(assignment.partitions)
        self.replicas: list[list[int]] = [list(r) for r in assignment.partitions.values()]
        self.original: list[tuple[int, ...]] = list(assignment.partitions.values())
        self.sizes_known = sizes is not None
        self.size: list[int] = [sizes.size(tp) if sizes else 0 for tp in self.partitions]
        # Load: bytes per second produced into each partition and fetched from it by consumers.
        self.rates_known = rates is not None
        self.rate_in: list[float] = [
            rates.bytes_in_of(tp) if rates else 0.0 for tp in self.partitions
        ]
        self.rate_out: list[float] = [
            rates.bytes_out_of(tp) if rates else 0.0 for tp in self.partitions
        ]
        frozen = set(frozen_topics)
        self.movable: list[bool] = [tp.topic not in frozen for tp in self.partitions]
        topic_index: dict[str, int] = {}
        self.topic_of: list[int] = [
            topic_index.setdefault(tp.topic, len(topic_index)) for tp in self.partitions
        ]
        self.topic_names: list[str] = list(topic_index)
        self.topic_frozen: list[bool] = [name in frozen for name in self.topic_names]
        # Replicas of each topic per broker: the counts the topic-spread goals balance.
        self.cell: list[dict[int, int]] = [{} for _ in self.topic_names]
        self.topic_total: list[int] = [0] * len(self.topic_names)
        self.topic_pids: list[list[int]] = [[] for _ in self.topic_names]
        # Which partitions of each topic each broker holds (the topic-first search reads it).
        self.cell_pids: list[dict[int, set[int]]] = [{} for _ in self.topic_names]
        # Preferred leaders: per broker, per topic and broker, and the partitions each leads.
        self.leads: dict[int, int] = {}
        self.lead_cell: list[dict[int, int]] = [{} for _ in self.topic_names]
        self.led: dict[int, set[int]] = {}

        self.removed: frozenset[int] = frozenset(removed)
        self.all_brokers: tuple[int, ...] = brokers.ids
        self.targets: tuple[int, ...] = tuple(b for b in brokers.ids if b not in self.removed)
        self.receivers: frozenset[int] = frozenset(self.targets) - frozenset(no_receive)
        rack_names = brokers.racks
        rack_index = {name: i for i, name in enumerate(rack_names)}
        self.rack: dict[int, int] = {
            b.id: rack_index[b.rack] if b.rack is not None else NO_RACK for b in brokers
        }
        self.rack_names: tuple[str, ...] = rack_names
        self.target_racks: int = len({self.rack[b] for b in self.targets} - {NO_RACK})
        self.all_racks: int = len(rack_names)
        # Partitions short of racks at the start: counting every rack of the cluster (the
        # report's "before"), and counting the racks that remain (``short_of_racks`` reads it).
        self.short_of_racks_at_start = 0
        self._short_at_start: list[int] = []
        if self.all_racks:
            rack = self.rack
            for pid, members in enumerate(self.original):
                spans = len({rack[b] for b in members})
                if spans < min(len(members), self.all_racks):
                    self.short_of_racks_at_start += 1
                if spans < min(len(members), self.target_racks):
                    self._short_at_start.append(pid)

        self.count: dict[int, int] = dict.fromkeys(brokers.ids, 0)
        self.bytes: dict[int, int] = dict.fromkeys(brokers.ids, 0)
        held: dict[int, list[tuple[int, int]]] = {b: [] for b in brokers.ids}
        self.leads = dict.fromkeys(brokers.ids, 0)
        self.led = {b: set() for b in brokers.ids}
        # Per broker: bytes/s it receives (every replica fetches its partition's produce), and,
        # from the partitions it leads, the produce it takes and the bytes/s it serves.
        self.net_in: dict[int, float] = dict.fromkeys(brokers.ids, 0.0)
        self.lead_in: dict[int, float] = dict.fromkeys(brokers.ids, 0.0)
        self.net_out: dict[int, float] = dict.fromkeys(brokers.ids, 0.0)
        self._loads = {"net_in": self.net_in, "lead_in": self.lead_in, "net_out": self.net_out}
        # Locals: this loop visits every replica of the cluster.
        count, net_in, byte_count = self.count, self.net_in, self.bytes
        topic_total, topic_pids = self.topic_total, self.topic_pids
        for pid, (replicas, size, topic, rate) in enumerate(
            zip(self.replicas, self.size, self.topic_of, self.rate_in, strict=True)
        ):
            cells = self.cell[topic]
            topic_total[topic] += len(replicas)
            topic_pids[topic].append(pid)
            self._count_leader(pid, replicas[0], 1)
            held_of_topic = self.cell_pids[topic]
            for b in replicas:
                count[b] += 1
                net_in[b] += rate
                byte_count[b] += size
                cells[b] = cells.get(b, 0) + 1
                if b in held_of_topic:
                    held_of_topic[b].add(pid)
                else:
                    held_of_topic[b] = {pid}
        # Visiting partitions smallest first fills every broker's list already sorted.
        for pid in sorted(range(len(self.size)), key=self.size.__getitem__):
            entry = (self.size[pid], pid)
            for b in self.replicas[pid]:
                held[b].append(entry)
        self.holdings = _Holdings(held)
        # The same holdings restricted to partitions no step has changed yet: moves prefer them,
        # so that a plan spreads over many partitions instead of rebuilding a few entirely.
        # Built on first use (the topic-first search reads ``touched`` instead).
        self._untouched: dict[int, list[tuple[int, int]]] | None = None
        self.touched: list[bool] = [False] * len(self.replicas)
        self._cursors: dict[bool, dict[int, int]] = {True: {}, False: {}}
        self.total_replicas = sum(self.count.values())
        self.total_bytes = sum(self.bytes.values())
        # Where the plan starts, for the report's before-and-after figures.
        self.initial_count = dict(self.count)
        self.initial_bytes = dict(self.bytes)
        self.initial_leads = dict(self.leads)
        self.initial_cells = [dict(cells) for cells in self.cell]
        self.initial_sizes: dict[int, list[int]] = {
            b: list(map(operator.itemgetter(0), entries)) for b, entries in held.items()
        }
        """Per broker, the sizes of the replicas it held at the start, smallest first."""
        self.steps: list[tuple[str, int, int, int]] = []
        self.leader_steps: list[tuple[str, int, int, int]] = []
        self.replica_target: dict[int, float] = {}
        self.byte_target: dict[int, float] = {}
        # Capacity: each broker's disk and the bytes it may hold (threshold x disk).
        self.disk: dict[int, int] | None = dict(disk) if disk is not None else None
        self.disk_limit: dict[int, float] = (
            {b: disk_threshold * size for b, size in disk.items()} if disk is not None else {}
        )
        self._eligible: int | None = None
        # Per topic, each broker's ``cell_range``, worked out on the topic's first read.
        self._cell_ranges: list[dict[int, tuple[int, int]] | None] = []
        self._load_total: dict[str, float] = {}
        self._lead_ranges: dict[int, tuple[int, int]] = {}
        self.byte_tolerance = 0.10
        self.topic_aware = False
        self.shed_to_share = False
        self.on_cell_change: Callable[[int, int], None] | None = None
        self.notes: list[str] = []
        self.checks: list[Check] = []
        self.guards: list[Guard] = []
        self.leader_guards: list[LeaderGuard] = []
        self.recompute_targets()

    # -- admission -----------------------------------------------------------------------

    def allows(self, pid: int, source: int, dest: int) -> bool:
        """Whether every constraint and every goal already optimized accepts this move."""
        for check in self.checks:
            if not check(pid, source, dest):
                return False
        if self.guards:
            action = ((pid, source, dest),)
            for guard in self.guards:
                if not guard(action):
                    return False
        return True

    def allows_action(self, moves: Sequence[tuple[int, int, int]]) -> bool:
        """Several moves applied together (a swap): each passes the constraints on its own
        (applied in order), and the goals judge the combined effect."""
        for pid, source, dest in moves:
            for check in self.checks:
                if not check(pid, source, dest):
                    return False
        return all(guard(moves) for guard in self.guards)

    def allows_leader(self, pid: int, broker: int) -> bool:
        return self.allows_leaders(((pid, broker),))

    def allows_leaders(self, changes: Sequence[tuple[int, int]]) -> bool:
        """Whether the goals already optimized accept these leadership changes together."""
        return all(self.movable[pid] for pid, _ in changes) and all(
            guard(changes) for guard in self.leader_guards
        )

    # -- topics --------------------------------------------------------------------------

    def cell_range(self, topic: int, broker: int) -> tuple[int, int]:
        """How many replicas of ``topic`` the broker may hold under the topic-spread goal.

        Its even share is the topic's replicas times the broker's share of all replicas. A topic
        with at least one replica per broker keeps every broker within one of the share's
        ceiling (so max - min <= 2); a smaller topic allows at most one more than the share.
        """
        return self.cell_ranges(topic)[broker]

    def cell_ranges(self, topic: int) -> dict[int, tuple[int, int]]:
        """Every broker's :meth:`cell_range` for ``topic`` (for loops over many brokers)."""
        ranges = self._cell_ranges[topic]
        if ranges is None:
            total = self.topic_total[topic]
            wide = total >= len(self.targets)
            ranges = self._cell_ranges[topic] = {
                b: (0, 0)
                if b in self.removed
                else _spread_range(
                    total * self.replica_target[b] / self.total_replicas, spans_every_broker=wide
                )
                for b in self.all_brokers
            }
        return ranges

    def topic_share(self, topic: int, broker: int) -> float:
        """The topic's even share of replicas on the broker (what ``cell_range`` rounds)."""
        if broker in self.removed:
            return 0.0
        return self.topic_total[topic] * self.replica_target[broker] / self.total_replicas

    def cell_violation(self, topic: int, broker: int, count: int) -> int:
        return int(outside(count, *self.cell_range(topic, broker)))

    # -- racks ---------------------------------------------------------------------------

    def racks_of(self, pid: int) -> int:
        """How many distinct racks the partition's replicas span (0 without racks)."""
        if not self.target_racks:
            return 0
        return len({self.rack[b] for b in self.replicas[pid]})

    def required_racks(self, pid: int) -> int:
        """min(RF, racks of the target cluster): the spread every partition must reach."""
        return min(len(self.replicas[pid]), self.target_racks)

    def rack_violation(self, pid: int) -> bool:
        return self.racks_of(pid) < self.required_racks(pid)

    # -- targets -------------------------------------------------------------------------

    def recompute_targets(self) -> None:
        """Per-broker replica and byte targets: equal shares, unless racks force otherwise.

        With racks, every partition needs a replica in min(RF, R) racks, which bounds how many
        replicas each rack can hold (when RF >= R, every rack must hold one replica of every
        partition). Each rack's share starts proportional to its broker count and is clamped
        into those bounds by water-filling; a broker's target is its rack's share divided
        among the rack's brokers. Without racks (or with equal racks) this is total / brokers.
        """
        targets = self.targets
        total = self.total_replicas
        self._cell_ranges = [None] * len(self.topic_names)
        if not targets:
            return
        by_rack: dict[int, list[int]] = {}
        for b in targets:
            by_rack.setdefault(self.rack[b], []).append(b)
        share: dict[int, float] = {}
        if self.target_racks and len(by_rack) > 1:
            racks = self.target_racks
            low = high = 0
            for replicas in self.replicas:
                rf = len(replicas)
                if rf >= racks:
                    low += 1
                    high += rf - racks + 1
                else:
                    high += 1
            fixed: dict[int, float] = {}
            while True:
                free = [r for r in by_rack if r not in fixed]
                if not free:
                    break
                remaining = total - sum(fixed.values())
                free_brokers = sum(len(by_rack[r]) for r in free)
                changed = False
                for r in free:
                    wanted = remaining * len(by_rack[r]) / free_brokers
                    if wanted < low:
                        fixed[r] = float(low)
                        changed = True
                    elif wanted > high:
                        fixed[r] = float(high)
                        changed = True
                if not changed:
                    for r in free:
                        share[r] = remaining * len(by_rack[r]) / free_brokers
                    break
            share.update(fixed)
        else:
            share = {r: total * len(bs) / len(targets) for r, bs in by_rack.items()}
        for r, members in by_rack.items():
            for b in members:
                self.replica_target[b] = share[r] / len(members)
        known = self.disk is not None and all(self.disk.get(b, 0) > 0 for b in targets)
        room = sum(self.disk[b] for b in targets) if self.disk is not None and known else 0
        for b in targets:
            if room and self.disk is not None:
                # Brokers of different disk sizes: balance the fraction of the disk used.
                self.byte_target[b] = self.total_bytes * self.disk[b] / room
            else:
                self.byte_target[b] = (
                    self.total_bytes * self.replica_target[b] / total if total else 0.0
                )

    def byte_range(self, broker: int, tolerance: float) -> tuple[float, float]:
        """Bytes a broker may hold under the disk-usage goal: its share, give or take."""
        if broker in self.removed:
            return 0.0, 0.0
        target = self.byte_target.get(broker, 0.0)
        return max(0.0, 1 - tolerance) * target, (1 + tolerance) * target

    def count_range(self, broker: int) -> tuple[int, int]:
        """Replicas a broker may hold under the replica-distribution goal."""
        if broker in self.removed:
            return 0, 0
        return self.floor(broker), self.ceiling(broker)

    def ceiling(self, broker: int) -> int:
        return math.ceil(self.replica_target[broker] - 1e-9)

    def floor(self, broker: int) -> int:
        return math.floor(self.replica_target[broker] + 1e-9)

    def deviation(self, broker: int) -> float:
        return self.count[broker] - self.replica_target[broker]

    # -- moves ---------------------------------------------------------------------------

    def _touch(self, pid: int) -> None:
        if self.touched[pid]:
            return
        self.touched[pid] = True
        if self._untouched is None:
            return
        entry = (self.size[pid], pid)
        for b in self.replicas[pid]:
            fresh = self._untouched[b]
            del fresh[bisect.bisect_left(fresh, entry)]

    @property
    def untouched(self) -> dict[int, list[tuple[int, int]]]:
        """Per broker, its holdings that no step has changed yet (size-sorted)."""
        if self._untouched is None:
            touched = self.touched
            self._untouched = {
                b: [entry for entry in self.holdings[b] if not touched[entry[1]]]
                for b in self.all_brokers
            }
        return self._untouched

    def serves(self, pid: int) -> float:
        """Bytes/s the partition's leader sends: to consumers, and to every follower."""
        return self.rate_out[pid] + (len(self.replicas[pid]) - 1) * self.rate_in[pid]

    def _count_leader(self, pid: int, broker: int, delta: int) -> None:
        self.leads[broker] += delta
        self.lead_in[broker] += delta * self.rate_in[pid]
        self.net_out[broker] += delta * self.serves(pid)
        cells = self.lead_cell[self.topic_of[pid]]
        cells[broker] = cells.get(broker, 0) + delta
        if delta > 0:
            self.led[broker].add(pid)
        else:
            self.led[broker].discard(pid)

    def move(self, goal: str, pid: int, source: int, dest: int) -> None:
        """Replace ``source`` by ``dest`` in the same slot of the partition's replica list."""
        self._touch(pid)
        replicas = self.replicas[pid]
        slot = replicas.index(source)
        replicas[slot] = dest
        if slot == 0:
            self._count_leader(pid, source, -1)
            self._count_leader(pid, dest, 1)
        if self.count[source] == 1 or not self.count[dest]:
            self._eligible = None
        size = self.size[pid]
        self.count[source] -= 1
        self.count[dest] += 1
        self.net_in[source] -= self.rate_in[pid]
        self.net_in[dest] += self.rate_in[pid]
        self.bytes[source] -= size
        self.bytes[dest] += size
        topic = self.topic_of[pid]
        cells = self.cell[topic]
        cells[source] -= 1
        cells[dest] = cells.get(dest, 0) + 1
        held_of_topic = self.cell_pids[topic]
        held_of_topic[source].discard(pid)
        held_of_topic.setdefault(dest, set()).add(pid)
        if self.on_cell_change is not None:
            self.on_cell_change(topic, source)
            self.on_cell_change(topic, dest)
        self.holdings.remove(source, (size, pid))
        self.holdings.add(dest, (size, pid))
        self.steps.append((goal, pid, source, dest))

    def add_replica(self, goal: str, pid: int, dest: int) -> None:
        """Append a new replica (raising the replication factor); the leader stays first."""
        self._touch(pid)
        size = self.size[pid]
        self.replicas[pid].append(dest)
        self.count[dest] += 1
        self.net_in[dest] += self.rate_in[pid]
        self.net_out[self.replicas[pid][0]] += self.rate_in[pid]
        self.bytes[dest] += size
        cells = self.cell[self.topic_of[pid]]
        cells[dest] = cells.get(dest, 0) + 1
        self.cell_pids[self.topic_of[pid]].setdefault(dest, set()).add(pid)
        self.topic_total[self.topic_of[pid]] += 1
        self.holdings.add(dest, (size, pid))
        self.steps.append((goal, pid, NO_BROKER, dest))

    def drop_replica(self, goal: str, pid: int, source: int) -> None:
        """Remove a replica (lowering the replication factor)."""
        self._touch(pid)
        size = self.size[pid]
        if self.replicas[pid][0] == source:
            self._count_leader(pid, source, -1)
            self._count_leader(pid, self.replicas[pid][1], 1)
        self.replicas[pid].remove(source)
        self.count[source] -= 1
        self.net_in[source] -= self.rate_in[pid]
        self.net_out[self.replicas[pid][0]] -= self.rate_in[pid]
        self.bytes[source] -= size
        self.cell[self.topic_of[pid]][source] -= 1
        self.cell_pids[self.topic_of[pid]][source].discard(pid)
        self.topic_total[self.topic_of[pid]] -= 1
        self.holdings.remove(source, (size, pid))
        self.steps.append((goal, pid, source, NO_BROKER))

    def lead(self, goal: str, pid: int, broker: int) -> None:
        """Make ``broker`` (one of the partition's replicas) its preferred leader."""
        replicas = self.replicas[pid]
        old = replicas[0]
        replicas.remove(broker)
        replicas.insert(0, broker)
        self._count_leader(pid, old, -1)
        self._count_leader(pid, broker, 1)
        self.leader_steps.append((goal, pid, old, broker))

    def load(self, kind: str) -> dict[int, float]:
        """Per broker: ``net_in``, ``lead_in`` or ``net_out`` (bytes per second)."""
        return self._loads[kind]

    def load_share(self, kind: str, broker: int) -> float:
        """A broker's even share of a load: of replicas' load by its replica share, of leaders'
        load equally among the brokers that hold replicas. Moves never change the totals."""
        if broker in self.removed or not self.count[broker]:
            return 0.0
        total = self._load_total.get(kind)
        if total is None:
            load = self.load(kind)
            total = self._load_total[kind] = sum(load[b] for b in self.all_brokers)
        if kind == "net_in":
            return total * self.replica_target[broker] / (self.total_replicas or 1)
        if self._eligible is None:
            self._eligible = sum(1 for b in self.targets if self.count[b])
        return total / self._eligible

    def load_range(self, kind: str, broker: int, tolerance: float) -> tuple[float, float]:
        share = self.load_share(kind, broker)
        return max(0.0, 1 - tolerance) * share, (1 + tolerance) * share

    def leader_range(self, broker: int) -> tuple[int, int]:
        """Preferred leaders a broker may hold: the floor and ceiling of an even share."""
        if broker in self.removed or not self.count[broker]:
            return 0, 0
        if self._eligible is None:
            self._eligible = sum(1 for b in self.targets if self.count[b])
        share = len(self.replicas) / self._eligible
        return math.floor(share + 1e-9), math.ceil(share - 1e-9)

    def lead_cell_range(self, topic: int, broker: int) -> tuple[int, int]:
        """Leaders of ``topic`` a broker may hold, by the same rule as :meth:`cell_range`."""
        if broker in self.removed:
            return 0, 0
        found = self._lead_ranges.get(topic)
        if found is None:
            count = len(self.topic_pids[topic])
            found = _spread_range(
                count / len(self.targets), spans_every_broker=count >= len(self.targets)
            )
            self._lead_ranges[topic] = found
        return found

    def replay(self, goal: str, pid: int, source: int, dest: int) -> None:
        """Apply one logged step again (on a fresh workspace of the same input)."""
        if source == NO_BROKER:
            self.add_replica(goal, pid, dest)
        elif dest == NO_BROKER:
            self.drop_replica(goal, pid, source)
        else:
            self.move(goal, pid, source, dest)

    def candidates_near(
        self, broker: int, size: float, *, untouched_only: bool = False
    ) -> Iterator[int]:
        """The partitions held by ``broker``, nearest in size to ``size`` first.

        With ``untouched_only``, only partitions that no step of this plan has changed yet.
        """
        held = self.untouched[broker] if untouched_only else self.holdings[broker]
        if not self.sizes_known:
            # Every size is 0, so "nearest" is any order: go round from where the last search
            # on this broker stopped, so partitions refused a moment ago are not re-examined
            # first on every call (which made large plans quadratic).
            cursors = self._cursors[untouched_only]
            count = len(held)
            start = cursors.get(broker, 0)
            for step in range(count):
                index = (start + step) % count
                cursors[broker] = index
                yield held[index][1]
            return
        right = bisect.bisect_left(held, (size, -1))
        left = right - 1
        while left >= 0 or right < len(held):
            if right >= len(held) or (left >= 0 and size - held[left][0] <= held[right][0] - size):
                yield held[left][1]
                left -= 1
            else:
                yield held[right][1]
                right += 1

    def adds_after(self, pid: int, source: int, dest: int) -> int:
        """What :meth:`adds` would be once the step ``source -> dest`` is applied."""
        replicas = self.replicas[pid]
        if source == NO_BROKER:
            after = [*replicas, dest]
        elif dest == NO_BROKER:
            after = [b for b in replicas if b != source]
        else:
            after = [dest if b == source else b for b in replicas]
        original = self.original[pid]
        return sum(1 for b in after if b not in original)

    def adds(self, pid: int) -> int:
        """Replicas of this partition that are new compared with the input: its data moves."""
        original = self.original[pid]
        return sum(1 for b in self.replicas[pid] if b not in original)

    def touched_partitions(self) -> Iterator[int]:
        """The partitions some step moved a replica of (a reorder alone does not count): the
        only ones whose replica set, and so any figure of it, can differ from the input's."""
        return (pid for pid, touched in enumerate(self.touched) if touched)

    def replica_moves(self) -> int:
        """The plan's data moves so far: new replicas of the partitions some step changed."""
        return sum(self.adds(pid) for pid in self.touched_partitions())

    def changed(self) -> list[int]:
        """The partitions whose replica list differs from the input (moved or reordered)."""
        original = self.original
        return [pid for pid, now in enumerate(self.replicas) if tuple(now) != original[pid]]

    def short_of_racks(self) -> list[int]:
        """The partitions that span fewer racks than :meth:`required_racks` now, in order.

        Only partitions some step touched are looked at again: a reorder keeps the racks.
        """
        touched = self.touched
        short = [pid for pid in self._short_at_start if not touched[pid]]
        short += (pid for pid in self.touched_partitions() if self.rack_violation(pid))
        return sorted(short)
