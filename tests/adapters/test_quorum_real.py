"""The KRaft restart gate on a real three-controller quorum (one broker, three controllers)."""

from __future__ import annotations

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.planners.health import can_restart, can_restart_controller, preflight
from confluent_ops.testing import eventually


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
        verdict = eventually(
            lambda: (
                v if not (v := can_restart(admin.snapshot(sizes=False), other)).allowed else None
            ),
            what="the stopped voter to fall behind",
            timeout=60,
            interval=0.5,
        )
        assert verdict.quorum is not None
        assert follower not in verdict.quorum.caught_up
        assert "caught up" in verdict.reason
