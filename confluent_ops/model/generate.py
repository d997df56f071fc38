"""Seeded synthetic clusters: for the demo, the benchmarks, and users' own experiments.

Every generator takes a seed and gives the same cluster for the same arguments; nothing here
reads the clock or global randomness.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import attrs

from confluent_ops.errors import InvalidInput
from confluent_ops.model.assignment import ClusterAssignment, TopicPartition
from confluent_ops.model.broker import Broker, BrokerSet
from confluent_ops.model.sizes import PartitionSizes

__all__ = ["SyntheticCluster", "synthetic_cluster"]


@attrs.frozen
class SyntheticCluster:
    """A generated cluster: its brokers, its assignment and (optionally) partition sizes."""

    brokers: BrokerSet
    assignment: ClusterAssignment
    sizes: PartitionSizes | None

    def with_new_brokers(self, per_rack: int = 1) -> tuple[SyntheticCluster, tuple[int, ...]]:
        """The same cluster with ``per_rack`` empty brokers added to each rack (or in all).

        Returns the larger cluster and the ids of the new brokers, ready for
        ``plan_add_brokers``.
        """
        next_id = max(self.brokers.ids) + 1
        racks: tuple[str | None, ...] = self.brokers.racks or (None,)
        added = [
            Broker(next_id + i * len(racks) + r, rack)
            for i in range(per_rack)
            for r, rack in enumerate(racks)
        ]
        grown = attrs.evolve(self, brokers=BrokerSet.of([*self.brokers, *added]))
        return grown, tuple(b.id for b in added)


def synthetic_cluster(
    *,
    rack_sizes: Sequence[int] | None = (2, 2, 2),
    brokers: int | None = None,
    partitions: int = 3000,
    replication_factor: int = 3,
    topics: int = 50,
    skew: float = 0.0,
    sizes: bool = True,
    size_sigma: float = 1.5,
    seed: int = 0,
) -> SyntheticCluster:
    """A rack-aware cluster whose placement is balanced (``skew=0``) or piled onto few brokers.

    ``rack_sizes`` gives the broker count of each rack (``None`` with ``brokers=N``: no racks).
    With ``skew`` in (0, 1], broker choice within each rack is weighted towards low ids, so the
    first brokers hold far more than their share (skew 1 gives weights 1/(k+1)^3). Sizes are
    log-normal (median 100 MiB, ``size_sigma`` the spread): a few partitions are very large, as
    in real clusters.
    """
    if rack_sizes is None:
        if not brokers:
            raise InvalidInput("give rack_sizes or a broker count")
        broker_set = BrokerSet.without_racks(range(brokers))
        groups = [list(range(brokers))]
    else:
        ids = iter(range(sum(rack_sizes)))
        groups = [[next(ids) for _ in range(n)] for n in rack_sizes]
        broker_set = BrokerSet.of(
            Broker(b, f"zone-{chr(ord('a') + r)}") for r, group in enumerate(groups) for b in group
        )
    if replication_factor > len(broker_set):
        raise InvalidInput("replication factor exceeds the broker count")
    rng = random.Random(seed)  # noqa: S311 - seeded synthetic data, not secrets

    def weights(group: list[int]) -> list[float]:
        return [1.0 / (k + 1) ** (3 * skew) for k in range(len(group))]

    placed: dict[TopicPartition, tuple[int, ...]] = {}
    size_of: dict[TopicPartition, int] = {}
    per_topic = max(1, partitions // topics)
    for index in range(partitions):
        tp = TopicPartition(f"topic-{index // per_topic:03d}", index % per_topic)
        replicas: list[int] = []
        if len(groups) > 1:
            order = list(range(len(groups)))
            rng.shuffle(order)
            turn = 0
            while len(replicas) < replication_factor:
                group = [b for b in groups[order[turn % len(order)]] if b not in replicas]
                turn += 1
                if group:
                    replicas.append(rng.choices(group, weights(group))[0])
        else:
            pool = list(groups[0])
            while len(replicas) < replication_factor:
                choice = rng.choices(pool, weights(pool))[0]
                pool.remove(choice)
                replicas.append(choice)
        placed[tp] = tuple(replicas)
        size_of[tp] = int(rng.lognormvariate(0, size_sigma) * 100 * 2**20)
    return SyntheticCluster(
        broker_set, ClusterAssignment(placed), PartitionSizes(size_of) if sizes else None
    )
