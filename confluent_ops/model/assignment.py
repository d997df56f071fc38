"""Topic-partitions and a cluster's replica assignment, in Kafka's reassignment JSON."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import PurePosixPath, PureWindowsPath

import attrs

from confluent_ops.errors import DuplicateReplica, InvalidInput, MalformedFile, UnknownBroker
from confluent_ops.model._frozen import FrozenDict
from confluent_ops.model._json import (
    MAX_INT32,
    dump_compact,
    load_json_object,
    require_int,
    require_list,
    require_str,
    require_version,
)
from confluent_ops.model.broker import BrokerSet

__all__ = ["ClusterAssignment", "TopicPartition"]

_LEGAL_TOPIC = re.compile(r"[a-zA-Z0-9._-]{1,249}")

ANY_LOG_DIR = "any"
"""Kafka's ``log_dirs`` entry for "wherever the broker chooses" (``kafka-reassign-partitions``)."""


def log_dir_problem(value: object) -> str | None:
    """Why ``value`` cannot be a ``log_dirs`` entry, or None: ``any`` or an absolute path.

    A broker matches the path against its own ``log.dirs`` as absolute paths (POSIX, or a
    Windows drive path on Windows brokers), so a relative one could never match.
    """
    if not isinstance(value, str) or not value:
        return "must be a non-empty string"
    if value == ANY_LOG_DIR:
        return None
    if "\x00" in value:
        return "must not contain a NUL character"
    if not (PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute()):
        return f'must be "{ANY_LOG_DIR}" or an absolute path, got {value[:80]!r}'
    return None


