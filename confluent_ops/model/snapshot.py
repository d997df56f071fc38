"""What a cluster looks like at one moment: the value every health check and step starts from.

A :class:`ClusterSnapshot` is read in one call through a port (``KafkaAdmin.snapshot()``) and is
plain data afterwards: brokers with racks, the controller, the KRaft quorum, every partition's
replicas / ISR / leader with its in-flight reassignment, the topic configs that decide safety,
partition sizes, the replication throttles in force and the finalized features. Health checks
and planners are pure functions of it, so they are tested with hand-built snapshots.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping

import attrs

from confluent_ops.errors import InvalidInput
from confluent_ops.model._frozen import FrozenDict, frozen_dict
from confluent_ops.model.assignment import ClusterAssignment, TopicPartition, _count_partitions
from confluent_ops.model.broker import Broker, BrokerSet
from confluent_ops.model.log_dirs import LogDirs
from confluent_ops.model.sizes import PartitionSizes

__all__ = [
    "ALTER_LOG_DIRS_RATE",
    "LEADER_THROTTLED_RATE",
    "FOLLOWER_THROTTLED_RATE",
    "LEADER_THROTTLED_REPLICAS",
    "FOLLOWER_THROTTLED_REPLICAS",
    "BrokerState",
    "BrokerThrottles",
    "ClusterMode",
    "ClusterSnapshot",
    "ConfigChange",
    "ConfigSetting",
    "ConfigSource",
    "PartitionState",
    "QuorumState",
    "QuorumVoter",
    "TopicState",
]

LEADER_THROTTLED_RATE = "leader.replication.throttled.rate"
FOLLOWER_THROTTLED_RATE = "follower.replication.throttled.rate"
LEADER_THROTTLED_REPLICAS = "leader.replication.throttled.replicas"
FOLLOWER_THROTTLED_REPLICAS = "follower.replication.throttled.replicas"
ALTER_LOG_DIRS_RATE = "replica.alter.log.dirs.io.max.bytes.per.second"
"""The broker's limit on copies between its own log directories (intra-broker moves)."""


class ClusterMode(enum.Enum):
    """Where the cluster keeps its metadata."""

    KRAFT = "kraft"
    ZOOKEEPER = "zookeeper"


class ConfigSource(enum.Enum):
    """Where a config value comes from, in Kafka's ``DescribeConfigs`` terms.

    The source matters for restoring: only dynamic values can be set back through the admin
    API; a static value (``server.properties``) is what remains when a dynamic one is deleted.
    """

    DYNAMIC_TOPIC_CONFIG = "DYNAMIC_TOPIC_CONFIG"
    DYNAMIC_BROKER_CONFIG = "DYNAMIC_BROKER_CONFIG"
    DYNAMIC_DEFAULT_BROKER_CONFIG = "DYNAMIC_DEFAULT_BROKER_CONFIG"
    STATIC_BROKER_CONFIG = "STATIC_BROKER_CONFIG"
    DEFAULT_CONFIG = "DEFAULT_CONFIG"
    DYNAMIC_BROKER_LOGGER_CONFIG = "DYNAMIC_BROKER_LOGGER_CONFIG"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, text: str) -> ConfigSource:
        """Read a source name as either client prints it (unknown names map to UNKNOWN)."""
        name = text.rsplit(".", 1)[-1].upper()
        try:
            return cls(name)
        except ValueError:
            return cls.UNKNOWN


@attrs.frozen
class ConfigSetting:
    """One config value with its source."""

    name: str
    value: str
    source: ConfigSource


def _str_dict(values: Mapping[str, str]) -> FrozenDict[str, str]:
    return frozen_dict(values)


