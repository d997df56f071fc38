"""What the reassign step tests share: a plan that moves a topic, the throttles in force."""

from __future__ import annotations

import json
import time

from confluent_ops.model import FOLLOWER_THROTTLED_RATE, LEADER_THROTTLED_RATE

RATES = [LEADER_THROTTLED_RATE, FOLLOWER_THROTTLED_RATE]


def plan_moving_every_partition(admin, topic: str) -> str:
    """A plan that moves each partition's second replica to the broker that has none."""
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


def throttles_now(admin, topic: str, brokers=(0, 1, 2)):
    rates = admin.broker_configs(list(brokers), RATES)
    brokers = {
        b: {name: [(s.value, s.source.value) for s in layers] for name, layers in names.items()}
        for b, names in rates.items()
    }
    topic_state = admin.snapshot(sizes=False).topic(topic)
    return brokers, (topic_state.leader_throttled_replicas, topic_state.follower_throttled_replicas)


def wait_for_verify(step, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    seen_moving = False
    while True:
        result = step.verify()
        if result.exit_code != 1:
            return result, seen_moving
        seen_moving = True
        assert time.monotonic() < deadline, [m.describe() for m in result.moves]
        time.sleep(0.3)
