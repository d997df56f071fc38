"""Real ZooKeeper servers: a quorum that survives its leader, TLS that requires a certificate."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from kazoo.client import KazooClient
from kazoo.handlers.threading import KazooTimeoutError

from confluent_ops.errors import InvalidInput
from confluent_ops.testing import ZooKeeperEnsemble
from confluent_ops.testing._zookeeper import four_letter_word

Factory = Callable[..., ZooKeeperEnsemble]


def _write_and_read(client: KazooClient, path: str, value: bytes) -> bytes:
    client.create(path, value, makepath=True)
    data, _ = client.get(path)
    return bytes(data)


def test_a_three_server_quorum_elects_a_new_leader_when_its_leader_is_killed(
    zookeeper_ensemble_factory: Factory,
) -> None:
    ensemble = zookeeper_ensemble_factory(3)
    modes = sorted(ensemble.mode(server) or "" for server in ensemble.server_ids)
    assert modes == ["follower", "follower", "leader"]
    leader = ensemble.wait_for_leader()
    client = KazooClient(hosts=ensemble.hosts, timeout=10)
    client.start(timeout=15)
    try:
        assert _write_and_read(client, "/before", b"1") == b"1"
        ensemble.kill_server(leader)
        successor = ensemble.wait_for_leader(not_in=[leader])
        assert successor != leader
        assert _write_and_read(client, "/after", b"2") == b"2"
    finally:
        client.stop()
        client.close()
    ensemble.start_server(leader)
    assert ensemble.mode(leader) == "follower"


def test_tls_admits_a_client_with_a_certificate_and_refuses_one_without(
    zookeeper_ensemble_factory: Factory,
) -> None:
    ensemble = zookeeper_ensemble_factory(1, tls=True)
    tls = ensemble.tls
    assert tls is not None
    good = KazooClient(
        hosts=ensemble.secure_hosts,
        use_ssl=True,
        ca=str(tls.ca_crt),
        certfile=str(tls.client_crt),
        keyfile=str(tls.client_key),
        timeout=10,
    )
    good.start(timeout=15)  # proves the TLS port works before a refusal may count
    try:
        assert _write_and_read(good, "/tls", b"ok") == b"ok"
    finally:
        good.stop()
        good.close()
    anonymous = KazooClient(
        hosts=ensemble.secure_hosts, use_ssl=True, ca=str(tls.ca_crt), timeout=2
    )
    with pytest.raises(KazooTimeoutError):
        anonymous.start(timeout=4)
    anonymous.stop()
    anonymous.close()


def test_servers_run_the_zookeeper_that_ships_among_kafka_3_9_jars(
    zookeeper_ensemble_factory: Factory,
) -> None:
    ensemble = zookeeper_ensemble_factory(1)
    assert ensemble.mode(1) == "standalone"
    assert "Zookeeper version: 3.8.4" in four_letter_word(ensemble.client_port(1))


def test_an_even_ensemble_is_refused() -> None:
    with pytest.raises(InvalidInput, match="1 or 3"):
        ZooKeeperEnsemble(2)
