"""The :class:`~confluent_ops.ports.ZooKeeper` port over kazoo and the four-letter words.

What ZooKeeper-mode Kafka (3.9 and older) keeps in ZooKeeper: broker registrations
(``/brokers/ids``), the controller (``/controller``), topic assignments with their in-flight
reassignment (``/brokers/topics/T``), partition state (``.../partitions/N/state``), the legacy
reassignment znode (``/admin/reassign_partitions``) and the ZooKeeper-to-KRaft migration record
(``/migration``); and the ensemble's own health from ``srvr`` and ``mntr``.

``hosts`` is kazoo's connect string and may end with the cluster's chroot
(``host:port,host:port/kafka``). With TLS, kazoo connects to the secure port with a client
certificate; four-letter words go to ``four_letter_hosts`` (plain ports, where servers answer
them), or over TLS to the connect string's servers when none are given.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
from kazoo.client import KazooClient
from kazoo.exceptions import AuthFailedError, KazooException, NoNodeError
from kazoo.handlers.threading import KazooTimeoutError

from confluent_ops.errors import (
    AuthenticationFailed,
    ClusterRequestFailed,
    ClusterUnreachable,
    InvalidInput,
)
from confluent_ops.model import (
    BrokerState,
    ClusterMode,
    ClusterSnapshot,
    PartitionState,
    TopicPartition,
    TopicState,
)
from confluent_ops.ports import (
    EnsembleServer,
    ZooKeeperBroker,
    ZooKeeperMigration,
    ZooKeeperPartition,
)

__all__ = ["ZooKeeperAdapter", "ZooKeeperTls", "four_letter_word", "snapshot_from_zookeeper"]


@attrs.frozen
class ZooKeeperTls:
    """Client TLS for ZooKeeper: the CA to trust and, for ``ssl.clientAuth=need``, our identity."""

    ca: Path
    certificate: Path | None = None
    private_key: Path | None = None
    verify_hostname: bool = True


def _split_hosts(hosts: str) -> tuple[list[tuple[str, int]], str]:
    servers, slash, chroot = hosts.partition("/")
    pairs = []
    for item in servers.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            raise InvalidInput(f"not a ZooKeeper host:port: {item!r}")
        pairs.append((host, int(port)))
    return pairs, (slash + chroot if chroot else "")


def four_letter_word(
    host: str, port: int, word: str, *, timeout: float, tls: ZooKeeperTls | None = None
) -> str:
    """Send a four-letter word (``srvr``, ``mntr``, ``ruok``) and return the whole answer."""
    raw = socket.create_connection((host, port), timeout=timeout)
    connection: socket.socket = raw
    try:
        if tls is not None:
            context = ssl.create_default_context(cafile=str(tls.ca))
            context.check_hostname = tls.verify_hostname
            if tls.certificate is not None and tls.private_key is not None:
                context.load_cert_chain(str(tls.certificate), str(tls.private_key))
            connection = context.wrap_socket(raw, server_hostname=host)
        connection.sendall(word.encode("ascii"))
        chunks = []
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode("utf-8", "replace")
    finally:
        connection.close()


def _parse_server(address: str, srvr: str, mntr: str) -> EnsembleServer:
    values: dict[str, str] = {}
    for line in srvr.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values[key.strip()] = value.strip()
    metrics = dict(line.split("\t", 1) for line in mntr.splitlines() if "\t" in line)
    latency = values.get("Latency min/avg/max", "").split("/")

    def number(text: str | None) -> float | None:
        try:
            return float(text) if text is not None else None
        except ValueError:
            return None

    outstanding = number(values.get("Outstanding") or metrics.get("zk_outstanding_requests"))
    nodes = number(values.get("Node count") or metrics.get("zk_znode_count"))
    return EnsembleServer(
        address=address,
        reachable=True,
        mode=values.get("Mode") or metrics.get("zk_server_state"),
        latency_avg_ms=number(latency[1]) if len(latency) == 3 else None,
        latency_max_ms=number(latency[2]) if len(latency) == 3 else None,
        outstanding_requests=int(outstanding) if outstanding is not None else None,
        znode_count=int(nodes) if nodes is not None else None,
    )


class ZooKeeperAdapter:
    """ZooKeeper-mode Kafka's metadata, read with kazoo (the ``ZooKeeper`` port).

    Connects in the constructor: within ``timeout`` seconds a session is established or
    :class:`ClusterUnreachable` (or :class:`AuthenticationFailed` for a refused TLS client)
    is raised.
    """

    def __init__(
        self,
        hosts: str,
        *,
        tls: ZooKeeperTls | None = None,
        four_letter_hosts: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.servers, self.chroot = _split_hosts(hosts)
        self.hosts = hosts
        self.timeout = timeout
        self._tls = tls
        self._four_letter = (
            _split_hosts(four_letter_hosts)[0] if four_letter_hosts is not None else None
        )
        options: dict[str, Any] = {"hosts": hosts, "timeout": timeout, "read_only": True}
        if tls is not None:
            options |= {
                "use_ssl": True,
                "ca": str(tls.ca),
                "verify_certs": True,
                "certfile": str(tls.certificate) if tls.certificate else None,
                "keyfile": str(tls.private_key) if tls.private_key else None,
            }
        self._client = KazooClient(**options)
        try:
            self._client.start(timeout=timeout)
        except KazooTimeoutError as exc:
            self._client.close()
            if tls is not None and self._tls_refused():
                raise AuthenticationFailed(hosts, "the TLS handshake was refused") from exc
            raise ClusterUnreachable(hosts, timeout, "no ZooKeeper session") from exc
        except AuthFailedError as exc:
            self._client.close()
            raise AuthenticationFailed(hosts, type(exc).__name__) from exc

    def _tls_refused(self) -> bool:
        """Whether a server accepts TCP but refuses our TLS handshake (vs. not answering)."""
        assert self._tls is not None
        host, port = self.servers[0]
        try:
            four_letter_word(host, port, "srvr", timeout=self.timeout, tls=self._tls)
        except ssl.SSLError:
            return True
        except OSError:
            return False
        return False

    def __enter__(self) -> ZooKeeperAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.stop()
        self._client.close()

    def _get(self, path: str) -> Any | None:
        """The JSON document at ``path`` (None when the znode does not exist)."""
        try:
            data, _ = self._client.get(path)
        except NoNodeError:
            return None
        except KazooException as exc:
            raise ClusterRequestFailed(f"read {path}", type(exc).__name__) from exc
        if not data:
            return None
        try:
            return json.loads(data.decode("utf-8"))
        except ValueError as exc:
            raise ClusterRequestFailed(f"read {path}", "not JSON") from exc

    def _children(self, path: str) -> list[str]:
        try:
            return sorted(self._client.get_children(path))
        except NoNodeError:
            return []
        except KazooException as exc:
            raise ClusterRequestFailed(f"list {path}", type(exc).__name__) from exc

    def ensemble(self) -> tuple[EnsembleServer, ...]:
        """Every server's mode, latency and outstanding requests (``srvr`` and ``mntr``)."""
        targets = self._four_letter or self.servers
        tls = None if self._four_letter is not None else self._tls
        found = []
        for host, port in targets:
            address = f"{host}:{port}"
            try:
                srvr = four_letter_word(host, port, "srvr", timeout=self.timeout, tls=tls)
                mntr = four_letter_word(host, port, "mntr", timeout=self.timeout, tls=tls)
            except OSError as exc:
                found.append(EnsembleServer(address, False, error=type(exc).__name__))
                continue
            found.append(_parse_server(address, srvr, mntr))
        return tuple(found)

    def brokers(self) -> tuple[ZooKeeperBroker, ...]:
        registered = []
        for name in self._children("/brokers/ids"):
            info = self._get(f"/brokers/ids/{name}")
            if info is None:
                continue
            registered.append(
                ZooKeeperBroker(
                    id=int(name),
                    host=str(info.get("host") or ""),
                    port=int(info.get("port") or -1),
                    rack=info.get("rack"),
                    endpoints=tuple(info.get("endpoints") or ()),
                )
            )
        return tuple(sorted(registered, key=lambda b: b.id))

    def cluster_id(self) -> str:
        """The cluster id Kafka registered (``/cluster/id``), empty before the first broker."""
        return str((self._get("/cluster/id") or {}).get("id", ""))

    def controller(self) -> int | None:
        info = self._get("/controller")
        return None if info is None else int(info["brokerid"])

    def topics(self) -> tuple[str, ...]:
        return tuple(self._children("/brokers/topics"))

    def partitions(self, topics: Iterable[str] | None = None) -> tuple[ZooKeeperPartition, ...]:
        chosen = self.topics() if topics is None else tuple(topics)
        found = []
        for topic in chosen:
            assignment = self._get(f"/brokers/topics/{topic}")
            if assignment is None:
                raise InvalidInput(f"unknown topic {topic!r}: ZooKeeper has no such topic")
            adding: Mapping[str, list[int]] = assignment.get("adding_replicas") or {}
            removing: Mapping[str, list[int]] = assignment.get("removing_replicas") or {}
            for number, replicas in sorted(
                assignment.get("partitions", {}).items(), key=lambda kv: int(kv[0])
            ):
                state = self._get(f"/brokers/topics/{topic}/partitions/{number}/state") or {}
                leader = int(state.get("leader", -1))
                found.append(
                    ZooKeeperPartition(
                        partition=TopicPartition(topic, int(number)),
                        replicas=tuple(replicas),
                        isr=tuple(state.get("isr", ())),
                        leader=leader if leader >= 0 else None,
                        leader_epoch=int(state.get("leader_epoch", -1)),
                        controller_epoch=int(state.get("controller_epoch", -1)),
                        adding=tuple(adding.get(number, ())),
                        removing=tuple(removing.get(number, ())),
                    )
                )
        return tuple(found)

    def topic_configs(self, topic: str) -> dict[str, str]:
        """The topic's overrides (``/config/topics/T``), as Kafka stores them."""
        info = self._get(f"/config/topics/{topic}") or {}
        return {str(k): str(v) for k, v in (info.get("config") or {}).items()}

    def legacy_reassignment(self) -> Mapping[TopicPartition, tuple[int, ...]]:
        info = self._get("/admin/reassign_partitions")
        if info is None:
            return {}
        return {
            TopicPartition(str(e["topic"]), int(e["partition"])): tuple(e["replicas"])
            for e in info.get("partitions", ())
        }

    def migration(self) -> ZooKeeperMigration:
        info = self._get("/migration")
        if info is None:
            return ZooKeeperMigration(started=False)
        return ZooKeeperMigration(
            started=True,
            kraft_controller_epoch=info.get("kraft_controller_epoch"),
            kraft_metadata_offset=info.get("kraft_metadata_offset"),
            kraft_controller_id=info.get("kraft_controller_id"),
        )


