"""The planners' scratch space: one mutable working copy, private to a pure function.

Planning is a search over many small moves; doing it on immutable values would copy 600,000
replicas per step. A ``Workspace`` is created from frozen values at the start of a planner,
mutated while it plans, and turned back into frozen values at the end; it never escapes.
Partitions are numbered 0..P-1 and racks 0..R-1 so the hot loops touch only ints and lists.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator

from confluent_ops.model import BrokerSet, ClusterAssignment, PartitionSizes, TopicPartition

NO_RACK = -1
NO_BROKER = -1


class Workspace:
    """Replica lists, per-broker counts and size-sorted holdings, and the log of steps."""

    def __init__(
        self,
        assignment: ClusterAssignment,
        brokers: BrokerSet,
        *,
        sizes: PartitionSizes | None,
        removed: Iterable[int] = (),
        no_receive: Iterable[int] = (),
        frozen_topics: Iterable[str] = (),
    ) -> None:
        self.partitions: list[TopicPartition] = list(assignment.partitions)
        self.replicas: list[list[int]] = [list(r) for r in assignment.partitions.values()]
        self.original: list[tuple[int, ...]] = list(assignment.partitions.values())
        self.sizes_known = sizes is not None
        self.size: list[int] = [sizes.size(tp) if sizes else 0 for tp in self.partitions]
        frozen = set(frozen_topics)
        self.movable: list[bool] = [tp.topic not in frozen for tp in self.partitions]

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

        self.count: dict[int, int] = dict.fromkeys(brokers.ids, 0)
        self.bytes: dict[int, int] = dict.fromkeys(brokers.ids, 0)
        self.holdings: dict[int, list[tuple[int, int]]] = {b: [] for b in brokers.ids}
        for pid, replicas in enumerate(self.replicas):
            size = self.size[pid]
            for b in replicas:
                self.count[b] += 1
                self.bytes[b] += size
                self.holdings[b].append((size, pid))
        for held in self.holdings.values():
            held.sort()
        # The same holdings restricted to partitions no step has changed yet: moves prefer them,
        # so that a plan spreads over many partitions instead of rebuilding a few entirely.
        self.untouched: dict[int, list[tuple[int, int]]] = {
            b: list(held) for b, held in self.holdings.items()
        }
        self.touched: list[bool] = [False] * len(self.replicas)
        self._cursors: dict[bool, dict[int, int]] = {True: {}, False: {}}
        self.total_replicas = sum(self.count.values())
        self.total_bytes = sum(self.bytes.values())
        self.steps: list[tuple[str, int, int, int]] = []
        self.replica_target: dict[int, float] = {}
        self.byte_target: dict[int, float] = {}
        self.recompute_targets()

    # -- racks ---------------------------------------------------------------------------

    def racks_of(self, pid: int) -> int:
        """How many distinct racks the partition's replicas span (0 without racks)."""
        if not self.target_racks:
            return 0
        return len({self.rack[b] for b in self.replicas[pid]})

    def required_racks(self, pid: int) -> int:
        """min(RF, racks of the target cluster): the spread every partition must reach."""
        return min(len(self.replicas[pid]), self.target_racks)

    def racks_after(self, pid: int, source: int, dest: int) -> int:
        rack = self.rack
        return len({rack[dest] if b == source else rack[b] for b in self.replicas[pid]})

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
        for b in targets:
            self.byte_target[b] = (
                self.total_bytes * self.replica_target[b] / total if total else 0.0
            )

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
        entry = (self.size[pid], pid)
        for b in self.replicas[pid]:
            fresh = self.untouched[b]
            del fresh[bisect.bisect_left(fresh, entry)]

    def move(self, goal: str, pid: int, source: int, dest: int) -> None:
        """Replace ``source`` by ``dest`` in the same slot of the partition's replica list."""
        self._touch(pid)
        replicas = self.replicas[pid]
        replicas[replicas.index(source)] = dest
        size = self.size[pid]
        self.count[source] -= 1
        self.count[dest] += 1
        self.bytes[source] -= size
        self.bytes[dest] += size
        held = self.holdings[source]
        del held[bisect.bisect_left(held, (size, pid))]
        bisect.insort(self.holdings[dest], (size, pid))
        self.steps.append((goal, pid, source, dest))

    def add_replica(self, goal: str, pid: int, dest: int) -> None:
        """Append a new replica (raising the replication factor); the leader stays first."""
        self._touch(pid)
        size = self.size[pid]
        self.replicas[pid].append(dest)
        self.count[dest] += 1
        self.bytes[dest] += size
        bisect.insort(self.holdings[dest], (size, pid))
        self.steps.append((goal, pid, NO_BROKER, dest))

    def drop_replica(self, goal: str, pid: int, source: int) -> None:
        """Remove a replica (lowering the replication factor)."""
        self._touch(pid)
        size = self.size[pid]
        self.replicas[pid].remove(source)
        self.count[source] -= 1
        self.bytes[source] -= size
        held = self.holdings[source]
        del held[bisect.bisect_left(held, (size, pid))]
        self.steps.append((goal, pid, source, NO_BROKER))

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
