"""Each call into kafka-python's private API (``adapters/_kafka_python.py``), on real brokers.

These are the calls a kafka-python release may break without notice: should one change, the
test named for it fails first. The versions they were tested with are pinned in pyproject.toml.
"""

from __future__ import annotations

from importlib.metadata import version

import pytest
from kafka.admin import KafkaAdminClient
from packaging.specifiers import SpecifierSet

from confluent_ops.adapters._kafka_python import (
    TESTED_VERSIONS,
    alter_broker_default,
    describe_broker_default,
    forget_routing,
)
from confluent_ops.model import LEADER_THROTTLED_RATE
from confluent_ops.testing import eventually


@pytest.fixture(scope="module")
def client(kafka_cluster):
    admin = KafkaAdminClient(bootstrap_servers=kafka_cluster.bootstrap_servers)
    yield admin
    admin.close()


def test_the_installed_kafka_python_is_a_tested_one():
    assert version("kafka-python") in SpecifierSet(TESTED_VERSIONS)


def test_the_cluster_wide_broker_default_is_set_described_and_deleted(client):
    outcome = alter_broker_default(client, {LEADER_THROTTLED_RATE: ("SET", "12345678")})
    assert outcome == {"broker": {"": "OK"}}
    try:
        described = eventually(
            lambda: (
                (d := describe_broker_default(client, [LEADER_THROTTLED_RATE]))
                .get(LEADER_THROTTLED_RATE, {})
                .get("value")
                == "12345678"
                and d
            ),
            what="the default to be described",
        )
        assert "DEFAULT_BROKER" in str(described[LEADER_THROTTLED_RATE]["config_source"])
    finally:
        alter_broker_default(client, {LEADER_THROTTLED_RATE: ("DELETE", None)})
    eventually(
        lambda: (
            not describe_broker_default(client, [LEADER_THROTTLED_RATE])
            .get(LEADER_THROTTLED_RATE, {})
            .get("value")
        ),
        what="the default to be gone",
    )


def test_forgetting_routing_drops_the_cached_controller_and_asks_for_metadata(client):
    client.describe_cluster()  # warms the caches
    forget_routing(client)
    assert client._controller_id is None
    assert client._manager.cluster._need_update
    assert client.describe_cluster()["brokers"]  # and the client still works afterwards
