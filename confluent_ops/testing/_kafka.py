"""Real Apache Kafka brokers and controllers on 127.0.0.1, as a context manager.

``LocalKafkaCluster`` starts N brokers (with racks) in KRaft mode, beside one or three dedicated
controllers by default so that stopping any broker never costs the quorum, or with combined
broker-controllers, or in ZooKeeper mode (3.9 only) against a real ZooKeeper. Storage is formatted
by Kafka's own storage tool. A broker counts as started when it answers a metadata request that
lists itself. Brokers can be stopped (SIGTERM: a controlled shutdown), killed (SIGKILL) and
started again, on another version or with other configs, which is what the roll, drain and
upgrade steps are proven against.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import MappingProxyType, TracebackType

import attrs

from confluent_ops.errors import InvalidInput, NotReady, TestbedError, WaitTimedOut
from confluent_ops.model.secret import Secret
from confluent_ops.testing._clients import (
    ClientConfig,
    brokers_seen_by,
    create_scram_users,
    create_topic,
)
from confluent_ops.testing._jvm import jvm_options, write_logging_configs, write_properties
from confluent_ops.testing._processes import (
    ManagedProcess,
    accepts_connections,
    find_java,
    free_port,
    lost_port_race,
    make_workdir,
    probe_port,
    remove_workdir,
    wait_until_serving,
)
from confluent_ops.testing._resolve import (
    DEFAULT_KAFKA_VERSION,
    KafkaDistribution,
    KafkaVersion,
    resolve_kafka,
)
from confluent_ops.testing._tls import TestbedTls
from confluent_ops.testing._zookeeper import ZooKeeperEnsemble
from confluent_ops.tls import (
    JaasLoginModule,
    SaslCredentials,
    SaslMechanism,
    generate_store_password,
)
from confluent_ops.waiting import WaitPolicy, wait_until

__all__ = ["BrokerSpec", "LocalKafkaCluster"]

LISTENERS = ("PLAINTEXT", "SSL", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
CONTROLLER_ID_BASE = 3000
_START_ATTEMPTS = 3


def _frozen_ports(ports: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(ports))


@attrs.frozen
class BrokerSpec:
    """One node of a local cluster: its id, roles, rack and the ports of its listeners."""

    node_id: int
    roles: tuple[str, ...]
    rack: str | None
    ports: Mapping[str, int] = attrs.field(converter=_frozen_ports, hash=False)

    @property
    def is_broker(self) -> bool:
        return "broker" in self.roles

    @property
    def is_controller(self) -> bool:
        return "controller" in self.roles

    @property
    def name(self) -> str:
        return f"broker-{self.node_id}" if self.is_broker else f"controller-{self.node_id}"

    def address(self, listener: str = "PLAINTEXT") -> str:
        return f"127.0.0.1:{self.ports[listener]}"


class _Node:
    """A node's mutable side: the version it runs now, its process, its folder."""

    def __init__(self, spec: BrokerSpec, folder: Path, version: KafkaVersion) -> None:
        self.spec = spec
        self.folder = folder
        self.version = version
        self.process: ManagedProcess | None = None
        self.extra_config: dict[str, str] = {}

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running


