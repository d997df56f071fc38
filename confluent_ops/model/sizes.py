"""Partition sizes, read from what ``kafka-log-dirs --describe`` prints."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import attrs

from confluent_ops.errors import InvalidInput, MalformedFile
from confluent_ops.model._json import load_json_object, require_int, require_list, require_str
from confluent_ops.model.assignment import TopicPartition, _count_partitions

__all__ = ["PartitionSizes"]


def _as_dict(sizes: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
    return dict(sizes)


@attrs.frozen
class PartitionSizes:
    """Bytes per partition: the largest size any of its (non-future) replicas reports.

    The largest replica is the one a reassignment may have to copy in full, so it is the
    honest figure for bytes moved and for disk balance.
    """

    sizes: Mapping[TopicPartition, int] = attrs.field(converter=_as_dict, repr=_count_partitions)

    def __attrs_post_init__(self) -> None:
        for tp, size in self.sizes.items():
            if size < 0:
                raise InvalidInput(f"partition {tp} has a negative size {size}")

    @classmethod
    def from_log_dirs_json(cls, text: str, *, source: str | None = None) -> PartitionSizes:
        """Read ``kafka-log-dirs --describe`` output as users save it.

        The tool prints two lines of text ("Querying brokers...", "Received log directory
        information...") before the JSON; either the whole output or the JSON line alone is
        accepted. Future replicas (``isFuture``: a move between a broker's own disks) are skipped.
        """
        json_line = _json_part(text, source=source)
        document = load_json_object(json_line, source=source, what="kafka-log-dirs output")
        sizes: dict[TopicPartition, int] = {}
        brokers = require_list(document.get("brokers"), source=source, where='"brokers"')
        for b_index, broker in enumerate(brokers):
            if not isinstance(broker, dict):
                raise MalformedFile(f"brokers[{b_index}] must be an object", path=source)
            log_dirs = require_list(
                broker.get("logDirs"), source=source, where=f"brokers[{b_index}].logDirs"
            )
            for d_index, log_dir in enumerate(log_dirs):
                where = f"brokers[{b_index}].logDirs[{d_index}]"
                if not isinstance(log_dir, dict):
                    raise MalformedFile(f"{where} must be an object", path=source)
                entries = log_dir.get("partitions") or []
                for p_index, entry in enumerate(
                    require_list(entries, source=source, where=f"{where}.partitions")
                ):
                    p_where = f"{where}.partitions[{p_index}]"
                    if not isinstance(entry, dict):
                        raise MalformedFile(f"{p_where} must be an object", path=source)
                    if entry.get("isFuture") is True:
                        continue
                    name = require_str(entry.get("partition"), source=source, where=p_where)
                    size = require_int(entry.get("size"), source=source, where=f"{p_where}.size")
                    try:
                        tp = TopicPartition.parse(name)
                    except InvalidInput as exc:
                        raise MalformedFile(f"{p_where}: {exc}", path=source) from exc
                    sizes[tp] = max(size, sizes.get(tp, 0))
        return cls(sizes)

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


def _json_part(text: str, *, source: str | None) -> str:
    stripped = text.strip()
    if stripped.startswith("{"):
        return stripped
    for line in stripped.splitlines():
        if line.lstrip().startswith("{"):
            return line
    raise MalformedFile("no JSON line found in kafka-log-dirs output", path=source)