def _names(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _ids(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(values)


@attrs.frozen
class ConfigChange:
    """Incremental config changes for one resource: keys to set and keys to delete.

    Deleting a dynamic key lets the next layer (the cluster default, then ``server.properties``,
    then Kafka's default) show through; it never touches static configs.
    """

    set: Mapping[str, str] = attrs.field(factory=FrozenDict, converter=_str_dict)
    delete: frozenset[str] = attrs.field(factory=frozenset, converter=_names)

    def __attrs_post_init__(self) -> None:
        both = sorted(set(self.set) & self.delete)
        if both:
            raise InvalidInput(f"config keys both set and deleted: {both}")

    def __bool__(self) -> bool:
        return bool(self.set or self.delete)


@attrs.frozen(order=True)
class BrokerState:
    """A live broker as the cluster reports it: id, rack and its client endpoint."""

    id: int
    rack: str | None = None
    host: str = ""
    port: int = 0


@attrs.frozen
class PartitionState:
    """One partition: assigned replicas, ISR, leader, and its reassignment if one is in flight.

    ``replicas`` is what the cluster reports now (during a reassignment it holds the adding
    replicas too); ``adding`` and ``removing`` are empty when no reassignment is in flight.
    ``leader`` is None when the partition has no leader (it is offline). ``offline_replicas``
    are the replicas on brokers that are not live (stopped, crashed, fenced), as Kafka's own
    metadata calls them.
    """

    partition: TopicPartition
    replicas: tuple[int, ...] = attrs.field(converter=_ids)
    isr: tuple[int, ...] = attrs.field(converter=_ids)
    leader: int | None
    adding: tuple[int, ...] = attrs.field(default=(), converter=_ids)
    removing: tuple[int, ...] = attrs.field(default=(), converter=_ids)
    offline_replicas: tuple[int, ...] = attrs.field(default=(), converter=_ids)

    def __attrs_post_init__(self) -> None:
        if not self.replicas:
            raise InvalidInput(f"partition {self.partition} has no replicas")
        for broker in (*self.adding, *self.removing, *self.offline_replicas):
            if broker not in self.replicas:
                raise InvalidInput(
                    f"partition {self.partition}: reassigning broker {broker} is not a replica"
                )

    @property
    def offline(self) -> bool:
        return self.leader is None

    @property
    def reassigning(self) -> bool:
        return bool(self.adding or self.removing)

    @property
    def target_replicas(self) -> tuple[int, ...]:
        """The replicas once the in-flight reassignment (if any) completes."""
        return tuple(b for b in self.replicas if b not in self.removing)

    @property
    def original_replicas(self) -> tuple[int, ...]:
        """The replicas before the in-flight reassignment started (the replication factor's)."""
        return tuple(b for b in self.replicas if b not in self.adding)

    @property
    def effective_isr(self) -> tuple[int, ...]:
        """The ISR that remains once the in-flight reassignment drops its removing replicas."""
        return tuple(b for b in self.isr if b not in self.removing)


@attrs.frozen
class TopicState:
    """A topic's safety-relevant configs and its throttled-replica lists.

    ``leader_throttled_replicas`` / ``follower_throttled_replicas`` are the raw config values
    (``""`` when unset, ``"*"`` for every replica, otherwise ``partition:broker`` lists).
    """

    name: str
    min_insync_replicas: int = 1
    unclean_leader_election: bool = False
    leader_throttled_replicas: str = ""
    follower_throttled_replicas: str = ""
    internal: bool = False


@attrs.frozen
class BrokerThrottles:
    """The replication throttle rates in force on one broker, with their sources.

    Each is the effective value (dynamic per broker over dynamic cluster default over static
    ``server.properties``) and the layer it comes from; None when no layer sets it.
    """

    broker: int
    leader_rate: ConfigSetting | None = None
    follower_rate: ConfigSetting | None = None


@attrs.frozen(order=True)
class QuorumVoter:
    """A KRaft voter (or observer) with how far its metadata log has come."""

    id: int
    log_end_offset: int
    last_caught_up_ms: int | None = None
    last_fetch_ms: int | None = None


def _voters(values: Iterable[QuorumVoter]) -> tuple[QuorumVoter, ...]:
    return tuple(sorted(values))


@attrs.frozen
class QuorumState:
    """The KRaft metadata quorum: its leader (the active controller), voters and observers."""

    leader: int
    leader_epoch: int
    high_watermark: int
    voters: tuple[QuorumVoter, ...] = attrs.field(converter=_voters)
    observers: tuple[QuorumVoter, ...] = attrs.field(default=(), converter=_voters)

    @property
    def voter_ids(self) -> tuple[int, ...]:
        return tuple(v.id for v in self.voters)

    def lag_of(self, voter: int) -> int:
        """How many metadata records ``voter`` is behind the high watermark (0 when ahead)."""
        for v in (*self.voters, *self.observers):
            if v.id == voter:
                return max(0, self.high_watermark - v.log_end_offset)
        raise InvalidInput(f"node {voter} is not in the metadata quorum")


def _partitions(values: Iterable[PartitionState]) -> FrozenDict[TopicPartition, PartitionState]:
    if isinstance(values, FrozenDict):
        return values
    if isinstance(values, Mapping):
        values = values.values()
    ordered = sorted(values, key=lambda p: (p.partition.topic, p.partition.partition))
    return FrozenDict((p.partition, p) for p in ordered)


def _topics(values: Iterable[TopicState]) -> FrozenDict[str, TopicState]:
    if isinstance(values, FrozenDict):
        return values
    if isinstance(values, Mapping):
        values = values.values()
    return FrozenDict((t.name, t) for t in sorted(values, key=lambda t: t.name))


def _brokers(values: Iterable[BrokerState]) -> tuple[BrokerState, ...]:
    return tuple(sorted(values))


def _throttles(values: Iterable[BrokerThrottles]) -> FrozenDict[int, BrokerThrottles]:
    if isinstance(values, FrozenDict):
        return values
    if isinstance(values, Mapping):
        values = values.values()
    return FrozenDict((t.broker, t) for t in sorted(values, key=lambda t: t.broker))


def _features(values: Mapping[str, int]) -> FrozenDict[str, int]:
    return FrozenDict(sorted(values.items()))


def _ranges(values: Mapping[str, tuple[int, int]]) -> FrozenDict[str, tuple[int, int]]:
    return FrozenDict(sorted((name, (int(lo), int(hi))) for name, (lo, hi) in values.items()))


def _sizes(value: PartitionSizes | Mapping[TopicPartition, int] | None) -> PartitionSizes:
    if isinstance(value, PartitionSizes):
        return value
    return PartitionSizes(dict(value or {}))


@attrs.frozen
class ClusterSnapshot:
    """A whole cluster at one moment, as plain values (see the module docstring).

    ``controller`` is the active controller: the quorum leader in KRaft mode, the ZooKeeper
    controller broker otherwise (None when there is none). ``partitions`` and ``topics`` are
    immutable keyed mappings; ``throttles`` has one entry per live broker; ``features`` maps
    each finalized feature (``metadata.version`` among them) to its level. ``log_dirs`` holds
    every replica's size per broker and log directory (empty when sizes were not read), and
    ``sizes`` the largest replica of each partition. ``supported_features`` maps each feature to
    the range of levels the answering broker supports (after an upgrade, the levels a bump may go
    to). The value is hashable and never changes.
    """

    cluster_id: str
    mode: ClusterMode
    brokers: tuple[BrokerState, ...] = attrs.field(converter=_brokers)
    controller: int | None
    partitions: Mapping[TopicPartition, PartitionState] = attrs.field(
        converter=_partitions, repr=_count_partitions
    )
    topics: Mapping[str, TopicState] = attrs.field(converter=_topics, repr=False)
    quorum: QuorumState | None = None
    sizes: PartitionSizes = attrs.field(
        factory=lambda: PartitionSizes({}), converter=_sizes, repr=False
    )
    throttles: Mapping[int, BrokerThrottles] = attrs.field(
        factory=FrozenDict, converter=_throttles, repr=False
    )
    features: Mapping[str, int] = attrs.field(factory=FrozenDict, converter=_features)
    log_dirs: LogDirs = attrs.field(factory=LogDirs.empty, repr=False)
    supported_features: Mapping[str, tuple[int, int]] = attrs.field(
        factory=FrozenDict, converter=_ranges, repr=False
    )

    def __attrs_post_init__(self) -> None:
        for tp in self.partitions:
            if tp.topic not in self.topics:
                raise InvalidInput(f"partition {tp} belongs to topic {tp.topic}, not described")

    @classmethod
    def of(
        cls,
        *,
        brokers: Iterable[int | BrokerState],
        partitions: Iterable[PartitionState],
        topics: Iterable[TopicState] = (),
        controller: int | None = None,
        mode: ClusterMode = ClusterMode.KRAFT,
        quorum: QuorumState | None = None,
        cluster_id: str = "test-cluster",
        **extra: object,
    ) -> ClusterSnapshot:
        """A snapshot from parts, filling in a default topic state for topics not given.

        The constructor of tests and simulations: brokers may be bare ids, and every topic
        that has partitions but no :class:`TopicState` gets Kafka's defaults.
        """
        parts = list(partitions)
        given = {t.name: t for t in topics}
        for p in parts:
            given.setdefault(p.partition.topic, TopicState(p.partition.topic))
        states = [b if isinstance(b, BrokerState) else BrokerState(b) for b in brokers]
        return cls(
            cluster_id=cluster_id,
            mode=mode,
            brokers=states,
            controller=controller,
            partitions=parts,
            topics=given.values(),
            quorum=quorum,
            **extra,  # type: ignore[arg-type]
        )

    def __iter__(self) -> Iterator[PartitionState]:
        return iter(self.partitions.values())

    @property
    def broker_ids(self) -> tuple[int, ...]:
        return tuple(b.id for b in self.brokers)

    @property
    def metadata_version(self) -> int | None:
        """The finalized ``metadata.version`` feature level (None in ZooKeeper mode)."""
        return self.features.get("metadata.version")

    def topic(self, name: str) -> TopicState:
        try:
            return self.topics[name]
        except KeyError:
            raise InvalidInput(f"unknown topic {name!r}") from None

    def partition(self, tp: TopicPartition) -> PartitionState:
        try:
            return self.partitions[tp]
        except KeyError:
            raise InvalidInput(f"unknown partition {tp}") from None

    def partitions_on(self, broker: int) -> tuple[PartitionState, ...]:
        """Partitions with a replica on ``broker`` (adding replicas included)."""
        return tuple(p for p in self.partitions.values() if broker in p.replicas)

    @property
    def reassignments(self) -> tuple[PartitionState, ...]:
        """Partitions with a reassignment in flight."""
        return tuple(p for p in self.partitions.values() if p.reassigning)

    def assignment(self) -> ClusterAssignment:
        """The replica assignment once in-flight reassignments complete, for the planners."""
        return ClusterAssignment({tp: p.target_replicas for tp, p in self.partitions.items()})

    def broker_set(self) -> BrokerSet:
        """The live brokers as the planners' :class:`BrokerSet` (racks all set or all unset).

        A cluster where only some brokers have a rack is refused here, as the planners refuse it.
        """
        return BrokerSet(tuple(Broker(b.id, b.rack) for b in self.brokers))
