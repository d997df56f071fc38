"""How many bytes each broker's disks hold: the ceiling a plan must keep brokers under.

A plan that balances bytes by share alone may fill a broker whose disks are smaller than its
peers'. Capacities come from a file an operator writes (``{"version": 1, "brokers": [{"id": 0,
"disk_bytes": 1000000000000}, ...]}``) or from the volume sizes brokers report with their log
directories since Kafka 3.3 (:meth:`BrokerCapacities.from_log_dirs`).
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping

import attrs

from confluent_ops.errors import InvalidInput, MalformedFile
from confluent_ops.model._frozen import FrozenDict
from confluent_ops.model._json import (
    MAX_INT32,
    MAX_SIGNED_64,
    dump_compact,
    load_json_object,
    require_int,
    require_list,
    require_version,
)
from confluent_ops.model.log_dirs import LogDirs

__all__ = ["BrokerCapacities"]


def _by_id(values: Mapping[int, int]) -> FrozenDict[int, int]:
    return FrozenDict(sorted(values.items()))


@attrs.frozen
class BrokerCapacities:
    """Disk bytes per broker id, for the brokers whose capacity is known.

    A broker that is absent has an unknown capacity, which is not the same as none: callers
    leave such a broker unconstrained rather than treat it as full. Every capacity is above
    zero (a zero would make every threshold unreachable) and fits a Java ``long``.
    """

    disk_bytes: Mapping[int, int] = attrs.field(converter=_by_id)

    def __attrs_post_init__(self) -> None:
        for broker, capacity in self.disk_bytes.items():
            if isinstance(broker, bool) or not isinstance(broker, int):
                raise InvalidInput(f"a broker id must be an integer, got {broker!r}")
            if not 0 <= broker <= MAX_INT32:
                raise InvalidInput(f"broker id must be in 0..{MAX_INT32}, got {broker}")
            if isinstance(capacity, bool) or not isinstance(capacity, int):
                raise InvalidInput(f"broker {broker} has a disk capacity that is not an integer")
            if not 0 < capacity <= MAX_SIGNED_64:
                raise InvalidInput(
                    f"broker {broker} has an impossible disk capacity {capacity} "
                    f"(it must be in 1..{MAX_SIGNED_64} bytes)"
                )

    @classmethod
    def from_json(cls, text: str, *, source: str | None = None) -> BrokerCapacities:
        """Read a capacities file: ``{"version": 1, "brokers": [{"id": 0, "disk_bytes": N}]}``.

        A broker listed twice is refused (which of the two would be the typo?), and so is a
        file that lists no broker: a capacities file given on purpose that constrains nothing
        is a mistake, not a request.
        """
        document = load_json_object(text, source=source, what="a capacities file")
        require_version(document, source=source, what="capacities file")
        entries = require_list(document.get("brokers"), source=source, where='"brokers"')
        capacities: dict[int, int] = {}
        for index, entry in enumerate(entries):
            where = f"brokers[{index}]"
            if not isinstance(entry, dict):
                raise MalformedFile(f"{where} must be an object", path=source)
            broker = require_int(
                entry.get("id"), source=source, where=f"{where}.id", minimum=0, maximum=MAX_INT32
            )
            if broker in capacities:
                raise MalformedFile(
                    f"{where}: broker {broker} is listed more than once", path=source
                )
            capacities[broker] = require_int(
                entry.get("disk_bytes"), source=source, where=f"{where}.disk_bytes", minimum=1
            )
        if not capacities:
            raise MalformedFile("the capacities file lists no broker", path=source)
        return cls(capacities)

    def to_json(self) -> str:
        """The capacities file :meth:`from_json` reads, brokers by id, one line."""
        return dump_compact(
            {
                "version": 1,
                "brokers": [{"id": b, "disk_bytes": n} for b, n in self.disk_bytes.items()],
            }
        )

    @classmethod
    def from_log_dirs(cls, log_dirs: LogDirs) -> BrokerCapacities:
        """Each broker's capacity as the sum of its online log directories' volume sizes.

        Offline directories (an ``error`` set) hold nothing a plan can place, so they do not
        count. A broker with an online directory of unknown size (brokers before Kafka 3.3,
        ``kafka-log-dirs`` output) is left out: a partial sum would understate its disk and
        make the planner refuse room that is there. A broker whose online directories add up
        to zero bytes is left out too. The result may be empty.
        """
        totals: dict[int, int] = {}
        unknown: set[int] = set()
        for log_dir in log_dirs.dirs:
            if log_dir.error is not None:
                continue
            if log_dir.total_bytes is None:
                unknown.add(log_dir.broker)
            else:
                totals[log_dir.broker] = totals.get(log_dir.broker, 0) + log_dir.total_bytes
        return cls({b: total for b, total in totals.items() if b not in unknown and total > 0})

    def disk(self, broker: int) -> int | None:
        """The broker's disk bytes, None when its capacity is unknown."""
        return self.disk_bytes.get(broker)

    def restricted_to(self, ids: Container[int]) -> BrokerCapacities:
        """The capacities of the brokers in ``ids`` only (a :class:`~confluent_ops.model.BrokerSet`
        will do, as will a set of ids)."""
        return BrokerCapacities({b: n for b, n in self.disk_bytes.items() if b in ids})

    def __iter__(self) -> Iterator[int]:
        return iter(self.disk_bytes)

    def __len__(self) -> int:
        return len(self.disk_bytes)

    def __contains__(self, broker: object) -> bool:
        return broker in self.disk_bytes
