"""The few client calls the testbed makes itself: asking a broker what it sees.

Readiness is judged by the broker, not by its log or an open port: a broker is ready when it
answers a metadata request listing itself (in KRaft that means registered and unfenced; in
ZooKeeper mode, registered in the controller's view). The calls are kept here, in one module, so
that the rest of :mod:`confluent_ops.testing` stays free of client-library details.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from confluent_ops.errors import TestbedError, WaitTimedOut
from confluent_ops.waiting import WaitPolicy, wait_until

__all__ = ["QUIET_LOGGER", "ClientConfig", "brokers_seen_by", "create_scram_users", "create_topic"]

ClientConfig = dict[str, str | int | float | bool]
"""A confluent-kafka configuration, typed as the client library takes it."""

QUIET_LOGGER = logging.getLogger("confluent_ops.testing.client")
"""librdkafka's own log lines (connection refused while a broker starts) go here, not stderr."""
QUIET_LOGGER.addHandler(logging.NullHandler())


def brokers_seen_by(
    bootstrap: str, *, timeout: float = 2.0, config: Mapping[str, str] | None = None
) -> frozenset[int]:
    """The broker ids that the broker(s) at ``bootstrap`` list in a metadata response.

    An unreachable broker yields the empty set: "not yet" is the normal answer while starting.
    """
    admin = AdminClient(
        {
            "bootstrap.servers": bootstrap,
            "socket.connection.setup.timeout.ms": str(int(timeout * 1000)),
            "reconnect.backoff.max.ms": "200",
            **(config or {}),
        },
        logger=QUIET_LOGGER,
    )
    try:
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException:
        return frozenset()
    return frozenset(int(broker_id) for broker_id in metadata.brokers)


def create_scram_users(
    bootstrap: str,
    users: Mapping[str, str],
    *,
    mechanisms: tuple[str, ...] = ("SCRAM-SHA-256", "SCRAM-SHA-512"),
    timeout: float = 30.0,
) -> None:
    """Give each user SCRAM credentials (the broker salts and stores them in its metadata)."""
    from confluent_kafka.admin import (  # type: ignore[attr-defined]  # noqa: PLC0415
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialAlteration,
        UserScramCredentialUpsertion,
    )

    admin = AdminClient({"bootstrap.servers": bootstrap}, logger=QUIET_LOGGER)
    for mechanism in mechanisms:  # one request may alter a user only once
        info = ScramCredentialInfo(getattr(ScramMechanism, mechanism.replace("-", "_")), 4096)
        upserts: list[UserScramCredentialAlteration] = [
            UserScramCredentialUpsertion(user, info, password.encode("utf-8"))
            for user, password in users.items()
        ]
        for future in admin.alter_user_scram_credentials(upserts).values():
            future.result(timeout=timeout)


def create_topic(
    client: Mapping[str, str | int | float | bool],
    name: str,
    *,
    partitions: int,
    replication_factor: int,
    config: Mapping[str, str] | None = None,
    assignment: Sequence[Sequence[int]] | None = None,
    timeout: float = 30.0,
) -> None:
    """Create a topic and wait until every partition has a leader (it accepts writes then).

    ``assignment`` places each partition's replicas explicitly (the first is the preferred
    leader); ``partitions`` and ``replication_factor`` are then taken from it.
    """
    admin = AdminClient(dict(client), logger=QUIET_LOGGER)
    if assignment is not None:
        partitions = len(assignment)
        topic = NewTopic(  # librdkafka wants the count given, and no replication factor
            name,
            num_partitions=partitions,
            replica_assignment=[list(replicas) for replicas in assignment],
            config=dict(config or {}),
        )
    else:
        topic = NewTopic(name, partitions, replication_factor, config=dict(config or {}))
    try:
        admin.create_topics([topic], operation_timeout=timeout)[name].result(timeout=timeout)
    except KafkaException as exc:
        raise TestbedError(f"could not create topic {name}: {exc.args[0]}") from exc

    def has_leaders() -> bool:
        found = admin.list_topics(name, timeout=timeout).topics.get(name)
        return (
            found is not None
            and found.error is None
            and len(found.partitions) == partitions
            and all(p.leader >= 0 for p in found.partitions.values())
        )

    try:
        wait_until(has_leaders, policy=WaitPolicy.bounded(timeout), what=f"topic {name} leaders")
    except WaitTimedOut:
        raise TestbedError(
            f"topic {name} has partitions without a leader after {timeout:.0f} s"
        ) from None