def snapshot_from_zookeeper(zookeeper: ZooKeeperAdapter) -> ClusterSnapshot:
    """A :class:`ClusterSnapshot` of a ZooKeeper-mode cluster read from ZooKeeper alone.

    Useful when brokers do not answer: registrations, controller, assignments, ISR and leaders
    are all in ZooKeeper. Sizes, throttle rates and features are not, so they stay empty; topic
    overrides give ``min.insync.replicas`` and unclean leader election where a topic sets them
    (broker defaults are not in ZooKeeper, so Kafka's defaults stand in).
    """
    brokers = [BrokerState(b.id, b.rack, b.host, b.port) for b in zookeeper.brokers()]
    parts = zookeeper.partitions()
    topics = []
    for name in sorted({p.partition.topic for p in parts}):
        overrides = zookeeper.topic_configs(name)
        topics.append(
            TopicState(
                name,
                min_insync_replicas=int(overrides.get("min.insync.replicas", "1")),
                unclean_leader_election=overrides.get("unclean.leader.election.enable") == "true",
                leader_throttled_replicas=overrides.get(
                    "leader.replication.throttled.replicas", ""
                ),
                follower_throttled_replicas=overrides.get(
                    "follower.replication.throttled.replicas", ""
                ),
                internal=name.startswith("__"),
            )
        )
    return ClusterSnapshot(
        cluster_id=zookeeper.cluster_id(),
        mode=ClusterMode.ZOOKEEPER,
        brokers=brokers,
        controller=zookeeper.controller(),
        partitions=[
            PartitionState(p.partition, p.replicas, p.isr, p.leader, p.adding, p.removing)
            for p in parts
        ],
        topics=topics,
    )