def _legal_topic(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not _LEGAL_TOPIC.fullmatch(value) or value in {".", ".."}:
        raise InvalidInput(
            f"illegal topic name {value!r} (Kafka allows [a-zA-Z0-9._-], 1-249 chars)"
        )


def _partition_number(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 0 <= value <= MAX_INT32:
        raise InvalidInput(f"partition number must be in 0..{MAX_INT32}, got {value}")


@attrs.frozen(order=True, cache_hash=True)
class TopicPartition:
    """One partition of one topic. ``str()`` gives Kafka's ``topic-N`` spelling."""

    topic: str = attrs.field(validator=_legal_topic)
    partition: int = attrs.field(validator=_partition_number)

    @classmethod
    def parse(cls, name: str) -> TopicPartition:
        """Read ``topic-N`` as Kafka prints it; topics may contain ``-``, so split on the last."""
        topic, dash, number = name.rpartition("-")
        if not dash or not topic or not number.isdigit():
            raise InvalidInput(f"not a topic-partition name: {name!r}")
        return cls(topic, int(number))

    def __str__(self) -> str:
        return f"{self.topic}-{self.partition}"


def _partition_key(item: tuple[TopicPartition, object]) -> tuple[str, int]:
    """Sort by (topic, partition) without attrs' generic (and slow) comparison methods."""
    return item[0].topic, item[0].partition


def _sorted_partitions(
    partitions: Mapping[TopicPartition, tuple[int, ...]],
) -> FrozenDict[TopicPartition, tuple[int, ...]]:
    return FrozenDict(sorted(partitions.items(), key=_partition_key))


def _count_partitions(partitions: Mapping[TopicPartition, object]) -> str:
    return f"<{len(partitions)} partitions>"


def _check_replicas(partitions: Mapping[TopicPartition, tuple[int, ...]]) -> None:
    for tp, replicas in partitions.items():
        if not replicas:
            raise InvalidInput(f"partition {tp} has no replicas")
        if len(set(replicas)) != len(replicas):
            duplicate = next(b for b, n in Counter(replicas).items() if n > 1)
            raise DuplicateReplica(str(tp), duplicate)


@attrs.frozen
class ClusterAssignment:
    """Every partition's replica list; the first replica is the preferred leader.

    The mapping is immutable (``with_replicas`` makes a new value). Validated at construction:
    every partition has replicas and no broker twice.
    """

    partitions: Mapping[TopicPartition, tuple[int, ...]] = attrs.field(
        converter=_sorted_partitions, repr=_count_partitions
    )

    def __attrs_post_init__(self) -> None:
        _check_replicas(self.partitions)

    @classmethod
    def from_kafka_json(cls, text: str, *, source: str | None = None) -> ClusterAssignment:
        """Read Kafka's reassignment JSON (as ``kafka-reassign-partitions`` reads and writes it).

        A partition listed twice is refused, as Kafka's own tool refuses it.
        """
        entries = _read_partition_entries(text, source=source, what="an assignment")
        partitions: dict[TopicPartition, tuple[int, ...]] = {}
        for tp, replicas, _ in entries:
            if tp in partitions:
                raise MalformedFile(f"partition {tp} is listed more than once", path=source)
            partitions[tp] = replicas
        return cls(partitions)

    def to_kafka_json(self) -> str:
        """Kafka's reassignment JSON holding every partition of this assignment."""
        return dump_compact(
            {
                "version": 1,
                "partitions": [
                    {"topic": tp.topic, "partition": tp.partition, "replicas": list(replicas)}
                    for tp, replicas in self.partitions.items()
                ],
            }
        )

    def __iter__(self) -> Iterator[TopicPartition]:
        return iter(self.partitions)

    def __len__(self) -> int:
        return len(self.partitions)

    def __contains__(self, tp: object) -> bool:
        return tp in self.partitions

    def replicas(self, tp: TopicPartition) -> tuple[int, ...]:
        return self.partitions[tp]

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted({tp.topic for tp in self.partitions}))

    @property
    def broker_ids(self) -> frozenset[int]:
        """Every broker that holds at least one replica."""
        return frozenset(b for replicas in self.partitions.values() for b in replicas)

    @property
    def total_replicas(self) -> int:
        return sum(len(r) for r in self.partitions.values())

    def replica_counts(self) -> Counter[int]:
        return Counter(b for replicas in self.partitions.values() for b in replicas)

    def leader_counts(self) -> Counter[int]:
        """Preferred leaders per broker (the first replica of each partition)."""
        return Counter(replicas[0] for replicas in self.partitions.values())

    def with_replicas(self, changes: Mapping[TopicPartition, Iterable[int]]) -> ClusterAssignment:
        """A new assignment with ``changes`` applied (each names an existing partition)."""
        merged = dict(self.partitions)
        for tp, replicas in changes.items():
            if tp not in merged:
                raise InvalidInput(f"partition {tp} is not in the assignment")
            merged[tp] = tuple(replicas)
        return ClusterAssignment(merged)

    def check_brokers(self, brokers: BrokerSet) -> None:
        """Refuse an assignment that places a replica on a broker the brokers file lacks."""
        for tp, replicas in self.partitions.items():
            for broker_id in replicas:
                if broker_id not in brokers:
                    raise UnknownBroker(broker_id, f"partition {tp} has a replica there")


def _read_partition_entries(
    text: str, *, source: str | None, what: str
) -> list[tuple[TopicPartition, tuple[int, ...], tuple[str, ...]]]:
    """Each partition's replicas and ``log_dirs`` (empty when absent: every entry "any")."""
    document = load_json_object(text, source=source, what=what)
    require_version(document, source=source, what="reassignment JSON")
    raw = require_list(document.get("partitions"), source=source, where='"partitions"')
    entries = []
    for index, entry in enumerate(raw):
        where = f"partitions[{index}]"
        if not isinstance(entry, dict):
            raise MalformedFile(f"{where} must be an object", path=source)
        topic = require_str(entry.get("topic"), source=source, where=f"{where}.topic")
        number = require_int(
            entry.get("partition"),
            source=source,
            where=f"{where}.partition",
            minimum=0,
            maximum=MAX_INT32,
        )
        replicas = require_list(entry.get("replicas"), source=source, where=f"{where}.replicas")
        ids = tuple(
            require_int(
                r, source=source, where=f"{where}.replicas[{i}]", minimum=0, maximum=MAX_INT32
            )
            for i, r in enumerate(replicas)
        )
        dirs: tuple[str, ...] = ()
        if "log_dirs" in entry:
            listed = require_list(entry["log_dirs"], source=source, where=f"{where}.log_dirs")
            if len(listed) != len(ids):
                raise MalformedFile(
                    f"{where}.log_dirs must have one entry per replica", path=source
                )
            for i, value in enumerate(listed):
                problem = log_dir_problem(value)
                if problem is not None:
                    raise MalformedFile(f"{where}.log_dirs[{i}] {problem}", path=source)
            dirs = tuple(listed)
        try:
            tp = TopicPartition(topic, number)
        except InvalidInput as exc:
            raise MalformedFile(f"{where}: {exc}", path=source) from exc
        entries.append((tp, ids, dirs))
    return entries
