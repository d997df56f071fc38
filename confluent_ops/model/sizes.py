"""Partition sizes, read from what ``kafka-log-dirs --describe`` prints."""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping

import attrs

from confluent_ops.errors import InvalidInput
from confluent_ops.model._frozen import FrozenDict, frozen_dict
from confluent_ops.model._json import MAX_SIGNED_64
from confluent_ops.model.assignment import TopicPartition, _count_partitions

__all__ = ["PartitionSizes"]


def _sizes(values: Mapping[TopicPartition, int]) -> FrozenDict[TopicPartition, int]:
    return frozen_dict(values)


@attrs.frozen
class PartitionSizes:
    """Bytes per partition: the largest size any of its (non-future) replicas reports.

    The largest replica is the one a reassignment may have to copy in full, so it is the
    honest figure for bytes moved and for disk balance.
    """

    sizes: Mapping[TopicPartition, int] = attrs.field(converter=_sizes, repr=_count_partitions)

    def __attrs_post_init__(self) -> None:
        for tp, size in self.sizes.items():
            if not 0 <= size <= MAX_SIGNED_64:
                raise InvalidInput(f"partition {tp} has an impossible size {size}")

    @classmethod
    def from_log_dirs_json(cls, text: str, *, source: str | None = None) -> PartitionSizes:
        """Read ``kafka-log-dirs --describe`` output (see :class:`~confluent_ops.model.LogDirs`).

        Future replicas (``isFuture``: a move between a broker's own disks) are skipped.
        """
        from confluent_ops.model.log_dirs import LogDirs  # noqa: PLC0415 - it builds on this

        return LogDirs.from_log_dirs_json(text, source=source).partition_sizes()

    def restricted_to(self, partitions: Container[TopicPartition]) -> tuple[PartitionSizes, int]:
        """The sizes of ``partitions`` only, and how many other entries were left out.

        ``kafka-log-dirs --describe`` reports every topic (internal ones included) while an
        assignment often names a few: sizes of other partitions are simply not needed.
        """
        kept = {tp: size for tp, size in self.sizes.items() if tp in partitions}
        return PartitionSizes(FrozenDict(kept)), len(self.sizes) - len(kept)

    def __iter__(self) -> Iterator[TopicPartition]:
        return iter(self.sizes)

    def __len__(self) -> int:
        return len(self.sizes)

    def __contains__(self, tp: object) -> bool:
        return tp in self.sizes

    def size(self, tp: TopicPartition) -> int:
        """The partition's size, 0 when the log-dirs output did not report it."""
        return self.sizes.get(tp, 0)

    @property
    def total(self) -> int:
        return sum(self.sizes.values())
