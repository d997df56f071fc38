"""Which replication throttles a reassignment owns, and what to restore when it ends.

Kafka's ``kafka-reassign-partitions --verify`` clears every throttle once the moves complete,
including rates an operator had set on purpose and throttled-replica entries another
reassignment still needs. Here ``execute`` first records the values in force (dynamic per
broker, with the cluster default and the static ``server.properties`` value beside them for the
report, and each topic's throttled-replica lists), then sets only what it needs; ``verify`` and
``cancel`` put back exactly what was recorded and remove only the entries ``execute`` added.
A plan that places replicas in log directories (JBOD) owns the intra-broker copy throttle
(``replica.alter.log.dirs.io.max.bytes.per.second``) the same way, on the brokers it places
replicas on.

Everything here is pure: the record is a value with a JSON form the step stores where the next
run finds it; the changes are :class:`~confluent_ops.model.ConfigChange` values an adapter
applies.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import attrs

from confluent_ops.errors import MalformedFile
from confluent_ops.model import (
    ALTER_LOG_DIRS_RATE,
    FOLLOWER_THROTTLED_RATE,
    FOLLOWER_THROTTLED_REPLICAS,
    LEADER_THROTTLED_RATE,
    LEADER_THROTTLED_REPLICAS,
    BrokerThrottles,
    ConfigChange,
    ConfigSetting,
    ConfigSource,
    FrozenDict,
    ReassignmentPlan,
    frozen_dict,
)
from confluent_ops.planners.execution import throttled_replicas

__all__ = [
    "DIR_RATE_NAMES",
    "RATE_NAMES",
    "REPLICA_LIST_NAMES",
    "ThrottleChanges",
    "ThrottleRecord",
    "brokers_touched",
    "dir_throttle_changes",
    "in_flight_changes",
    "merge_replica_lists",
    "restore_changes",
    "subtract_replica_lists",
]

RATE_NAMES = (LEADER_THROTTLED_RATE, FOLLOWER_THROTTLED_RATE)
REPLICA_LIST_NAMES = (LEADER_THROTTLED_REPLICAS, FOLLOWER_THROTTLED_REPLICAS)
DIR_RATE_NAMES = (ALTER_LOG_DIRS_RATE,)


def _broker_values(
    values: Mapping[int, Mapping[str, str | None]],
) -> FrozenDict[int, FrozenDict[str, str | None]]:
    return FrozenDict((key, frozen_dict(inner)) for key, inner in values.items())


def _topic_values(
    values: Mapping[str, Mapping[str, str | None]],
) -> FrozenDict[str, FrozenDict[str, str | None]]:
    return FrozenDict((key, frozen_dict(inner)) for key, inner in values.items())


def _layers(
    values: Mapping[int, Mapping[str, Sequence[ConfigSetting]]],
) -> FrozenDict[int, FrozenDict[str, tuple[ConfigSetting, ...]]]:
    return FrozenDict(
        (key, FrozenDict((n, tuple(s)) for n, s in inner.items())) for key, inner in values.items()
    )


def _dir_values(values: Mapping[int, str | None]) -> FrozenDict[int, str | None]:
    return FrozenDict(sorted(values.items()))


def _broker_changes(values: Mapping[int, ConfigChange]) -> FrozenDict[int, ConfigChange]:
    return FrozenDict((key, value) for key, value in values.items() if value)


def _topic_changes(values: Mapping[str, ConfigChange]) -> FrozenDict[str, ConfigChange]:
    return FrozenDict((key, value) for key, value in values.items() if value)


@attrs.frozen
class ThrottleRecord:
    """The throttle values in force before ``reassign execute`` changed anything.

    ``brokers`` maps each touched broker to its dynamic per-broker rates (None: not set at that
    layer, so restoring deletes it). ``layers`` keeps every layer that set a rate (dynamic per
    broker, dynamic cluster default, static) for the report: the per-broker layer is the only
    one ``execute`` changes, so it is the only one restored. ``topics`` maps each touched topic
    to its dynamic throttled-replica lists (None: not set). ``rate`` is what ``execute`` set.
    ``dir_brokers`` maps each broker the plan places replicas on in named log directories to
    its dynamic per-broker intra-broker copy throttle (``replica.alter.log.dirs.io.max.bytes.
    per.second``; None: not set); ``dir_rate`` is what ``execute`` set there.
    """

    brokers: Mapping[int, Mapping[str, str | None]] = attrs.field(converter=_broker_values)
    topics: Mapping[str, Mapping[str, str | None]] = attrs.field(converter=_topic_values)
    rate: int | None
    layers: Mapping[int, Mapping[str, tuple[ConfigSetting, ...]]] = attrs.field(
        factory=FrozenDict, converter=_layers
    )
    dir_brokers: Mapping[int, str | None] = attrs.field(factory=FrozenDict, converter=_dir_values)
    dir_rate: int | None = None

    @classmethod
    def observe(
        cls,
        broker_layers: Mapping[int, Mapping[str, Sequence[ConfigSetting]]],
        topic_values: Mapping[str, Mapping[str, ConfigSetting | None]],
        *,
        rate: int | None,
        dir_brokers: Iterable[int] = (),
        dir_rate: int | None = None,
    ) -> ThrottleRecord:
        """The record of what ``KafkaAdmin.broker_configs`` and ``topic_configs`` reported.

        ``dir_brokers`` are the brokers whose :data:`DIR_RATE_NAMES` were asked for too.
        """
        brokers: dict[int, dict[str, str | None]] = {}
        for broker, names in broker_layers.items():
            brokers[broker] = {
                name: next(
                    (
                        s.value
                        for s in names.get(name, ())
                        if s.source is ConfigSource.DYNAMIC_BROKER_CONFIG
                    ),
                    None,
                )
                for name in RATE_NAMES
            }
        topics = {
            topic: {
                name: (
                    setting.value
                    if (setting := values.get(name)) is not None
                    and setting.source is ConfigSource.DYNAMIC_TOPIC_CONFIG
                    else None
                )
                for name in REPLICA_LIST_NAMES
            }
            for topic, values in topic_values.items()
        }
        chosen = set(dir_brokers)
        layers = {
            broker: {
                name: tuple(names.get(name, ()))
                for name in (*RATE_NAMES, *(DIR_RATE_NAMES if broker in chosen else ()))
            }
            for broker, names in broker_layers.items()
        }
        dirs = {
            broker: next(
                (
                    s.value
                    for s in broker_layers.get(broker, {}).get(ALTER_LOG_DIRS_RATE, ())
                    if s.source is ConfigSource.DYNAMIC_BROKER_CONFIG
                ),
                None,
            )
            for broker in sorted(chosen)
        }
        return cls(brokers, topics, rate, layers, dirs, dir_rate)

    def to_json(self) -> dict[str, object]:
        """A JSON-ready form, stored by the reassignment step beside its plan."""
        return {
            "rate": self.rate,
            "brokers": {str(b): dict(v) for b, v in self.brokers.items()},
            "topics": {t: dict(v) for t, v in self.topics.items()},
            "layers": {
                str(b): {
                    name: [{"value": s.value, "source": s.source.value} for s in settings]
                    for name, settings in names.items()
                }
                for b, names in self.layers.items()
            },
            "dir_rate": self.dir_rate,
            "dir_brokers": {str(b): v for b, v in self.dir_brokers.items()},
        }

    @classmethod
    def from_json(cls, document: object, *, source: str | None = None) -> ThrottleRecord:
        """Read :meth:`to_json`'s form back; anything else is a :class:`MalformedFile`."""
        try:
            if not isinstance(document, dict):
                raise TypeError("not an object")
            rate = document["rate"]
            if rate is not None and not isinstance(rate, int):
                raise TypeError("rate")
            brokers = {
                int(b): {n: _opt_str(v) for n, v in dict(values).items()}
                for b, values in dict(document["brokers"]).items()
            }
            topics = {
                str(t): {n: _opt_str(v) for n, v in dict(values).items()}
                for t, values in dict(document["topics"]).items()
            }
            layers = {
                int(b): {
                    str(n): tuple(
                        ConfigSetting(str(n), str(s["value"]), ConfigSource(s["source"]))
                        for s in settings
                    )
                    for n, settings in dict(names).items()
                }
                for b, names in dict(document.get("layers", {})).items()
            }
            dir_rate = document.get("dir_rate")
            if dir_rate is not None and (
                isinstance(dir_rate, bool) or not isinstance(dir_rate, int)
            ):
                raise TypeError("dir_rate")
            dir_brokers = {
                int(b): _opt_str(v) for b, v in dict(document.get("dir_brokers", {})).items()
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedFile(f"not a throttle record ({exc})", path=source) from exc
        return cls(brokers, topics, rate, layers, dir_brokers, dir_rate)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n"


def _opt_str(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"expected a string or null, got {type(value).__name__}")


@attrs.frozen
class ThrottleChanges:
    """Config changes per broker and per topic; empty changes are left out."""

    brokers: Mapping[int, ConfigChange] = attrs.field(factory=FrozenDict, converter=_broker_changes)
    topics: Mapping[str, ConfigChange] = attrs.field(factory=FrozenDict, converter=_topic_changes)

    def __bool__(self) -> bool:
        return bool(self.brokers or self.topics)


def brokers_touched(plan: ReassignmentPlan) -> tuple[int, ...]:
    """Every broker that holds a replica of a moving partition, before or after.

    Kafka's tool throttles the same set: current replicas may serve the copy (leader side),
    new replicas fetch it (follower side).
    """
    return tuple(sorted({b for m in plan for b in (*m.before, *m.after)}))


def _entries(value: str | None) -> list[str]:
    return [e.strip() for e in (value or "").split(",") if e.strip()]


def merge_replica_lists(existing: str | None, ours: str) -> str:
    """``existing`` with the entries of ``ours`` added (``*`` already covers everything)."""
    if (existing or "").strip() == "*":
        return "*"
    merged = _entries(existing)
    merged += [e for e in _entries(ours) if e not in merged]
    return ",".join(merged)


def subtract_replica_lists(current: str | None, added: Iterable[str]) -> str:
    """``current`` without the entries in ``added`` (order kept)."""
    drop = set(added)
    return ",".join(e for e in _entries(current) if e not in drop)


def in_flight_changes(
    in_flight: ReassignmentPlan,
    finished: ReassignmentPlan,
    record: ThrottleRecord,
    current_topics: Mapping[str, Mapping[str, str | None]],
    current_rates: Mapping[int, BrokerThrottles] | None = None,
) -> ThrottleChanges:
    """What a reassignment running in waves sets now: throttles covering only what is in flight.

    The rate goes on every broker of the record (where it is not already in force at the
    per-broker layer). Each topic's throttled-replica lists gain the entries of the moves in
    flight and lose the entries this reassignment added for moves that finished; entries that
    were there before it started (someone else's) are never removed. With ``record.rate`` None
    nothing is throttled, so nothing changes.
    """
    if record.rate is None:
        return ThrottleChanges()
    rate = str(record.rate)
    brokers: dict[int, ConfigChange] = {}
    for broker in record.brokers:
        now = (current_rates or {}).get(broker)
        in_force = now is not None and all(
            setting is not None
            and setting.value == rate
            and setting.source is ConfigSource.DYNAMIC_BROKER_CONFIG
            for setting in (now.leader_rate, now.follower_rate)
        )
        if not in_force:
            brokers[broker] = ConfigChange(set=dict.fromkeys(RATE_NAMES, rate))
    adding = throttled_replicas(in_flight)
    dropping = throttled_replicas(finished)
    topics: dict[str, ConfigChange] = {}
    for topic in sorted(set(adding) | set(dropping)):
        now_lists = current_topics.get(topic, {})
        prior = record.topics.get(topic, {})
        to_set: dict[str, str] = {}
        to_delete: set[str] = set()
        for name, leader_side in (
            (LEADER_THROTTLED_REPLICAS, True),
            (FOLLOWER_THROTTLED_REPLICAS, False),
        ):
            value = now_lists.get(name) or ""
            if topic in dropping:
                done = dropping[topic].leader if leader_side else dropping[topic].follower
                ours = [e for e in _entries(done) if e not in _entries(prior.get(name))]
                value = subtract_replica_lists(value, ours)
            if topic in adding:
                flying = adding[topic].leader if leader_side else adding[topic].follower
                value = merge_replica_lists(value, flying)
            if value == (now_lists.get(name) or ""):
                continue
            if value:
                to_set[name] = value
            else:
                to_delete.add(name)
        topics[topic] = ConfigChange(set=to_set, delete=frozenset(to_delete))
    return ThrottleChanges(brokers, topics)


def dir_throttle_changes(record: ThrottleRecord) -> ThrottleChanges:
    """What ``execute`` sets for intra-broker copies: ``record.dir_rate`` on its dir brokers."""
    if record.dir_rate is None:
        return ThrottleChanges()
    value = str(record.dir_rate)
    return ThrottleChanges(
        {b: ConfigChange(set=dict.fromkeys(DIR_RATE_NAMES, value)) for b in record.dir_brokers}
    )


def _dir_restore(record: ThrottleRecord) -> dict[int, ConfigChange]:
    """The recorded intra-broker copy throttles back (deleted where none was set)."""
    if record.dir_rate is None:
        return {}
    return {
        broker: ConfigChange(set=dict.fromkeys(DIR_RATE_NAMES, prior))
        if prior is not None
        else ConfigChange(delete=frozenset(DIR_RATE_NAMES))
        for broker, prior in record.dir_brokers.items()
    }


def _merged(a: ConfigChange | None, b: ConfigChange) -> ConfigChange:
    if a is None:
        return b
    return ConfigChange(set={**a.set, **b.set}, delete=a.delete | b.delete)


def restore_changes(
    plan: ReassignmentPlan,
    record: ThrottleRecord,
    current_topics: Mapping[str, Mapping[str, str | None]] | None = None,
) -> ThrottleChanges:
    """What ``verify`` (once done) and ``cancel`` apply to undo ``execute``'s throttles.

    Broker rates go back to the recorded per-broker values (deleted where none was set).
    Topic lists lose exactly the entries ``execute`` added (entries it found already there, or
    that someone added since, stay); without ``current_topics`` the recorded lists are put back
    as they were. A list left empty is deleted. The intra-broker copy throttle goes back the
    same way on the brokers that got it.
    """
    replication = _replication_restore(plan, record, current_topics)
    brokers = dict(replication.brokers)
    for broker, change in _dir_restore(record).items():
        brokers[broker] = _merged(brokers.get(broker), change)
    return ThrottleChanges(brokers, replication.topics)


def _replication_restore(
    plan: ReassignmentPlan,
    record: ThrottleRecord,
    current_topics: Mapping[str, Mapping[str, str | None]] | None,
) -> ThrottleChanges:
    if record.rate is None:
        return ThrottleChanges()
    brokers: dict[int, ConfigChange] = {}
    for broker, prior in record.brokers.items():
        rates = {n: v for n in RATE_NAMES if (v := prior.get(n)) is not None}
        brokers[broker] = ConfigChange(
            set=rates, delete=frozenset(n for n in RATE_NAMES if prior.get(n) is None)
        )
    topics: dict[str, ConfigChange] = {}
    ours = throttled_replicas(plan)
    for topic, prior in record.topics.items():
        lists = ours.get(topic)
        if lists is None:
            continue
        to_set: dict[str, str] = {}
        to_delete: set[str] = set()
        for name, mine in (
            (LEADER_THROTTLED_REPLICAS, lists.leader),
            (FOLLOWER_THROTTLED_REPLICAS, lists.follower),
        ):
            before = prior.get(name)
            if current_topics is None or topic not in current_topics:
                value = before or ""
            elif (before or "").strip() == "*":
                value = "*"
            else:
                added = [e for e in _entries(mine) if e not in _entries(before)]
                value = subtract_replica_lists(current_topics[topic].get(name), added)
            if value:
                to_set[name] = value
            else:
                to_delete.add(name)
        topics[topic] = ConfigChange(set=to_set, delete=frozenset(to_delete))
    return ThrottleChanges(brokers, topics)
