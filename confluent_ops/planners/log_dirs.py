"""Which log directory each replica lives in, on brokers with several (JBOD).

Kafka places a replica new on a broker in the directory holding the fewest partitions, whatever
their sizes and whatever the sizes of the volumes, and never moves one by itself: directories
fill unevenly, and one full disk takes its broker's replicas offline while the others have
room. :func:`plan_log_dirs` turns a broker-level plan (any planner's result) into one that says
where every replica should live, in Kafka's own ``log_dirs``:

1. a replica that stays on its broker stays in its directory;
2. a replica new on a broker goes to the online directory that is least used once it lands
   (as a fraction of each volume when every online directory of the broker reports its size,
   in bytes otherwise);
3. each broker's directories are then evened out with the fewest intra-broker moves: from the
   fullest directory to the emptiest, the largest replica whose move narrows their gap (a new
   replica first: placing it elsewhere copies nothing), until the fullest directory holds at
   most ``1 + tolerance`` times its share of the broker's bytes.

Offline directories receive nothing and their replicas are left where they are. A broker with
a single online directory needs no choice: its entries stay ``"any"``, as do those of replicas
that stay where they are.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

import attrs

from confluent_ops.errors import InvalidInput
from confluent_ops.model import (
    ClusterAssignment,
    LogDir,
    LogDirBalance,
    LogDirs,
    PartitionMove,
    PartitionSizes,
    PlannedReassignment,
    TopicPartition,
)
from confluent_ops.model.assignment import ANY_LOG_DIR

__all__ = ["plan_log_dirs"]

_EPSILON = 1e-12


@attrs.define
class _Replica:
    """One replica on a broker with several online directories, and where it goes."""

    partition: TopicPartition
    size: int
    now: str | None  # its directory before the plan; None when new on the broker
    target: str
    movable: bool  # False: someone moves it already, or it is outside the assignment


class _Broker:
    """One broker's online directories and the replicas they hold after the plan."""

    def __init__(self, broker: int, dirs: Iterable[LogDir]) -> None:
        self.broker = broker
        self.dirs = {d.path: d for d in dirs}
        sized = [d.total_bytes for d in self.dirs.values()]
        self.capacity: dict[str, int] | None = (
            {d.path: d.total_bytes for d in self.dirs.values() if d.total_bytes}
            if all(sized)
            else None
        )
        self.used: dict[str, int] = dict.fromkeys(self.dirs, 0)
        self.replicas: list[_Replica] = []

    def measure(self, path: str, extra: int = 0) -> float:
        """How full ``path`` is (with ``extra`` bytes more): a fraction, or bytes."""
        used = self.used[path] + extra
        return used / self.capacity[path] if self.capacity is not None else float(used)

    def share(self) -> float:
        """Where every directory would be if the broker's bytes were spread perfectly."""
        total = sum(self.used.values())
        if self.capacity is not None:
            return total / sum(self.capacity.values())
        return total / len(self.used)

    def place(self, replica: _Replica) -> None:
        self.used[replica.target] += replica.size
        self.replicas.append(replica)

    def emptiest_for(self, size: int) -> str:
        return min(sorted(self.dirs), key=lambda path: self.measure(path, size))

    def balance(self, tolerance: float) -> bool:
        """Move replicas from the fullest directory to the emptiest while a move narrows
        their gap; True when the fullest ends within ``tolerance`` of its share.

        Each move lowers the highest fill or the number of directories at it, so it ends.
        """
        while True:
            order = sorted(self.dirs, key=lambda path: (self.measure(path), path))
            emptiest, fullest = order[0], order[-1]
            high = self.measure(fullest)
            if high <= self.share() * (1 + tolerance) + _EPSILON:
                return True
            candidates = sorted(
                (r for r in self.replicas if r.target == fullest and r.movable and r.size > 0),
                key=lambda r: (
                    r.now is not None,
                    -r.size,
                    r.partition.topic,
                    r.partition.partition,
                ),
            )
            chosen = next(
                (r for r in candidates if self.measure(emptiest, r.size) < high - _EPSILON), None
            )
            if chosen is None:
                return False
            self.used[fullest] -= chosen.size
            self.used[emptiest] += chosen.size
            chosen.target = emptiest


def _check_tolerance(tolerance: float) -> None:
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise InvalidInput(f"the log-dir tolerance must be a finite number >= 0, not {tolerance}")


def plan_log_dirs(
    before: ClusterAssignment,
    planned: PlannedReassignment,
    log_dirs: LogDirs,
    *,
    sizes: PartitionSizes | None = None,
    tolerance: float = 0.10,
) -> PlannedReassignment:
    """``planned`` with a directory for every replica that needs one, and directories evened.

    ``before`` is the assignment ``planned`` applies to and ``log_dirs`` what the cluster
    reports now (each replica's directory, each directory's volume size when known). ``sizes``
    gives the bytes a new replica brings (default: each partition's largest replica in
    ``log_dirs``). ``tolerance`` is how far above its share a directory may stay (0.10 = 10 %).

    The result holds the moves of ``planned`` with their ``log_dirs``, plus an intra-broker
    move (brokers unchanged, directories changed) for each partition outside ``planned`` that
    balancing moves; its report adds the intra-broker moves, their bytes and every directory's
    bytes before and after. Without a broker that has two online directories it is
    ``planned`` itself.
    """
    _check_tolerance(tolerance)
    by_broker: dict[int, list[LogDir]] = defaultdict(list)
    for log_dir in log_dirs.dirs:
        by_broker[log_dir.broker].append(log_dir)
    brokers = {
        b: _Broker(b, online)
        for b, dirs in by_broker.items()
        if len(online := [d for d in dirs if d.online]) >= 2
    }
    if not brokers:
        return planned
    size_of = sizes if sizes is not None else log_dirs.partition_sizes()
    after = planned.apply_to(before)
    by_partition = {m.partition: m for m in planned}
    notes = _offline_notes(by_broker, brokers)
    bytes_before = _bytes_by_dir(log_dirs)
    _seat_replicas(brokers, before, after, log_dirs, size_of, by_partition)
    for broker in sorted(brokers):
        state = brokers[broker]
        if not state.balance(tolerance):
            notes.append(
                f"log dirs: broker {broker}'s fullest directory stays above {1 + tolerance:g} x "
                "its share: no replica that may move (none already moving between directories, "
                "all in the assignment) narrows its gap to the emptiest"
            )
    moves, intra, intra_bytes = _moves(brokers, before, planned, log_dirs)
    balances = _balances(by_broker, brokers, bytes_before)
    report = attrs.evolve(
        planned.report,
        notes=(*planned.report.notes, *notes),
        intra_broker_moves=intra,
        intra_broker_bytes=intra_bytes,
        log_dirs=balances,
    )
    return PlannedReassignment(moves, report)


