"""Every call this project makes into kafka-python's private API, and nothing else.

kafka-python's public admin API lacks two things we need, so we reach behind it here, in this
one module, each call with a test of its own against real brokers
(``tests/adapters/test_kafka_python_private.py``) and the version range it was tested with
pinned in ``pyproject.toml`` (see :data:`TESTED_VERSIONS`):

- the **cluster-wide dynamic broker default** (the empty broker name): both clients' public
  ``describe_configs`` / ``alter_configs`` insist on an integer broker id, so we build and send
  kafka-python's own DescribeConfigs / IncrementalAlterConfigs request for it;
- **forgetting stale routing**: after a broker stops or rejoins, kafka-python's cached metadata
  (and its cached "controller", to which KRaft brokers point any live broker) can route a
  request to a node that is gone; we ask for a metadata refresh and drop the cached controller.

Should a kafka-python release change these internals, the tests here fail first and name the
call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

__all__ = [
    "TESTED_VERSIONS",
    "alter_broker_default",
    "describe_broker_default",
    "forget_routing",
]

TESTED_VERSIONS = ">=3.0.12,<3.1"
"""The kafka-python releases these calls were tested with (the pin in pyproject.toml)."""


def forget_routing(client: KafkaAdminClient) -> None:
    """Make the next request look up brokers (and the controller) afresh."""
    client._manager.cluster.request_update()
    client._controller_id = None


def describe_broker_default(client: KafkaAdminClient, keys: Sequence[str]) -> dict[str, Any]:
    """The cluster-wide dynamic broker default of ``keys`` (entries as kafka-python gives them)."""
    resource = ConfigResource(ConfigResourceType.BROKER, "", configs=dict.fromkeys(keys))
    request = client._describe_configs_request([resource], False)
    response = client._manager.run(client._manager.send, request)
    result = client._describe_configs_process_responses([response], "All")
    values: dict[str, Any] = result.get("broker", {}).get("", {})
    return values


def alter_broker_default(
    client: KafkaAdminClient, ops: Mapping[str, tuple[str, str | None]]
) -> dict[str, Any]:
    """Incrementally change the cluster-wide dynamic broker default (``{name: (op, value)}``).

    Returns kafka-python's per-resource outcome (``{"broker": {"": "OK" or the error}}``).
    """
    resource = ConfigResource(ConfigResourceType.BROKER, "", configs=dict(ops))
    request = client._alter_configs_request([resource], False, True)
    response = client._manager.run(client._manager.send, request)
    outcome: dict[str, Any] = client._alter_configs_process_responses(response.responses)
    return outcome
