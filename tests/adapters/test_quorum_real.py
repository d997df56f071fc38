"""The KRaft restart gate on a real three-controller quorum (one broker, three controllers)."""

from __future__ import annotations

import time

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.planners.health import can_restart, can_restart_controller, preflight


def test_a_controller_may_restart_only_while_a_caught_up_majority_remains(kafka_cluster_factory):
    cluster = kafka_cluster_factory(1, controllers=3)
    with KafkaAdapter.connect(cluster.bootstrap_servers) as admin:
        snapshot = admin.snapshot(sizes=False)
        assert snapshot.quorum is not None
        voters = snapshot.quorum.voter_ids
        assert len(voters) == 3
        assert "single-voter-quorum" not in {f.code for f in preflight(snapshot)}
        for voter in voters:
            assert can_restart_controller(snapshot, voter).allowed
        follower = next(v for v in voters if v != snapshot.quorum.leader)
        cluster.stop_broker(follower)
        other = next(v for v in voters if v not in (follower, snapshot.quorum.leader))
        deadline = time.monotonic() + 60
        while True:
            verdict = can_restart(admin.snapshot(sizes=False), other)
            if not verdict.allowed:
                break
            assert time.monotonic() < deadline, "the stopped voter never fell behind"
            time.sleep(0.5)
        assert verdict.quorum is not None
        assert follower not in verdict.quorum.caught_up
        assert "caught up" in verdict.reason