def _offline_notes(
    by_broker: Mapping[int, list[LogDir]], brokers: Mapping[int, _Broker]
) -> list[str]:
    """What the plan does about offline directories, one note per broker that has some."""
    notes = []
    for broker, dirs in sorted(by_broker.items()):
        offline = ", ".join(sorted(d.path for d in dirs if not d.online))
        if not offline:
            continue
        if broker in brokers:
            notes.append(
                f"log dirs: broker {broker}: {offline} offline: nothing is placed there, and "
                "its replicas are left where they are"
            )
        else:
            notes.append(
                f"log dirs: broker {broker}: {offline} offline, one directory or none left "
                "online: the broker places its new replicas itself"
            )
    return notes


def _bytes_by_dir(log_dirs: LogDirs) -> dict[tuple[int, str], int]:
    """Bytes of the current (not future) replicas in each directory."""
    used: dict[tuple[int, str], int] = defaultdict(int)
    for replica in log_dirs:
        if not replica.future:
            used[(replica.broker, replica.log_dir)] += replica.size
    return used


def _seat_replicas(
    brokers: Mapping[int, _Broker],
    before: ClusterAssignment,
    after: ClusterAssignment,
    log_dirs: LogDirs,
    size_of: PartitionSizes,
    moves: Mapping[TopicPartition, PartitionMove],
) -> None:
    """Stayers into their directories (with everything else the directories hold), then new
    replicas, largest first, each into the directory least used once it lands."""
    new: list[tuple[int, TopicPartition, int]] = []
    for replica in log_dirs:
        state = brokers.get(replica.broker)
        if state is None or replica.future or replica.log_dir not in state.dirs:
            continue
        tp = replica.partition
        if tp in before and replica.broker not in before.replicas(tp):
            continue  # a replica being added (or left over): placed with the new ones
        if tp in after and replica.broker not in after.replicas(tp):
            continue  # the plan removes it from this broker
        in_flight = log_dirs.replica_log(tp, replica.broker, future=True) is not None
        state.place(
            _Replica(
                tp,
                replica.size,
                replica.log_dir,
                replica.log_dir,
                movable=tp in before and not in_flight,
            )
        )
    for tp, move in moves.items():
        for broker in move.adding:
            if broker in brokers:
                new.append((broker, tp, size_of.size(tp)))
    for broker, tp, size in sorted(new, key=lambda n: (-n[2], n[1].topic, n[1].partition, n[0])):
        state = brokers[broker]
        state.place(_Replica(tp, size, None, state.emptiest_for(size), movable=True))


def _moves(
    brokers: Mapping[int, _Broker],
    before: ClusterAssignment,
    planned: PlannedReassignment,
    log_dirs: LogDirs,
) -> tuple[tuple[PartitionMove, ...], int, int]:
    """The plan's moves with their directories, plus the intra-broker-only moves."""
    targets: dict[tuple[TopicPartition, int], str] = {}
    intra = intra_bytes = 0
    for broker, state in brokers.items():
        for r in state.replicas:
            if r.now is None or r.target != r.now:
                targets[(r.partition, broker)] = r.target
            if r.now is not None and r.target != r.now:
                intra += 1
                intra_bytes += r.size
    moved = {m.partition: m for m in planned}
    touched = sorted({tp for tp, _ in targets} | set(moved), key=lambda t: (t.topic, t.partition))
    moves = []
    for tp in touched:
        replicas = before.replicas(tp)
        move = moved.get(tp, PartitionMove(tp, replicas, replicas))
        moves.append(
            attrs.evolve(
                move,
                log_dirs=tuple(targets.get((tp, b), ANY_LOG_DIR) for b in move.after),
                log_dirs_before=tuple(log_dirs.dir_of(tp, b) or ANY_LOG_DIR for b in replicas),
            )
        )
    return tuple(moves), intra, intra_bytes


def _balances(
    by_broker: Mapping[int, list[LogDir]],
    brokers: Mapping[int, _Broker],
    bytes_before: Mapping[tuple[int, str], int],
) -> tuple[LogDirBalance, ...]:
    """Every directory of the brokers whose directories were planned, before and after."""
    balances = []
    for broker, state in sorted(brokers.items()):
        for d in sorted(by_broker[broker], key=lambda d: d.path):
            was = bytes_before.get((broker, d.path), 0)
            now = state.used.get(d.path, was)
            balances.append(LogDirBalance(broker, d.path, was, now, d.total_bytes, d.online))
    return tuple(balances)
