"""What the reassign step tests share: plans that move a topic, the throttles in force."""

from __future__ import annotations

import json

from confluent_kafka import Producer

from confluent_ops.model import FOLLOWER_THROTTLED_RATE, LEADER_THROTTLED_RATE
from confluent_ops.testing import eventually

RATES = [LEADER_THROTTLED_RATE, FOLLOWER_THROTTLED_RATE]


def plan_moving_every_partition(admin, topic: str) -> str:
    """A plan that moves each partition's second replica to a broker that has none."""
    snapshot = admin.snapshot(sizes=False)
    entries = []
    for tp, p in snapshot.partitions.items():
        if tp.topic != topic:
            continue
        spare = next(b for b in snapshot.broker_ids if b not in p.replicas)
        entries.append(
            {"topic": tp.topic, "partition": tp.partition, "replicas": [p.replicas[0], spare]}
        )
    return json.dumps({"version": 1, "partitions": entries})


def plan_of(topic: str, targets: dict[int, list[int]]) -> str:
    """Kafka's reassignment JSON moving ``topic``'s partitions to ``targets``."""
    return json.dumps(
        {
            "version": 1,
            "partitions": [
                {"topic": topic, "partition": p, "replicas": r} for p, r in sorted(targets.items())
            ],
        }
    )


def fill(admin, topic: str, messages: int, size: int = 10_000) -> None:
    """Write ``messages`` records of ``size`` bytes, so that a move has bytes to copy."""
    producer = Producer({"bootstrap.servers": admin.servers})
    for _ in range(messages):
        producer.produce(topic, value=b"x" * size)
    assert producer.flush(30) == 0


def throttles_now(admin, topic: str, brokers=(0, 1, 2)):
    rates = admin.broker_configs(list(brokers), RATES)
    brokers = {
        b: {name: [(s.value, s.source.value) for s in layers] for name, layers in names.items()}
        for b, names in rates.items()
    }
    topic_state = admin.snapshot(sizes=False).topic(topic)
    return brokers, (topic_state.leader_throttled_replicas, topic_state.follower_throttled_replicas)


def wait_for_verify(step, timeout: float = 60.0):
    """Verify until it stops saying "still moving"; the verdict, and whether it ever was."""
    seen = []

    def settled():
        result = step.verify()
        seen.append(result)
        return result if result.exit_code != 1 else None

    verdict = eventually(settled, what="the reassignment to settle", timeout=timeout, interval=0.3)
    return verdict, len(seen) > 1