class LocalKafkaCluster:
    """A real Kafka cluster of local JVM processes, stopped on exit whatever happens.

    ``brokers`` brokers get ids ``0..brokers-1`` and racks ``zone-a``, ``zone-b``, ... (``racks``
    of them, round robin). In KRaft mode ``controllers`` (1 or 3) dedicated controllers get ids
    from 3000, unless ``combined`` makes brokers ``0..controllers-1`` controllers too. With
    ``zookeeper=True`` (Kafka 3.9 only) a one-server :class:`ZooKeeperEnsemble` is started for the
    cluster; pass an ensemble to share one. ``version`` defaults to 4.1.1 (3.9.1 in ZooKeeper
    mode). ``listeners`` adds ``SSL`` (client certificates required) and ``SASL_SSL`` (PLAIN and
    SCRAM) beside ``PLAINTEXT``, which brokers always keep for their own traffic.
    ``broker_config`` and ``controller_config`` add properties to every broker or controller
    (an authorizer must be on both in KRaft: brokers forward admin requests to controllers).
    ``log_dirs_per_broker`` gives each broker that many log directories (JBOD), folders
    ``data-0``, ``data-1``, ... of its folder (:meth:`log_dirs_of` lists them); with one, the
    folder is ``data``.
    """

    def __init__(
        self,
        brokers: int = 3,
        *,
        version: str | KafkaVersion | None = None,
        racks: int = 1,
        controllers: int = 1,
        combined: bool = False,
        zookeeper: bool | ZooKeeperEnsemble = False,
        listeners: Sequence[str] = ("PLAINTEXT",),
        sasl_users: Mapping[str, Secret] | None = None,
        tls: TestbedTls | None = None,
        broker_config: Mapping[str, object] | None = None,
        controller_config: Mapping[str, object] | None = None,
        log_dirs_per_broker: int = 1,
        heap_mb: int = 256,
        controller_heap_mb: int = 192,
        ready_timeout: float = 90.0,
        base_port: int | None = None,
        workdir: str | Path | None = None,
        cache: Path | None = None,
    ) -> None:
        if brokers < 1:
            raise InvalidInput(f"a cluster needs at least one broker, not {brokers}")
        if racks < 1:
            raise InvalidInput(f"racks must be at least 1, not {racks}")
        if not 1 <= log_dirs_per_broker <= 16:
            raise InvalidInput(f"log dirs per broker must be 1..16, not {log_dirs_per_broker}")
        self.log_dirs_per_broker = log_dirs_per_broker
        unknown = sorted(set(listeners) - set(LISTENERS))
        if unknown:
            raise InvalidInput(f"unknown listener(s) {unknown}; known: {list(LISTENERS)}")
        self.zookeeper_mode = zookeeper is not False
        if not self.zookeeper_mode and controllers not in (1, 3):
            raise InvalidInput(f"a KRaft quorum here has 1 or 3 controllers, not {controllers}")
        if combined and controllers > brokers:
            raise InvalidInput(f"{controllers} combined controllers need as many brokers")
        chosen = version or ("3.9.1" if self.zookeeper_mode else DEFAULT_KAFKA_VERSION)
        self.version = chosen if isinstance(chosen, KafkaVersion) else KafkaVersion.parse(chosen)
        if self.zookeeper_mode and not self.version.supports_zookeeper:
            raise InvalidInput(f"Kafka {self.version} has no ZooKeeper mode (it ended with 3.9)")
        self._broker_count = brokers
        self._racks = racks
        self._controllers = 0 if self.zookeeper_mode else controllers
        self._combined = combined and not self.zookeeper_mode
        self._zookeeper_arg = zookeeper
        self.listeners = ("PLAINTEXT", *sorted(set(listeners) - {"PLAINTEXT"}))
        self.sasl_users: dict[str, Secret] = dict(sasl_users or {})
        if "SASL_SSL" in self.listeners and not self.sasl_users:
            self.sasl_users = {"admin": generate_store_password()}
        self.tls: TestbedTls | None = tls if self._secure else None
        self._broker_config = {
            key: _property(value) for key, value in (broker_config or {}).items()
        }
        self._controller_config = {
            key: _property(value) for key, value in (controller_config or {}).items()
        }
        self._heap_mb = heap_mb
        self._controller_heap_mb = controller_heap_mb
        self.ready_timeout = ready_timeout
        self._base_port = base_port
        self._workdir_arg = Path(workdir) if workdir is not None else None
        self._cache = cache
        self.workdir = Path()
        self.cluster_id = _random_cluster_id()
        self.ensemble: ZooKeeperEnsemble | None = None
        self._own_ensemble = False
        self._nodes: dict[int, _Node] = {}
        self._distributions: dict[KafkaVersion, KafkaDistribution] = {}
        self._java = ""
        self._logging: tuple[Path, Path] = (Path(), Path())
        self._temporary = False

    # -- the context manager -------------------------------------------------------------

    def __enter__(self) -> LocalKafkaCluster:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close(keep_files=exc_type is not None and issubclass(exc_type, Exception))

    def start(self) -> None:
        """Resolve the jars, format storage, start every node and wait until all brokers serve."""
        self._java = find_java()
        self._distributions[self.version] = resolve_kafka(self.version, cache=self._cache)
        self.workdir, self._temporary = make_workdir(
            self._workdir_arg, prefix="confluent-ops-kafka-"
        )
        try:
            self._logging = write_logging_configs(self.workdir / "config")
            if self.tls is None and self._secure:
                self.tls = TestbedTls.create(self.workdir / "tls")
            if self.zookeeper_mode:
                self._start_ensemble()
            self._start_all()
            if "SASL_SSL" in self.listeners:
                create_scram_users(
                    self.bootstrap_servers,
                    {user: secret.reveal() for user, secret in self.sasl_users.items()},
                )
        except BaseException as failure:  # an interrupt is no failure: nothing to keep
            self.close(keep_files=isinstance(failure, Exception))
            raise

    def close(self, *, keep_files: bool = False) -> None:
        """Stop brokers (controlled shutdown), then controllers, then ZooKeeper.

        Brokers beside dedicated controllers stop together: the quorum stays up for each one's
        controlled shutdown. In ZooKeeper mode the controller is itself a broker, so they stop
        one by one. Combined nodes lose the quorum they shut down through, so their grace is
        short: the cluster is being discarded, and the SIGKILL that follows is harmless.
        """
        brokers = [n.process for n in self._nodes.values() if n.spec.roles == ("broker",)]
        running = [process for process in brokers if process is not None]
        if self.zookeeper_mode:
            for process in running:
                process.stop(grace=30.0)
        else:
            _stop_together(running)
        combined = [n.process for n in self._nodes.values() if len(n.spec.roles) == 2]
        _stop_together([process for process in combined if process is not None], grace=5.0)
        controllers = [n.process for n in self._nodes.values() if not n.spec.is_broker]
        _stop_together([process for process in controllers if process is not None])
        for node in self._nodes.values():
            node.process = None
        if self.ensemble is not None and self._own_ensemble:
            self.ensemble.close(keep_files=keep_files)
            self.ensemble = None
        if self._temporary and not keep_files:
            remove_workdir(self.workdir)

    # -- what callers use ----------------------------------------------------------------

    @property
    def bootstrap_servers(self) -> str:
        """``127.0.0.1:P,...``: the PLAINTEXT listener of every broker."""
        return self.bootstrap_for("PLAINTEXT")

    def bootstrap_for(self, listener: str) -> str:
        """The bootstrap list of one listener (``PLAINTEXT``, ``SSL`` or ``SASL_SSL``)."""
        if listener not in self.listeners:
            raise InvalidInput(f"this cluster has no {listener} listener: {list(self.listeners)}")
        return ",".join(spec.address(listener) for spec in self.broker_specs)

    @property
    def broker_ids(self) -> tuple[int, ...]:
        return tuple(spec.node_id for spec in self.broker_specs)

    @property
    def broker_specs(self) -> tuple[BrokerSpec, ...]:
        return tuple(node.spec for node in self._nodes.values() if node.spec.is_broker)

    @property
    def controller_ids(self) -> tuple[int, ...]:
        return tuple(node.spec.node_id for node in self._nodes.values() if node.spec.is_controller)

    def running_broker_ids(self) -> tuple[int, ...]:
        return tuple(
            node.spec.node_id
            for node in self._nodes.values()
            if node.spec.is_broker and node.running
        )

    def is_running(self, node_id: int) -> bool:
        """Whether node ``node_id``'s process runs now (serving or not)."""
        return self._node(node_id).running

    def version_of(self, node_id: int) -> KafkaVersion:
        """The Kafka version node ``node_id`` runs (or last ran)."""
        return self._node(node_id).version

    def pid_of(self, node_id: int) -> int | None:
        process = self._node(node_id).process
        return process.pid if process is not None and process.running else None

    def pids(self) -> tuple[int, ...]:
        """Every process of the cluster that runs now (ZooKeeper's included)."""
        own = tuple(
            node.process.pid
            for node in self._nodes.values()
            if node.process is not None and node.process.running
        )
        return own + (self.ensemble.pids() if self.ensemble and self._own_ensemble else ())

    def client_config(
        self, listener: str = "PLAINTEXT", *, user: str | None = None, mechanism: str = "PLAIN"
    ) -> ClientConfig:
        """A confluent-kafka configuration that reaches this cluster on ``listener``.

        The result holds the SASL password in clear (a client library needs it): hand it to a
        client, never to a log.
        """
        config: ClientConfig = {"bootstrap.servers": self.bootstrap_for(listener)}
        if listener == "PLAINTEXT":
            return config
        assert self.tls is not None
        config |= {"security.protocol": listener, "ssl.ca.location": str(self.tls.ca_crt)}
        if listener == "SSL":
            config |= {
                "ssl.certificate.location": str(self.tls.client_crt),
                "ssl.key.location": str(self.tls.client_key),
            }
            return config
        name = user or next(iter(self.sasl_users))
        if mechanism not in SASL_MECHANISMS:
            raise InvalidInput(f"unknown SASL mechanism {mechanism}; known: {SASL_MECHANISMS}")
        return config | {
            "sasl.mechanism": mechanism,
            "sasl.username": name,
            "sasl.password": self.sasl_users[name].reveal(),
        }

    def create_topic(
        self,
        name: str,
        *,
        partitions: int = 1,
        replication_factor: int | None = None,
        config: Mapping[str, object] | None = None,
        assignment: Sequence[Sequence[int]] | None = None,
    ) -> None:
        """Create a topic (on up to 3 replicas by default); returns once it has leaders.

        ``assignment`` lists each partition's replicas (the first leads), as
        ``kafka-topics --replica-assignment`` takes them: ``[[0, 1], [1, 2], ...]``.
        """
        if assignment is not None:
            brokers = set(self.broker_ids)
            for replicas in assignment:
                unknown = sorted(set(replicas) - brokers)
                if not replicas or unknown or len(set(replicas)) != len(replicas):
                    raise InvalidInput(
                        f"replica list {list(replicas)} must name distinct brokers of "
                        f"{sorted(brokers)}"
                    )
        create_topic(
            self.client_config(),
            name,
            partitions=partitions,
            replication_factor=replication_factor or min(3, len(self.broker_ids)),
            config={key: _property(value) for key, value in (config or {}).items()},
            assignment=assignment,
        )

    def run_tool(
        self,
        main_class: str,
        *args: str,
        version: str | KafkaVersion | None = None,
        timeout: float = 120.0,
    ) -> subprocess.CompletedProcess[str]:
        """Run one of Kafka's command-line tools by class, from ``version``'s jars.

        For example ``run_tool("org.apache.kafka.tools.FeatureCommand", "--bootstrap-server",
        cluster.bootstrap_servers, "describe")``. The result is returned whatever its exit code,
        so that a test can assert on a refusal too.
        """
        chosen = version or self.version
        wanted = chosen if isinstance(chosen, KafkaVersion) else KafkaVersion.parse(chosen)
        tools_logs = self.workdir / "tools"
        command = [
            self._java or find_java(),
            *jvm_options(heap_mb=128, logging=self._logging, logs_dir=tools_logs),
            "-cp",
            self._distribution(wanted).classpath,
            main_class,
            *args,
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)

    def stop_broker(self, node_id: int, *, timeout: float = 60.0) -> int | None:
        """SIGTERM: the broker's controlled shutdown (it hands over its leaderships first)."""
        process = self._running_process(node_id)
        return process.stop(grace=timeout)

    def kill_broker(self, node_id: int) -> int | None:
        """SIGKILL: a crash; the controller notices when the broker's session expires."""
        return self._running_process(node_id).kill()

    def start_broker(
        self,
        node_id: int,
        *,
        version: str | KafkaVersion | None = None,
        config: Mapping[str, object] | None = None,
        timeout: float | None = None,
        wait: bool = True,
    ) -> None:
        """Start a stopped broker (or controller) again, on ``version`` and with ``config``.

        ``config`` replaces the extra properties given at the last start of this broker (the
        cluster's ``broker_config`` always applies). Returns when the broker answers metadata
        listing itself, or at once with ``wait=False`` (a step waits its own way).
        """
        node = self._node(node_id)
        if node.running:
            raise TestbedError(f"{node.spec.name} is running; stop or kill it first")
        if version is not None:
            wanted = version if isinstance(version, KafkaVersion) else KafkaVersion.parse(version)
            if self.zookeeper_mode and not wanted.supports_zookeeper:
                raise InvalidInput(f"Kafka {wanted} cannot join a ZooKeeper-mode cluster")
            self._distribution(wanted)
            node.version = wanted
        if config is not None:
            node.extra_config = {key: _property(value) for key, value in config.items()}
        for listener, port in node.spec.ports.items():
            probe_port(port, f"{listener} listener of {node.spec.name}")
        self._launch(node)
        if wait:
            self._wait_ready([node], timeout or self.ready_timeout)

    def add_broker(
        self,
        *,
        rack: str | None = None,
        version: str | KafkaVersion | None = None,
        config: Mapping[str, object] | None = None,
        timeout: float | None = None,
        wait: bool = True,
    ) -> int:
        """Start a new, empty broker (a scale-out) and return its id once it serves.

        With ``wait=False`` it returns once the broker is launched (a step waits its own way).

        Its id is one above the highest broker id; ``rack`` defaults to the next of the
        cluster's racks, ``version`` to the cluster's. In KRaft mode its storage is formatted
        with the cluster's id first, as a new broker's must be.
        """
        if not self._nodes:
            raise TestbedError("the cluster is not started")
        wanted = version if version is not None else self.version
        chosen = wanted if isinstance(wanted, KafkaVersion) else KafkaVersion.parse(wanted)
        if self.zookeeper_mode and not chosen.supports_zookeeper:
            raise InvalidInput(f"Kafka {chosen} cannot join a ZooKeeper-mode cluster")
        self._distribution(chosen)
        node_id = max(self.broker_ids) + 1
        for attempt in range(1, _START_ATTEMPTS + 1):
            ports = _Ports(None)
            spec = BrokerSpec(
                node_id,
                ("broker",),
                rack if rack is not None else self._rack_for(node_id),
                {name: next(ports) for name in self.listeners},
            )
            folder = self.workdir / spec.name
            shutil.rmtree(folder, ignore_errors=True)
            node = _Node(spec, folder, chosen)
            node.extra_config = {key: _property(value) for key, value in (config or {}).items()}
            self._nodes[node_id] = node
            if not self.zookeeper_mode:
                failure = self._format(node)
                if failure is not None:
                    del self._nodes[node_id]
                    raise failure
            self._launch(node)
            if not wait:
                return node_id
            try:
                self._wait_ready([node], timeout or self.ready_timeout)
                return node_id
            except NotReady:
                lost = node.process is not None and lost_port_race([node.process])
                if node.process is not None:
                    node.process.stop(grace=10.0)
                if not lost or attempt == _START_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def remove_broker(self, node_id: int, *, timeout: float = 60.0) -> None:
        """Take a broker out for good: stop it (controlled shutdown) and unregister it.

        In KRaft mode the broker is unregistered with Kafka's own ``kafka-cluster unregister``,
        so the cluster forgets it as a decommissioned broker. Move its replicas off first (a
        scale-in): a replica left on it stays offline.
        """
        node = self._node(node_id)
        if not node.spec.is_broker or node.spec.is_controller:
            raise InvalidInput(f"{node.spec.name} is not a plain broker; it cannot be removed")
        if node.running:
            self.stop_broker(node_id, timeout=timeout)
        if not self.zookeeper_mode:
            others = [n for n in self._nodes.values() if n.spec.is_broker and n.running]
            if not others:
                raise TestbedError("no broker is left running to unregister the broker with")
            result = self.run_tool(
                "org.apache.kafka.tools.ClusterTool",
                "unregister",
                "--bootstrap-server",
                ",".join(n.spec.address() for n in others if n.spec.node_id != node_id),
                "--id",
                str(node_id),
            )
            if result.returncode != 0:
                raise TestbedError(
                    f"kafka-cluster unregister --id {node_id} failed: "
                    + " ".join((result.stdout + result.stderr).split())[-300:]
                )
        del self._nodes[node_id]

    def wait_for_brokers(self, ids: Iterable[int], *, timeout: float = 30.0) -> None:
        """Wait until the cluster's metadata lists exactly the brokers ``ids``.

        After a kill the controller fences the broker only when its session expires (6 s here);
        tests that need the cluster's own view to agree wait on this rather than sleeping.
        """
        wanted = frozenset(ids)
        running = self.running_broker_ids()
        if not running:
            raise TestbedError("no broker is running to ask")
        bootstrap = ",".join(self._node(i).spec.address() for i in running)
        try:
            wait_until(
                lambda: brokers_seen_by(bootstrap) == wanted,
                policy=WaitPolicy.bounded(timeout, interval=0.2),
                what=f"metadata to list brokers {sorted(wanted)}",
            )
        except WaitTimedOut:
            seen = sorted(brokers_seen_by(bootstrap))
            raise NotReady("cluster", f"metadata lists {seen}, not {sorted(wanted)}", "") from None

    def log_tails(self, lines: int = 30) -> str:
        """The last lines of every process's log: what a failing test shows."""
        parts = []
        for node in self._nodes.values():
            if node.process is not None:
                parts.append(f"--- {node.spec.name} ({node.process.log_path}) ---")
                parts.append(node.process.log_tail(lines))
        if self.ensemble is not None and self._own_ensemble:
            parts.append(self.ensemble.log_tails(lines))
        return "\n".join(parts)

    def log_path(self, node_id: int) -> Path:
        return self._node(node_id).folder / "process.log"

    def log_dirs_of(self, node_id: int) -> tuple[Path, ...]:
        """The log directories (``log.dirs``) of node ``node_id``, as the broker names them."""
        node = self._node(node_id)
        count = self.log_dirs_per_broker if node.spec.is_broker else 1
        if count == 1:
            return (node.folder / "data",)
        return tuple(node.folder / f"data-{index}" for index in range(count))

    # -- internals -----------------------------------------------------------------------

    @property
    def _secure(self) -> bool:
        """Whether a listener needs TLS material (SSL and SASL_SSL both do)."""
        return self.listeners != ("PLAINTEXT",)

    def _node(self, node_id: int) -> _Node:
        try:
            return self._nodes[node_id]
        except KeyError:
            raise InvalidInput(
                f"no node {node_id} in this cluster: {sorted(self._nodes)}"
            ) from None

    def _running_process(self, node_id: int) -> ManagedProcess:
        node = self._node(node_id)
        if node.process is None or not node.process.running:
            raise TestbedError(f"{node.spec.name} is not running")
        return node.process

    def _distribution(self, version: KafkaVersion) -> KafkaDistribution:
        if version not in self._distributions:
            self._distributions[version] = resolve_kafka(version, cache=self._cache)
        return self._distributions[version]

    def _start_ensemble(self) -> None:
        if isinstance(self._zookeeper_arg, ZooKeeperEnsemble):
            self.ensemble = self._zookeeper_arg
            return
        self.ensemble = ZooKeeperEnsemble(1, workdir=self.workdir / "zookeeper")
        self._own_ensemble = True
        self.ensemble.start()

    def _start_all(self) -> None:
        """Lay out, format and start every node; on a lost port race, start over on new ports."""
        for attempt in range(1, _START_ATTEMPTS + 1):
            self._nodes = {}
            for spec in self._plan_nodes():
                folder = self.workdir / spec.name
                shutil.rmtree(folder, ignore_errors=True)
                self._nodes[spec.node_id] = _Node(spec, folder, self.version)
            if not self.zookeeper_mode:
                self._format_all()
            for node in self._nodes.values():
                self._launch(node)
            try:
                self._wait_ready(list(self._nodes.values()), self.ready_timeout)
                return
            except NotReady:
                processes = [n.process for n in self._nodes.values() if n.process is not None]
                lost_race = self._base_port is None and lost_port_race(processes)
                if not lost_race or attempt == _START_ATTEMPTS:
                    raise
                _stop_together(processes)

    def _plan_nodes(self) -> list[BrokerSpec]:
        ports = _Ports(self._base_port)
        specs = []
        for index in range(self._broker_count):
            roles: tuple[str, ...] = ("broker",)
            if self._combined and index < self._controllers:
                roles = ("broker", "controller")
            listener_ports = {name: next(ports) for name in self.listeners}
            if "controller" in roles:
                listener_ports["CONTROLLER"] = next(ports)
            specs.append(BrokerSpec(index, roles, self._rack_for(index), listener_ports))
        if not self._combined:
            for index in range(self._controllers):
                node_id = CONTROLLER_ID_BASE + index
                specs.append(
                    BrokerSpec(node_id, ("controller",), None, {"CONTROLLER": next(ports)})
                )
        return specs

    def _rack_for(self, node_id: int) -> str:
        return f"zone-{chr(ord('a') + node_id % self._racks)}"

    def _quorum_voters(self) -> str:
        return ",".join(
            f"{node.spec.node_id}@{node.spec.address('CONTROLLER')}"
            for node in self._nodes.values()
            if node.spec.is_controller
        )

    def _properties(self, node: _Node) -> dict[str, str]:
        spec = node.spec
        values: dict[str, str] = {}
        listeners = {name: port for name, port in spec.ports.items() if name != "CONTROLLER"}
        protocol_map = {name: name for name in listeners}
        if self.zookeeper_mode:
            assert self.ensemble is not None
            values["broker.id"] = str(spec.node_id)
            values["zookeeper.connect"] = f"{self.ensemble.hosts}/kafka-{self.cluster_id}"
            # the last broker of a partition can never hand over its leadership: retry briefly
            values["controlled.shutdown.retry.backoff.ms"] = "1000"
        else:
            values["process.roles"] = ",".join(spec.roles)
            values["node.id"] = str(spec.node_id)
            values["controller.quorum.voters"] = self._quorum_voters()
            values["controller.listener.names"] = "CONTROLLER"
            protocol_map["CONTROLLER"] = "PLAINTEXT"
        all_listeners = dict(listeners)
        if spec.is_controller:
            all_listeners["CONTROLLER"] = spec.ports["CONTROLLER"]
        values["listeners"] = ",".join(f"{n}://127.0.0.1:{p}" for n, p in all_listeners.items())
        values["listener.security.protocol.map"] = ",".join(
            f"{k}:{v}" for k, v in protocol_map.items()
        )
        values["log.dirs"] = ",".join(str(path) for path in self.log_dirs_of(spec.node_id))
        values["num.network.threads"] = "2"
        values["num.io.threads"] = "2"
        values["background.threads"] = "2"
        values["num.recovery.threads.per.data.dir"] = "1"
        values["broker.session.timeout.ms"] = "6000"
        if spec.is_broker:
            values |= self._broker_properties(node, listeners)
        if self.tls is not None and spec.is_broker:
            values |= self._security_properties()
        values |= self._broker_config if spec.is_broker else {}
        values |= self._controller_config if spec.is_controller else {}
        values |= node.extra_config
        return values

    def _broker_properties(self, node: _Node, listeners: Mapping[str, int]) -> dict[str, str]:
        replicas = str(min(3, self._broker_count))
        min_isr = str(min(2, self._broker_count))
        values = {
            "advertised.listeners": ",".join(f"{n}://127.0.0.1:{p}" for n, p in listeners.items()),
            "inter.broker.listener.name": "PLAINTEXT",
            "num.replica.fetchers": "1",
            "log.cleaner.threads": "1",
            "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
            "offsets.topic.num.partitions": "4",
            "offsets.topic.replication.factor": replicas,
            "transaction.state.log.num.partitions": "4",
            "transaction.state.log.replication.factor": replicas,
            "transaction.state.log.min.isr": min_isr,
            "group.initial.rebalance.delay.ms": "0",
            "broker.heartbeat.interval.ms": "500",
        }
        if node.spec.rack is not None:
            values["broker.rack"] = node.spec.rack
        if node.version.major >= 4:
            values["share.coordinator.state.topic.replication.factor"] = replicas
            values["share.coordinator.state.topic.min.isr"] = min_isr
        return values

    def _security_properties(self) -> dict[str, str]:
        assert self.tls is not None
        password = self.tls.password.reveal()
        values = {
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.location": str(self.tls.server_keystore),
            "ssl.keystore.password": password,
            "ssl.key.password": password,
            "ssl.truststore.type": "PKCS12",
            "ssl.truststore.location": str(self.tls.truststore),
            "ssl.truststore.password": password,
        }
        if "SSL" in self.listeners:
            values["listener.name.ssl.ssl.client.auth"] = "required"
        if "SASL_SSL" in self.listeners:
            users = [
                SaslCredentials.plain(name, secret) for name, secret in self.sasl_users.items()
            ]
            values["sasl.enabled.mechanisms"] = ",".join(SASL_MECHANISMS)
            for mechanism in SaslMechanism:  # PLAIN lists its users; SCRAM reads the metadata
                key = f"listener.name.sasl_ssl.{mechanism.value.lower()}.sasl.jaas.config"
                module = JaasLoginModule.for_broker(mechanism, users=users)
                values[key] = module.to_jaas_config()
        return values

    def _config_path(self, node: _Node) -> Path:
        return write_properties(
            node.folder / "server.properties", self._properties(node), private=self.tls is not None
        )

    def _format_all(self) -> None:
        """Format every node's storage with Kafka's own tool, in parallel (one JVM each)."""
        nodes = list(self._nodes.values())
        with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
            failures = [f for f in pool.map(self._format, nodes) if f is not None]
        if failures:
            raise failures[0]

    def _format(self, node: _Node) -> NotReady | None:
        config = self._config_path(node)
        for path in self.log_dirs_of(node.spec.node_id):
            path.mkdir(parents=True, exist_ok=True)
        distribution = self._distribution(node.version)
        command = [
            self._java,
            *jvm_options(heap_mb=128, logging=self._logging, logs_dir=node.folder / "logs"),
            "-cp",
            distribution.classpath,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            self.cluster_id,
            "-c",
            str(config),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip().splitlines()
            return NotReady(
                f"storage of {node.spec.name}",
                "kafka-storage format failed",
                "\n".join(output[-20:]),
            )
        return None

    def _launch(self, node: _Node) -> None:
        config = self._config_path(node)
        (node.folder / "logs").mkdir(parents=True, exist_ok=True)
        distribution = self._distribution(node.version)
        heap = self._heap_mb if node.spec.is_broker else self._controller_heap_mb
        command = [
            self._java,
            *jvm_options(heap_mb=heap, logging=self._logging, logs_dir=node.folder / "logs"),
            "-cp",
            distribution.classpath,
            "kafka.Kafka",
            str(config),
        ]
        log_path = node.folder / "process.log"
        with log_path.open("a", encoding="utf-8") as log:
            log.write(
                f"=== confluent-ops testbed: starting {node.spec.name} on Kafka {node.version}\n"
            )
        node.process = ManagedProcess(node.spec.name, command, log_path=log_path)

    def _wait_ready(self, nodes: Sequence[_Node], timeout: float) -> None:
        """Wait until each broker among ``nodes`` answers metadata listing itself.

        A dedicated controller answers no client metadata; it counts as started once its
        controller listener accepts connections (the brokers' own readiness proves the quorum).
        """

        def serves(spec: BrokerSpec) -> Callable[[], bool]:
            if spec.is_broker:
                return lambda: spec.node_id in brokers_seen_by(spec.address(), timeout=1.0)
            return lambda: accepts_connections(spec.ports["CONTROLLER"])

        wait_until_serving(
            {node.process: serves(node.spec) for node in nodes if node.process is not None},
            timeout=timeout,
            what="answer metadata listing itself",
        )


class _Ports:
    """Ports for a cluster's listeners: free ephemeral ones, or consecutive from a base."""

    def __init__(self, base: int | None) -> None:
        self._next = base

    def __iter__(self) -> _Ports:
        return self

    def __next__(self) -> int:
        if self._next is None:
            return free_port()
        port = probe_port(self._next, "a port of the testbed's range")
        self._next += 1
        return port


def _stop_together(processes: Sequence[ManagedProcess], grace: float = 30.0) -> None:
    """SIGTERM all at once (a cluster stops in the time of its slowest node), then wait."""
    with ThreadPoolExecutor(max_workers=max(1, len(processes))) as pool:
        list(pool.map(lambda process: process.stop(grace=grace), processes))


def _random_cluster_id() -> str:
    """A cluster id as Kafka's ``Uuid.randomUuid`` makes them (base64url, no leading dash)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _property(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
