"""Brokers and the set of brokers a cluster is planned onto."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import attrs

from confluent_ops.errors import InvalidInput, MalformedFile, UnknownBroker
from confluent_ops.model._frozen import FrozenDict
from confluent_ops.model._json import (
    MAX_INT32,
    dump_compact,
    load_json_object,
    require_int,
    require_list,
    require_version,
)

__all__ = ["Broker", "BrokerSet"]


def _non_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 0 <= value <= MAX_INT32:
        raise InvalidInput(f"broker id must be in 0..{MAX_INT32}, got {value}")


def _rack_name(instance: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and not value.strip():
        raise InvalidInput("a broker's rack must be a non-empty string or null")


@attrs.frozen(order=True)
class Broker:
    """A Kafka broker: its ``broker.id`` and its ``broker.rack`` (None when unset)."""

    id: int = attrs.field(validator=_non_negative)
    rack: str | None = attrs.field(default=None, validator=_rack_name)


def _sorted_brokers(brokers: Iterable[Broker]) -> tuple[Broker, ...]:
    return tuple(sorted(brokers))


def _unique_ids(
    instance: object, attribute: attrs.Attribute[tuple[Broker, ...]], value: tuple[Broker, ...]
) -> None:
    seen: set[int] = set()
    for broker in value:
        if broker.id in seen:
            raise InvalidInput(f"broker {broker.id} is listed more than once")
        seen.add(broker.id)
    with_rack = [b.id for b in value if b.rack is not None]
    without_rack = [b.id for b in value if b.rack is None]
    if with_rack and without_rack:
        listed = ",".join(str(i) for i in without_rack[:10])
        raise InvalidInput(
            f"brokers {listed} have no rack while others have one; "
            "give every broker a rack, or none (Kafka's rack-aware placement refuses a mix too)"
        )


@attrs.frozen
class BrokerSet:
    """The brokers of a cluster, sorted by id; either all have racks or none has.

    Validated once at construction: ids are unique and racks are all set or all unset, so the
    planners never have to guess what a missing rack means.
    """

    brokers: tuple[Broker, ...] = attrs.field(converter=_sorted_brokers, validator=_unique_ids)
    _rack_by_id: Mapping[int, str | None] = attrs.field(
        init=False,
        repr=False,
        eq=False,
        default=attrs.Factory(
            lambda self: FrozenDict((b.id, b.rack) for b in self.brokers), takes_self=True
        ),
    )

    @classmethod
    def of(cls, brokers: Iterable[Broker]) -> BrokerSet:
        return cls(tuple(brokers))

    @classmethod
    def without_racks(cls, ids: Iterable[int]) -> BrokerSet:
        """Brokers with the given ids and no racks."""
        return cls(tuple(Broker(i) for i in ids))

    @classmethod
    def from_brokers_json(cls, text: str, *, source: str | None = None) -> BrokerSet:
        """Read the brokers file of CLI.md.

        The layout is ``{"version": 1, "brokers": [{"id": 0, "rack": "zone-a"}, ...]}``.
        """
        document = load_json_object(text, source=source, what="a brokers file")
        require_version(document, source=source, what="brokers file")
        entries = require_list(document.get("brokers"), source=source, where='"brokers"')
        brokers = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise MalformedFile(f"brokers[{index}] must be an object", path=source)
            broker_id = require_int(
                entry.get("id"),
                source=source,
                where=f"brokers[{index}].id",
                minimum=0,
                maximum=MAX_INT32,
            )
            rack = entry.get("rack")
            if rack is not None and not isinstance(rack, str):
                raise MalformedFile(f"brokers[{index}].rack must be a string or null", path=source)
            brokers.append(Broker(broker_id, rack))
        if not brokers:
            raise MalformedFile("the brokers file lists no broker", path=source)
        return cls(tuple(brokers))

    def to_brokers_json(self) -> str:
        """The brokers file of CLI.md."""
        return dump_compact(
            {"version": 1, "brokers": [{"id": b.id, "rack": b.rack} for b in self.brokers]}
        )

    def __iter__(self) -> Iterator[Broker]:
        return iter(self.brokers)

    def __len__(self) -> int:
        return len(self.brokers)

    def __contains__(self, broker_id: object) -> bool:
        return broker_id in self._rack_by_id

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(b.id for b in self.brokers)

    @property
    def racks(self) -> tuple[str, ...]:
        """The distinct racks, sorted; empty when brokers have no racks."""
        return tuple(sorted({b.rack for b in self.brokers if b.rack is not None}))

    @property
    def rack_aware(self) -> bool:
        return bool(self.racks)

    def rack_of(self, broker_id: int) -> str | None:
        """The rack of a broker of this set; UnknownBroker for an id that is not."""
        try:
            return self._rack_by_id[broker_id]
        except KeyError:
            raise UnknownBroker(broker_id, "not in the brokers file") from None

    def without(self, ids: Iterable[int]) -> BrokerSet:
        drop = set(ids)
        return BrokerSet(tuple(b for b in self.brokers if b.id not in drop))
