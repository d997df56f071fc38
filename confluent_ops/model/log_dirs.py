"""Where each replica's log lives and how big it is: what ``kafka-log-dirs --describe`` prints.

:class:`LogDirs` is the per-replica truth behind partition sizes: the bytes each broker holds
of each partition, in which log directory, and whether it is a *future* replica (a copy moving
between a broker's own disks). The reassignment step reads it to report how many bytes the new
replicas have caught up; ``confluent-ops cluster export`` writes it in Kafka's own JSON, which
``plan --log-dirs`` reads back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from confluent_ops.errors import InvalidInput, MalformedFile
from confluent_ops.model._frozen import FrozenDict
from confluent_ops.model._json import (
    dump_compact,
    load_json_object,
    require_int,
    require_list,
    require_str,
    require_version,
)
from confluent_ops.model.assignment import TopicPartition
from confluent_ops.model.sizes import PartitionSizes

__all__ = ["LogDir", "LogDirs", "ReplicaLog"]


def _non_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise InvalidInput(f"{attribute.name} must be >= 0, got {value}")


@attrs.frozen(order=True)
class ReplicaLog:
    """One replica's log: its partition, broker, log directory, size and lag."""

    partition: TopicPartition
    broker: int = attrs.field(validator=_non_negative)
    log_dir: str
    size: int = attrs.field(validator=_non_negative)
    offset_lag: int = 0
    future: bool = False


@attrs.frozen(order=True)
class LogDir:
    """One log directory of one broker; ``error`` is Kafka's error name when it is offline.

    ``total_bytes`` and ``usable_bytes`` are the volume's capacity and free space, which
    brokers report since Kafka 3.3 (None when unknown, as in ``kafka-log-dirs`` output).
    """

    broker: int = attrs.field(validator=_non_negative)
    path: str
    error: str | None = None
    total_bytes: int | None = None
    usable_bytes: int | None = None

    @property
    def online(self) -> bool:
        """Whether the broker can use it (an offline directory reports an error)."""
        return self.error is None


def _sorted_dirs(dirs: Iterable[LogDir]) -> tuple[LogDir, ...]:
    return tuple(sorted(dirs))


def _sorted_replicas(replicas: Iterable[ReplicaLog]) -> tuple[ReplicaLog, ...]:
    return tuple(sorted(replicas, key=lambda r: (r.broker, r.log_dir, r.partition, r.future)))


