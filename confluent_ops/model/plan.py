"""Reassignment plans: the partitions whose replica lists change, in Kafka's JSON."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import attrs

from confluent_ops.errors import InvalidInput, MalformedFile, UnknownPartition
from confluent_ops.model._json import dump_compact
from confluent_ops.model.assignment import (
    ClusterAssignment,
    TopicPartition,
    _read_partition_entries,
)
from confluent_ops.model.report import PlanReport

__all__ = ["PartitionMove", "PlannedReassignment", "ReassignmentPlan"]


def _int_tuple(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(values)


@attrs.frozen(order=True)
class PartitionMove:
    """One partition's replica list before and after: a data move, a reorder, or both."""

    partition: TopicPartition
    before: tuple[int, ...] = attrs.field(converter=_int_tuple)
    after: tuple[int, ...] = attrs.field(converter=_int_tuple)

    def __attrs_post_init__(self) -> None:
        if not self.after:
            raise InvalidInput(f"partition {self.partition}: a move must leave replicas")
        if len(set(self.after)) != len(self.after):
            raise InvalidInput(f"partition {self.partition}: a broker is listed twice")

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
        cls, text: str, current: ClusterAssignment, *, source: str | None = None
    ) -> ReassignmentPlan:
        """Read a plan in Kafka's reassignment JSON against the assignment it applies to."""
        seen: dict[TopicPartition, tuple[int, ...]] = {}
        for tp, replicas in _read_partition_entries(text, source=source, what="a plan"):
            if tp in seen:
                raise MalformedFile(f"partition {tp} is listed more than once", path=source)
            seen[tp] = replicas
        return cls.from_targets(seen, current)

    @classmethod
    def from_targets(
        cls,
        targets: Mapping[TopicPartition, Sequence[int]] | ClusterAssignment,
        current: ClusterAssignment,
    ) -> ReassignmentPlan:
        """The plan taking each partition of ``targets`` from ``current`` to its target list.

        ``targets`` is what a plan file states (a :class:`ClusterAssignment` read from it, or
        any mapping); ``current`` supplies the replicas before.
        """
        wanted = targets.partitions if isinstance(targets, ClusterAssignment) else targets
        moves = []
        for tp, replicas in wanted.items():
            if tp not in current:
                raise UnknownPartition(str(tp), "the plan moves it but the cluster lacks it")
            moves.append(PartitionMove(tp, current.replicas(tp), tuple(replicas)))
        return cls(tuple(moves))

    def targets(self) -> ClusterAssignment:
        """Each moved partition's target replica list (what the plan file states)."""
        return ClusterAssignment({m.partition: m.after for m in self.moves})

    def to_kafka_json(self) -> str:
        """The plan as ``kafka-reassign-partitions --execute`` reads it."""
        return dump_compact(
            {
                "version": 1,
                "partitions": [
                    {
                        "topic": m.partition.topic,
                        "partition": m.partition.partition,
                        "replicas": list(m.after),
                    }
                    for m in self.moves
                ],
            }
        )

    def __iter__(self) -> Iterator[PartitionMove]:
        return iter(self.moves)

    def __len__(self) -> int:
        return len(self.moves)

    @property
    def replica_moves(self) -> int:
        return sum(m.replica_moves for m in self.moves)

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
