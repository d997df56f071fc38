"""Reassignment plans: the partitions whose replica lists change, in Kafka's JSON.

With several log directories per broker (JBOD) a plan also says, per replica, in which
directory it should live: Kafka's ``log_dirs`` (one entry per replica, ``"any"`` for the
broker's choice). A replica new on its broker is created there; one that stays on its broker
but changes directory is an *intra-broker* move, which copies bytes on that broker but moves
no replica between brokers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import attrs

from confluent_ops.errors import InvalidInput, MalformedFile, UnknownPartition
from confluent_ops.model._frozen import FrozenDict
from confluent_ops.model._json import dump_compact
from confluent_ops.model.assignment import (
    ANY_LOG_DIR,
    ClusterAssignment,
    TopicPartition,
    _read_partition_entries,
    log_dir_problem,
)
from confluent_ops.model.log_dirs import LogDirs
from confluent_ops.model.report import PlanReport

__all__ = ["PartitionMove", "PlannedReassignment", "ReassignmentPlan"]


def _int_tuple(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(values)


def _dirs(values: Iterable[str]) -> tuple[str, ...]:
    """Per-replica log dirs; all ``"any"`` is the same as none given, and is kept as ``()``."""
    dirs = tuple(values)
    return () if all(d == ANY_LOG_DIR for d in dirs) else dirs


@attrs.frozen(order=True)
class PartitionMove:
    """One partition's replica list before and after: a data move, a reorder, or both.

    ``log_dirs`` is Kafka's per-replica target directory, aligned with ``after`` (``"any"``:
    the broker's choice; ``()`` when every entry is ``"any"``). ``log_dirs_before`` is where
    each replica of ``before`` lives now, aligned with ``before`` (``"any"``: not known); Kafka's
    JSON never states it, so it is known only when a planner or a reading against the
    cluster's log dirs filled it in. A move whose brokers stay the same but whose directories
    change is an intra-broker move: no replica moves, but the broker copies the replica.
    """

    partition: TopicPartition
    before: tuple[int, ...] = attrs.field(converter=_int_tuple)
    after: tuple[int, ...] = attrs.field(converter=_int_tuple)
    log_dirs: tuple[str, ...] = attrs.field(default=(), converter=_dirs)
    log_dirs_before: tuple[str, ...] = attrs.field(default=(), converter=_dirs)

    def __attrs_post_init__(self) -> None:
        if not self.after:
            raise InvalidInput(f"partition {self.partition}: a move must leave replicas")
        if len(set(self.after)) != len(self.after):
            raise InvalidInput(f"partition {self.partition}: a broker is listed twice")
        for name, dirs, replicas in (
            ("log_dirs", self.log_dirs, self.after),
            ("log_dirs_before", self.log_dirs_before, self.before),
        ):
            if dirs and len(dirs) != len(replicas):
                raise InvalidInput(
                    f"partition {self.partition}: {name} must have one entry per replica "
                    f"({len(replicas)}), not {len(dirs)}"
                )
            for value in dirs:
                problem = log_dir_problem(value)
                if problem is not None:
                    raise InvalidInput(f"partition {self.partition}: a log dir {problem}")

    def log_dir(self, broker: int) -> str | None:
        """The directory planned for the replica on ``broker`` (None: the broker's choice)."""
        return _dir_of(broker, self.after, self.log_dirs)

    def log_dir_before(self, broker: int) -> str | None:
        """Where the replica on ``broker`` lives now, when known."""
        return _dir_of(broker, self.before, self.log_dirs_before)

    @property
    def dir_targets(self) -> tuple[tuple[int, str], ...]:
        """``(broker, directory)`` of every replica with a planned directory."""
        if not self.log_dirs:
            return ()
        return tuple(
            (b, d) for b, d in zip(self.after, self.log_dirs, strict=True) if d != ANY_LOG_DIR
        )

    @property
    def intra_broker(self) -> tuple[int, ...]:
        """Brokers that keep their replica but copy it into another of their directories."""
        return tuple(
            b
            for b, target in self.dir_targets
            if b in self.before and (now := self.log_dir_before(b)) is not None and now != target
        )

    @property
    def adding(self) -> tuple[int, ...]:
        """Brokers that must copy the partition: the data this move transfers."""
        return tuple(b for b in self.after if b not in self.before)

    @property
    def removing(self) -> tuple[int, ...]:
        """Brokers that drop their replica once the move completes."""
        return tuple(b for b in self.before if b not in self.after)

    @property
    def replica_moves(self) -> int:
        return len(self.adding)

    @property
    def changes_leader(self) -> bool:
        """Whether the preferred leader (first replica) changes."""
        return self.before[0] != self.after[0]


def _dir_of(broker: int, replicas: tuple[int, ...], dirs: tuple[str, ...]) -> str | None:
    if not dirs or broker not in replicas:
        return None
    chosen = dirs[replicas.index(broker)]
    return None if chosen == ANY_LOG_DIR else chosen


def _current_dirs(tp: TopicPartition, replicas: Sequence[int], log_dirs: LogDirs) -> list[str]:
    """Where each replica of ``tp`` lives now according to ``log_dirs`` ("any" if unreported)."""
    return [log_dirs.dir_of(tp, b) or ANY_LOG_DIR for b in replicas]


def _sorted_moves(moves: Iterable[PartitionMove]) -> tuple[PartitionMove, ...]:
    return tuple(sorted(moves, key=lambda m: (m.partition.topic, m.partition.partition)))


@attrs.frozen
class ReassignmentPlan:
    """The partitions whose replica lists change: what a plan file holds.

    A plan read back from Kafka's JSON is this; a planner returns a :class:`PlannedReassignment`,
    the same moves with the planner's report of its own work, which no file can vouch for.
    """

    moves: tuple[PartitionMove, ...] = attrs.field(converter=_sorted_moves)

    def __attrs_post_init__(self) -> None:
        seen: set[TopicPartition] = set()
        for move in self.moves:
            if move.partition in seen:
                raise InvalidInput(f"partition {move.partition} is moved more than once")
            seen.add(move.partition)

    @classmethod
    def between(cls, current: ClusterAssignment, target: ClusterAssignment) -> ReassignmentPlan:
        """The plan that takes ``current`` to ``target`` (partitions whose list differs)."""
        moves = [
            PartitionMove(tp, current.replicas(tp), replicas)
            for tp, replicas in target.partitions.items()
            if current.replicas(tp) != replicas
        ]
        return ReassignmentPlan(tuple(moves))

    @classmethod
    def from_kafka_json(
        cls,
        text: str,
        current: ClusterAssignment,
        *,
        source: str | None = None,
        log_dirs: LogDirs | None = None,
    ) -> ReassignmentPlan:
        """Read a plan in Kafka's reassignment JSON against the assignment it applies to.

        Its ``log_dirs`` (one per replica, ``"any"`` or an absolute path) are kept; with the
        cluster's ``log_dirs``, each move also knows where its replicas live now.
        """
        targets, dirs = cls.targets_from_kafka_json(text, source=source)
        return cls.from_targets(targets, current, target_dirs=dirs, log_dirs=log_dirs)

    @classmethod
    def targets_from_kafka_json(
        cls, text: str, *, source: str | None = None
    ) -> tuple[ClusterAssignment, FrozenDict[TopicPartition, tuple[str, ...]]]:
        """What a plan file states, read without the cluster: target replicas and log dirs.

        The log dirs map each partition that names at least one directory to its entries,
        aligned with its replicas (see :meth:`target_log_dirs`).
        """
        seen: dict[TopicPartition, tuple[int, ...]] = {}
        dirs: dict[TopicPartition, tuple[str, ...]] = {}
        for tp, replicas, entries in _read_partition_entries(text, source=source, what="a plan"):
            if tp in seen:
                raise MalformedFile(f"partition {tp} is listed more than once", path=source)
            seen[tp] = replicas
            if _dirs(entries):
                dirs[tp] = entries
        return ClusterAssignment(seen), FrozenDict(dirs)

    @classmethod
    def from_targets(
        cls,
        targets: Mapping[TopicPartition, Sequence[int]] | ClusterAssignment,
        current: ClusterAssignment,
        *,
        target_dirs: Mapping[TopicPartition, Sequence[str]] | None = None,
        log_dirs: LogDirs | None = None,
    ) -> ReassignmentPlan:
        """The plan taking each partition of ``targets`` from ``current`` to its target list.

        ``targets`` is what a plan file states (a :class:`ClusterAssignment` read from it, or
        any mapping); ``current`` supplies the replicas before. ``target_dirs`` gives the
        partitions whose replicas have planned directories (aligned with their targets), and
        ``log_dirs`` (what the cluster reports) where the replicas before live now.
        """
        wanted = targets.partitions if isinstance(targets, ClusterAssignment) else targets
        planned_dirs = target_dirs or {}
        for tp in planned_dirs:
            if tp not in wanted:
                raise InvalidInput(f"partition {tp} has log dirs but no target replicas")
        moves = []
        for tp, replicas in wanted.items():
            if tp not in current:
                raise UnknownPartition(str(tp), "the plan moves it but the cluster lacks it")
            before = current.replicas(tp)
            moves.append(
                PartitionMove(
                    tp,
                    before,
                    tuple(replicas),
                    tuple(planned_dirs.get(tp, ())),
                    _current_dirs(tp, before, log_dirs) if log_dirs is not None else (),
                )
            )
        return cls(tuple(moves))

    def targets(self) -> ClusterAssignment:
        """Each moved partition's target replica list (what the plan file states)."""
        return ClusterAssignment({m.partition: m.after for m in self.moves})

    def target_log_dirs(self) -> FrozenDict[TopicPartition, tuple[str, ...]]:
        """The planned directories of each partition that names one, aligned with its targets."""
        return FrozenDict((m.partition, m.log_dirs) for m in self.moves if m.log_dirs)

    def to_kafka_json(self) -> str:
        """The plan as ``kafka-reassign-partitions --execute`` reads it.

        A partition gets ``log_dirs`` only when one of its replicas has a planned directory,
        so a plan without any is written exactly as before log dirs existed.
        """
        partitions = []
        for m in self.moves:
            entry: dict[str, object] = {
                "topic": m.partition.topic,
                "partition": m.partition.partition,
                "replicas": list(m.after),
            }
            if m.log_dirs:
                entry["log_dirs"] = list(m.log_dirs)
            partitions.append(entry)
        return dump_compact({"version": 1, "partitions": partitions})

    def __iter__(self) -> Iterator[PartitionMove]:
        return iter(self.moves)

    def __len__(self) -> int:
        return len(self.moves)

    @property
    def replica_moves(self) -> int:
        return sum(m.replica_moves for m in self.moves)

    @property
    def intra_broker_moves(self) -> int:
        """Replicas copied into another directory of the broker that keeps them."""
        return sum(len(m.intra_broker) for m in self.moves)

    def apply_to(self, current: ClusterAssignment) -> ClusterAssignment:
        """The assignment once every move of this plan has completed."""
        return current.with_replicas({m.partition: m.after for m in self.moves})

    def only(self, partitions: Iterable[TopicPartition]) -> ReassignmentPlan:
        """The part of this plan that touches ``partitions`` (for resuming or staging)."""
        keep = set(partitions)
        return ReassignmentPlan(tuple(m for m in self.moves if m.partition in keep))


@attrs.frozen
class PlannedReassignment(ReassignmentPlan):
    """A plan as a planner returns it: the moves, and the planner's report on them.

    Everything that takes a :class:`ReassignmentPlan` takes this too; the report (moves against
    their lower bound, balance before and after, notes) is always there.
    """

    report: PlanReport = attrs.field(eq=False, repr=False)
