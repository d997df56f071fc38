"""How fast data flows into and out of each partition: the load a plan can balance.

Bytes alone say where the disk goes, not where the network goes. A partition's produce rate
reaches its leader and, again, each follower that fetches it; its consumers' rate leaves its
leader. :class:`PartitionRates` holds both per partition, read from a file an operator writes
or exports (``{"version": 1, "partitions": [{"topic": "t", "partition": 0,
"bytes_in_per_second": 1234.5, "bytes_out_per_second": 2469.0}, ...]}``) or computed from two
readings of a live cluster (:class:`RateSample`, :meth:`PartitionRates.from_samples`), which
an adapter takes a known interval apart.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterator, Mapping

import attrs

from confluent_ops.errors import InvalidInput, MalformedFile
from confluent_ops.model._frozen import FrozenDict
from confluent_ops.model._json import (
    MAX_INT32,
    dump_compact,
    load_json_object,
    require_int,
    require_list,
    require_number,
    require_str,
    require_version,
)
from confluent_ops.model.assignment import TopicPartition, _count_partitions, _partition_key

__all__ = ["PartitionRates", "RateSample"]

_ENTRY_KEYS = ("topic", "partition", "bytes_in_per_second", "bytes_out_per_second")


def _checked_rates(
    values: Mapping[TopicPartition, float], what: str
) -> FrozenDict[TopicPartition, float]:
    """The rates in partition order, each checked to be a finite number >= 0 (made a float)."""
    checked: dict[TopicPartition, float] = {}
    for tp, rate in values.items():
        if not isinstance(tp, TopicPartition):
            raise InvalidInput(f"{what} rates are keyed by TopicPartition, got {tp!r}")
        if isinstance(rate, bool) or not isinstance(rate, int | float):
            raise InvalidInput(f"partition {tp} has a {what} rate that is not a number")
        if not (math.isfinite(rate) and rate >= 0):
            raise InvalidInput(f"partition {tp} has an impossible {what} rate {rate}")
        checked[tp] = float(rate)
    return FrozenDict(sorted(checked.items(), key=_partition_key))


def _bytes_in_rates(values: Mapping[TopicPartition, float]) -> FrozenDict[TopicPartition, float]:
    return _checked_rates(values, "bytes-in")


def _bytes_out_rates(values: Mapping[TopicPartition, float]) -> FrozenDict[TopicPartition, float]:
    return _checked_rates(values, "bytes-out")


@attrs.frozen
class PartitionRates:
    """Bytes per second per partition, in (produced) and out (fetched by consumers).

    ``bytes_in``: what producers write into the partition, which its leader receives and each
    follower fetches again. ``bytes_out``: what consumers fetch from its leader (followers'
    fetches are not in it: they follow from ``bytes_in`` and the replica count); it may be
    empty when consumption is unknown. A partition absent from ``bytes_in`` has an unknown
    rate, which :meth:`bytes_in_of` reads as 0. Every rate is finite and at least 0, and a
    partition with a known ``bytes_out`` has a known ``bytes_in`` (the file cannot say
    otherwise, and the value keeps to what its file can hold).
    """

    bytes_in: Mapping[TopicPartition, float] = attrs.field(
        converter=_bytes_in_rates, repr=_count_partitions
    )
    bytes_out: Mapping[TopicPartition, float] = attrs.field(
        converter=_bytes_out_rates, repr=_count_partitions, factory=FrozenDict
    )

    def __attrs_post_init__(self) -> None:
        for tp in self.bytes_out:
            if tp not in self.bytes_in:
                raise InvalidInput(f"partition {tp} has a bytes-out rate but no bytes-in rate")

    @classmethod
    def from_json(cls, text: str, *, source: str | None = None) -> PartitionRates:
        """Read a rates file (the module's docstring shows it; :meth:`to_json` writes it).

        ``bytes_out_per_second`` may be absent or null (consumption unknown). A partition
        listed twice is refused, and so is a key the format does not have: a misspelt
        ``bytes_out_per_sec`` would otherwise read as "no consumers" without a word. An empty
        list reads as rates of nothing (a sampled cluster without partitions writes one).
        """
        document = load_json_object(text, source=source, what="a rates file")
        require_version(document, source=source, what="rates file")
        for key in document:
            if key not in ("version", "partitions"):
                raise MalformedFile(
                    f"unknown key {key[:40]!r} (a rates file has version and partitions)",
                    path=source,
                )
        entries = require_list(document.get("partitions"), source=source, where='"partitions"')
        bytes_in: dict[TopicPartition, float] = {}
        bytes_out: dict[TopicPartition, float] = {}
        for index, entry in enumerate(entries):
            where = f"partitions[{index}]"
            if not isinstance(entry, dict):
                raise MalformedFile(f"{where} must be an object", path=source)
            for key in entry:
                if key not in _ENTRY_KEYS:
                    raise MalformedFile(
                        f"{where}: unknown key {key[:40]!r} (expected {', '.join(_ENTRY_KEYS)})",
                        path=source,
                    )
            topic = require_str(entry.get("topic"), source=source, where=f"{where}.topic")
            number = require_int(
                entry.get("partition"),
                source=source,
                where=f"{where}.partition",
                minimum=0,
                maximum=MAX_INT32,
            )
            try:
                tp = TopicPartition(topic, number)
            except InvalidInput as exc:
                raise MalformedFile(f"{where}: {exc}", path=source) from exc
            if tp in bytes_in:
                raise MalformedFile(
                    f"{where}: partition {tp} is listed more than once", path=source
                )
            bytes_in[tp] = require_number(
                entry.get("bytes_in_per_second"),
                source=source,
                where=f"{where}.bytes_in_per_second",
            )
            out = entry.get("bytes_out_per_second")
            if out is not None:
                bytes_out[tp] = require_number(
                    out, source=source, where=f"{where}.bytes_out_per_second"
                )
        return cls(bytes_in, bytes_out)

    def to_json(self) -> str:
        """The rates file :meth:`from_json` reads: partitions in order, one line.

        ``bytes_out_per_second`` is written only where consumption is known.
        """
        entries = []
        for tp, rate in self.bytes_in.items():
            entry: dict[str, object] = {
                "topic": tp.topic,
                "partition": tp.partition,
                "bytes_in_per_second": rate,
            }
            if tp in self.bytes_out:
                entry["bytes_out_per_second"] = self.bytes_out[tp]
            entries.append(entry)
        return dump_compact({"version": 1, "partitions": entries})

    @classmethod
    def from_samples(cls, earlier: RateSample, later: RateSample) -> PartitionRates:
        """The rates between two readings of the same cluster, ``later`` taken after ``earlier``.

        Only partitions that both readings hold get rates (one created or deleted in between
        has none). Per partition:

        - **bytes in** is the growth of its leader replica per second, when it grew and its
          log start did not move. Retention (the log start moved) or compaction (it shrank)
          removes bytes while new ones arrive, so then the rate is the end offset's advance
          times the average bytes per message (the leader replica's size over the offsets it
          spans). A partition whose end offset did not move received nothing: 0. When its
          size is unknown and it did receive messages, its rate is unknown (left out).
        - **bytes out** is, summed over every consumer group, the advance of the offset the
          group committed, times the same average bytes per message. Only what groups commit
          is seen: a group that commits nothing (or commits elsewhere), or that committed for
          the first time after ``earlier``, counts 0, and a committed offset that went back
          (a reset) counts 0 too.

        The interval is ``later.at - earlier.at`` (it must be positive). Readings seconds
        apart on a partition written in large batches, or a group that commits every few
        seconds, give figures that jump: sample over longer than the commit interval.
        """
        interval = later.at - earlier.at
        if not interval > 0:
            raise InvalidInput(
                f"the later reading must be taken after the earlier one ({interval:g} s apart)"
            )
        bytes_in: dict[TopicPartition, float] = {}
        bytes_out: dict[TopicPartition, float] = {}
        for tp, end in later.log_end.items():
            if tp not in earlier.log_end:
                continue
            per_message = later.bytes_per_message(tp) or earlier.bytes_per_message(tp)
            produced = max(0, end - earlier.log_end[tp])
            rate_in = _bytes_in(tp, earlier, later, produced, per_message)
            if rate_in is None:
                continue
            bytes_in[tp] = rate_in / interval
            consumed = sum(
                max(0, offsets[tp] - earlier.committed[group][tp])
                for group, offsets in later.committed.items()
                if tp in offsets and tp in earlier.committed.get(group, {})
            )
            if not consumed:
                bytes_out[tp] = 0.0
            elif per_message is not None:
                bytes_out[tp] = consumed * per_message / interval
        return cls(bytes_in, bytes_out)

    def restricted_to(self, partitions: Container[TopicPartition]) -> tuple[PartitionRates, int]:
        """The rates of ``partitions`` only, and how many other partitions were left out.

        A rates file or a sampled cluster covers every topic (internal ones included) while an
        assignment often names a few: rates of other partitions are simply not needed.
        """
        kept = {tp: rate for tp, rate in self.bytes_in.items() if tp in partitions}
        out = {tp: rate for tp, rate in self.bytes_out.items() if tp in kept}
        return PartitionRates(kept, out), len(self.bytes_in) - len(kept)

    def bytes_in_of(self, tp: TopicPartition) -> float:
        """Bytes per second produced into ``tp``, 0.0 when unknown."""
        return self.bytes_in.get(tp, 0.0)

    def bytes_out_of(self, tp: TopicPartition) -> float:
        """Bytes per second consumers fetch from ``tp``'s leader, 0.0 when unknown."""
        return self.bytes_out.get(tp, 0.0)

    @property
    def total_bytes_in(self) -> float:
        return sum(self.bytes_in.values())

    @property
    def total_bytes_out(self) -> float:
        return sum(self.bytes_out.values())

    def __iter__(self) -> Iterator[TopicPartition]:
        return iter(self.bytes_in)

    def __len__(self) -> int:
        return len(self.bytes_in)

    def __contains__(self, tp: object) -> bool:
        return tp in self.bytes_in


def _bytes_in(
    tp: TopicPartition,
    earlier: RateSample,
    later: RateSample,
    produced: int,
    per_message: float | None,
) -> float | None:
    """Bytes written into ``tp`` between the readings (see :meth:`PartitionRates.from_samples`)."""
    if not produced:
        return 0.0
    before, after = earlier.leader_bytes.get(tp), later.leader_bytes.get(tp)
    grown = after - before if before is not None and after is not None else None
    if grown is not None and grown > 0 and earlier.log_start.get(tp) == later.log_start.get(tp):
        return float(grown)
    if per_message is not None:
        return produced * per_message
    if grown is not None and grown > 0:
        return float(grown)
    return None


def _checked_offsets(
    values: Mapping[TopicPartition, int], what: str
) -> FrozenDict[TopicPartition, int]:
    """Offsets or sizes by partition, each checked to be an integer >= 0."""
    for tp, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(f"partition {tp} has an impossible {what} {value!r}")
    return FrozenDict(values)


def _end_offsets(values: Mapping[TopicPartition, int]) -> FrozenDict[TopicPartition, int]:
    return _checked_offsets(values, "end offset")


def _start_offsets(values: Mapping[TopicPartition, int]) -> FrozenDict[TopicPartition, int]:
    return _checked_offsets(values, "start offset")


def _leader_sizes(values: Mapping[TopicPartition, int]) -> FrozenDict[TopicPartition, int]:
    return _checked_offsets(values, "leader replica size")


def _committed(
    groups: Mapping[str, Mapping[TopicPartition, int]],
) -> FrozenDict[str, FrozenDict[TopicPartition, int]]:
    return FrozenDict(
        (group, _checked_offsets(offsets, f"committed offset (group {group!r})"))
        for group, offsets in groups.items()
    )


def _finite(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not math.isfinite(value):
        raise InvalidInput(f"{attribute.name} must be a finite time, got {value}")


@attrs.frozen
class RateSample:
    """One reading of a cluster that rates are computed from: two of them make rates.

    ``at``: when it was read, in seconds on a monotonic clock (only differences count).
    ``log_end`` and ``log_start``: each partition's end offset (the high watermark) and
    earliest offset. ``leader_bytes``: the size of each partition's leader replica, where its
    broker reported one. ``committed``: per consumer group, the offset it committed per
    partition (partitions it never committed are absent).
    """

    at: float = attrs.field(validator=_finite)
    log_end: Mapping[TopicPartition, int] = attrs.field(
        converter=_end_offsets, repr=_count_partitions
    )
    log_start: Mapping[TopicPartition, int] = attrs.field(
        converter=_start_offsets, repr=_count_partitions
    )
    leader_bytes: Mapping[TopicPartition, int] = attrs.field(
        converter=_leader_sizes, repr=_count_partitions
    )
    committed: Mapping[str, Mapping[TopicPartition, int]] = attrs.field(
        converter=_committed, factory=FrozenDict, repr=lambda groups: f"<{len(groups)} groups>"
    )

    def bytes_per_message(self, tp: TopicPartition) -> float | None:
        """The leader replica's average bytes per offset, None when unknown or empty.

        Offsets a compacted log no longer holds still count, so on compacted topics this
        understates the size of the messages left.
        """
        size, start, end = self.leader_bytes.get(tp), self.log_start.get(tp), self.log_end.get(tp)
        if size is None or start is None or end is None or end <= start or not size:
            return None
        return size / (end - start)
