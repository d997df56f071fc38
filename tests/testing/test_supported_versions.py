"""What confluent_ops.testing promises beyond its names (pinned in tests/test_public_api.py)."""

from __future__ import annotations

from confluent_ops import testing


def test_the_supported_kafka_versions_are_the_pinned_pair() -> None:
    assert testing.SUPPORTED_KAFKA_VERSIONS == ("3.9.1", "4.1.1")