@attrs.frozen
class LogDirs:
    """Every log directory and every replica log in it, as the cluster reported them."""

    dirs: tuple[LogDir, ...] = attrs.field(converter=_sorted_dirs)
    replicas: tuple[ReplicaLog, ...] = attrs.field(converter=_sorted_replicas, repr=False)
    _by_replica: FrozenDict[tuple[TopicPartition, int], int] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )
    _where: FrozenDict[tuple[TopicPartition, int, bool], ReplicaLog] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        sizes: dict[tuple[TopicPartition, int], int] = {}
        where: dict[tuple[TopicPartition, int, bool], ReplicaLog] = {}
        for replica in self.replicas:
            where.setdefault((replica.partition, replica.broker, replica.future), replica)
            if not replica.future:
                key = (replica.partition, replica.broker)
                sizes[key] = max(replica.size, sizes.get(key, 0))
        object.__setattr__(self, "_by_replica", FrozenDict(sizes))
        object.__setattr__(self, "_where", FrozenDict(where))

    @classmethod
    def empty(cls) -> LogDirs:
        return cls((), ())

    @classmethod
    def from_log_dirs_json(cls, text: str, *, source: str | None = None) -> LogDirs:
        """Read ``kafka-log-dirs --describe`` output as users save it.

        The tool prints two lines of text ("Querying brokers...", "Received log directory
        information...") before the JSON; either the whole output or the JSON line alone is
        accepted. A log dir may carry ``totalBytes`` and ``usableBytes`` (written by
        :meth:`to_log_dirs_json`; Kafka's tool does not print them): each absent, null or a
        non-negative integer.
        """
        document = load_json_object(
            _json_part(text, source=source), source=source, what="kafka-log-dirs output"
        )
        require_version(document, source=source, what="kafka-log-dirs output")
        dirs: list[LogDir] = []
        replicas: list[ReplicaLog] = []
        brokers = require_list(document.get("brokers"), source=source, where='"brokers"')
        for b_index, entry in enumerate(brokers):
            b_where = f"brokers[{b_index}]"
            if not isinstance(entry, dict):
                raise MalformedFile(f"{b_where} must be an object", path=source)
            broker = require_int(
                entry.get("broker"), source=source, where=f"{b_where}.broker", minimum=0
            )
            log_dirs = require_list(entry.get("logDirs"), source=source, where=f"{b_where}.logDirs")
            for d_index, log_dir in enumerate(log_dirs):
                where = f"{b_where}.logDirs[{d_index}]"
                if not isinstance(log_dir, dict):
                    raise MalformedFile(f"{where} must be an object", path=source)
                path = log_dir.get("logDir")
                path = path if isinstance(path, str) else ""
                error = log_dir.get("error")
                dirs.append(
                    LogDir(
                        broker,
                        path,
                        error if isinstance(error, str) else None,
                        _volume_bytes(log_dir, "totalBytes", source=source, where=where),
                        _volume_bytes(log_dir, "usableBytes", source=source, where=where),
                    )
                )
                entries = log_dir.get("partitions") or []
                for p_index, item in enumerate(
                    require_list(entries, source=source, where=f"{where}.partitions")
                ):
                    p_where = f"{where}.partitions[{p_index}]"
                    if not isinstance(item, dict):
                        raise MalformedFile(f"{p_where} must be an object", path=source)
                    replicas.append(_replica(item, broker, path, source=source, where=p_where))
        return cls(dirs, replicas)

    def to_log_dirs_json(self) -> str:
        """The JSON ``kafka-log-dirs --describe`` prints (its last line), one line.

        A directory whose volume size or free space is known also gets ``totalBytes`` /
        ``usableBytes`` (our extension, which Kafka's tools ignore), so that an exported
        snapshot keeps the capacities a plan reads from it; unknown ones are left out, and a
        file without them is exactly Kafka's.
        """
        brokers = []
        for broker in sorted({d.broker for d in self.dirs} | {r.broker for r in self.replicas}):
            entries = []
            paths = [d for d in self.dirs if d.broker == broker]
            known = {d.path for d in paths}
            paths += [
                LogDir(broker, p)
                for p in sorted({r.log_dir for r in self.replicas if r.broker == broker})
                if p not in known
            ]
            for log_dir in paths:
                entry: dict[str, object] = {
                    "logDir": log_dir.path,
                    "error": log_dir.error,
                    "partitions": [
                        {
                            "partition": str(r.partition),
                            "size": r.size,
                            "offsetLag": r.offset_lag,
                            "isFuture": r.future,
                        }
                        for r in self.replicas
                        if r.broker == broker and r.log_dir == log_dir.path
                    ],
                }
                if log_dir.total_bytes is not None:
                    entry["totalBytes"] = log_dir.total_bytes
                if log_dir.usable_bytes is not None:
                    entry["usableBytes"] = log_dir.usable_bytes
                entries.append(entry)
            brokers.append({"broker": broker, "logDirs": entries})
        return dump_compact({"version": 1, "brokers": brokers})

    def __iter__(self) -> Iterator[ReplicaLog]:
        return iter(self.replicas)

    def __len__(self) -> int:
        return len(self.replicas)

    def size_on(self, partition: TopicPartition, broker: int) -> int | None:
        """Bytes of ``partition`` on ``broker`` (its current, not future, replica), if reported."""
        return self._by_replica.get((partition, broker))

    def replica_log(
        self, partition: TopicPartition, broker: int, *, future: bool = False
    ) -> ReplicaLog | None:
        """The log of ``partition`` on ``broker``: its current one, or with ``future`` the copy
        being made in another directory of that broker (an intra-broker move in flight)."""
        return self._where.get((partition, broker, future))

    def dir_of(self, partition: TopicPartition, broker: int) -> str | None:
        """The directory holding the current (not future) replica, if the broker reported it."""
        log = self.replica_log(partition, broker)
        return log.log_dir if log is not None else None

    def dirs_of(self, broker: int) -> tuple[LogDir, ...]:
        """The log directories ``broker`` reported, online and offline."""
        return tuple(d for d in self.dirs if d.broker == broker)

    def partition_sizes(self) -> PartitionSizes:
        """Bytes per partition: its largest current replica (what a move may have to copy)."""
        sizes: dict[TopicPartition, int] = {}
        for (tp, _), size in self._by_replica.items():
            sizes[tp] = max(size, sizes.get(tp, 0))
        return PartitionSizes(sizes)


def _replica(
    item: dict[str, object], broker: int, log_dir: str, *, source: str | None, where: str
) -> ReplicaLog:
    name = require_str(item.get("partition"), source=source, where=f"{where}.partition")
    size = require_int(item.get("size"), source=source, where=f"{where}.size", minimum=0)
    lag = item.get("offsetLag", 0)
    future = item.get("isFuture", False)
    if not isinstance(future, bool):
        raise MalformedFile(f"{where}.isFuture must be true or false", path=source)
    try:
        tp = TopicPartition.parse(name)
    except InvalidInput as exc:
        raise MalformedFile(f"{where}: {exc}", path=source) from exc
    offset_lag = lag if isinstance(lag, int) and not isinstance(lag, bool) else 0
    return ReplicaLog(tp, broker, log_dir, size, offset_lag, future)


def _volume_bytes(
    log_dir: dict[str, object], key: str, *, source: str | None, where: str
) -> int | None:
    """A log dir's optional ``totalBytes`` / ``usableBytes``: absent or null means unknown."""
    value = log_dir.get(key)
    if value is None:
        return None
    return require_int(value, source=source, where=f"{where}.{key}", minimum=0)


def _json_part(text: str, *, source: str | None) -> str:
    stripped = text.strip()
    if stripped.startswith("{"):
        return stripped
    for line in stripped.splitlines():
        if line.lstrip().startswith("{"):
            return line
    raise MalformedFile("no JSON line found in kafka-log-dirs output", path=source)
