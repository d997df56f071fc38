"""Bad plans against a real cluster: refused before anything is sent, and nothing changed."""

from __future__ import annotations

import json

import pytest
from contract import SETTINGS, run
from hypothesis import given
from hypothesis import strategies as st
from mutations import HOSTILE_LIST, file_contents, write

from confluent_ops.adapters import KafkaAdapter

GHOST = "hostile-ghost"
PLAN = json.dumps(
    {
        "version": 1,
        "partitions": [
            {"topic": GHOST, "partition": p, "replicas": [p % 3, (p + 1) % 3]} for p in range(3)
        ],
    }
)


@pytest.fixture(scope="module")
def admin(kafka_cluster):
    with KafkaAdapter.connect(kafka_cluster.bootstrap_servers) as adapter:
        names = set(adapter.snapshot(sizes=False).topics)
        assert GHOST not in names
        assert not names & {v for v in HOSTILE_LIST if isinstance(v, str)}
        yield adapter


def _state(admin):
    snapshot = admin.snapshot(sizes=False)
    return snapshot.reassignments, snapshot.throttles, snapshot.topics


@SETTINGS
@given(action=st.sampled_from(["execute", "verify", "cancel"]), data=st.data())
def test_a_refused_plan_starts_no_reassignment_and_changes_no_config(
    admin, kafka_cluster, action, data, tmp_path, capsys
):
    before = _state(admin)
    plan = write(tmp_path / f"plan-{action}.json", data.draw(file_contents(PLAN)))
    argv = [
        "reassign",
        action,
        "--plan",
        str(plan),
        "--bootstrap",
        kafka_cluster.bootstrap_servers,
        "--state",
        str(tmp_path / "state.json"),
    ]
    if action == "execute":
        argv += ["--throttle", "1000"]
    run(f"reassign {action} (a real cluster)", argv, capsys, workdir=tmp_path, expect=[65, 66])
    assert not (tmp_path / "state.json").exists()
    assert _state(admin) == before
