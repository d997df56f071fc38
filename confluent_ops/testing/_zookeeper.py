"""Real ZooKeeper servers on 127.0.0.1: one standalone server or a three-server quorum.

The servers are ZooKeeper 3.8.4, whose server classes ship among Kafka 3.9's own jars (with the
Netty and logging jars they need), run with ``java`` directly: the testbed resolves those jars
anyway, so no ZooKeeper package is installed. A server counts as started when it answers
the ``srvr`` four-letter word with its ``Mode:`` (``ruok`` answers before the quorum exists).
With TLS the servers also listen on a secure client port that requires client certificates.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from confluent_ops.errors import InvalidInput, NotReady, TestbedError, WaitTimedOut
from confluent_ops.testing._jvm import write_logging_configs, write_properties
from confluent_ops.testing._processes import (
    ManagedProcess,
    find_java,
    free_port,
    lost_port_race,
    make_workdir,
    probe_port,
    remove_workdir,
    wait_until_serving,
)
from confluent_ops.testing._resolve import resolve_kafka
from confluent_ops.testing._tls import TestbedTls
from confluent_ops.waiting import WaitPolicy, wait_until

__all__ = ["ZOOKEEPER_FROM_KAFKA", "ZooKeeperEnsemble", "four_letter_word"]

ZOOKEEPER_FROM_KAFKA = "3.9.1"
"""The Kafka version whose jars carry the ZooKeeper server (3.8.4) the ensembles run."""

_START_ATTEMPTS = 3


def four_letter_word(port: int, word: str = "srvr", *, timeout: float = 2.0) -> str:
    """Send a four-letter word to the server at ``127.0.0.1:port``; its answer, or ``""``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(word.encode("ascii"))
            chunks = []
            while chunk := connection.recv(4096):
                chunks.append(chunk)
    except OSError:
        return ""
    return b"".join(chunks).decode("utf-8", errors="replace")


class _Server:
    def __init__(self, server_id: int, folder: Path, ports: dict[str, int]) -> None:
        self.server_id = server_id
        self.folder = folder
        self.ports = ports
        self.process: ManagedProcess | None = None

    @property
    def name(self) -> str:
        return f"zookeeper-{self.server_id}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running

    def serves(self) -> bool:
        return self.mode() is not None

    def mode(self) -> str | None:
        """``leader``, ``follower`` or ``standalone`` once serving; ``None`` before."""
        for line in four_letter_word(self.ports["client"]).splitlines():
            if line.startswith("Mode:"):
                return line.removeprefix("Mode:").strip()
        return None


class ZooKeeperEnsemble:
    """``servers`` (1 or 3) real ZooKeeper servers with ids ``1..servers``; stopped on exit.

    ``hosts`` is the plain connect string; with ``tls`` (``True`` for a fresh CA, or a
    :class:`TestbedTls`) ``secure_hosts`` is the TLS one, where clients must present a
    certificate from that CA (the plain port stays, for the four-letter words).
    """

    def __init__(
        self,
        servers: int = 1,
        *,
        tls: bool | TestbedTls = False,
        heap_mb: int = 128,
        ready_timeout: float = 60.0,
        base_port: int | None = None,
        workdir: str | Path | None = None,
    ) -> None:
        if servers not in (1, 3):
            raise InvalidInput(f"an ensemble here has 1 or 3 servers, not {servers}")
        self._count = servers
        self._tls_arg = tls
        self.tls: TestbedTls | None = tls if isinstance(tls, TestbedTls) else None
        self._heap_mb = heap_mb
        self.ready_timeout = ready_timeout
        self._base_port = base_port
        self._workdir_arg = Path(workdir) if workdir is not None else None
        self.workdir = Path()
        self._temporary = False
        self._servers: dict[int, _Server] = {}
        self._java = ""
        self._classpath = ""

    def __enter__(self) -> ZooKeeperEnsemble:
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
        """Start every server and wait until each answers ``srvr`` with a mode (one leader)."""
        self._java = find_java()
        self._classpath = resolve_kafka(ZOOKEEPER_FROM_KAFKA).classpath
        self.workdir, self._temporary = make_workdir(
            self._workdir_arg, prefix="confluent-ops-zookeeper-"
        )
        try:
            if self._tls_arg is True:
                self.tls = TestbedTls.create(self.workdir / "tls")
            self._start_all()
        except BaseException as failure:  # an interrupt is no failure: nothing to keep
            self.close(keep_files=isinstance(failure, Exception))
            raise

    def close(self, *, keep_files: bool = False) -> None:
        """Stop every server (SIGTERM, then SIGKILL after a grace period)."""
        for server in self._servers.values():
            if server.process is not None:
                server.process.stop(grace=10.0)
                server.process = None
        if self._temporary and not keep_files:
            remove_workdir(self.workdir)

    # -- what callers use ----------------------------------------------------------------

    @property
    def hosts(self) -> str:
        """``127.0.0.1:P,...``: the plain client port of every server."""
        return ",".join(f"127.0.0.1:{s.ports['client']}" for s in self._servers.values())

    @property
    def secure_hosts(self) -> str:
        """The TLS client port of every server (client certificates required)."""
        if self.tls is None:
            raise InvalidInput("this ensemble was started without TLS")
        return ",".join(f"127.0.0.1:{s.ports['secure']}" for s in self._servers.values())

    @property
    def server_ids(self) -> tuple[int, ...]:
        return tuple(self._servers)

    def client_port(self, server_id: int) -> int:
        return self._server(server_id).ports["client"]

    def mode(self, server_id: int) -> str | None:
        """What server ``server_id`` says it is (``leader``, ``follower``, ``standalone``)."""
        return self._server(server_id).mode()

    def leader(self) -> int | None:
        """The id of the server that says it leads (the standalone server of a single one)."""
        for server in self._servers.values():
            if server.running and server.mode() in ("leader", "standalone"):
                return server.server_id
        return None

    def wait_for_leader(self, *, timeout: float = 30.0, not_in: Sequence[int] = ()) -> int:
        """Wait until a server outside ``not_in`` leads; its id."""
        found: list[int] = []

        def elected() -> bool:
            leader = self.leader()
            if leader is not None and leader not in not_in:
                found.append(leader)
                return True
            return False

        try:
            wait_until(elected, policy=WaitPolicy.bounded(timeout, interval=0.2), what="a leader")
        except WaitTimedOut:
            raise NotReady(
                "ensemble", f"no leader elected within {timeout:.0f} s", self.log_tails()
            ) from None
        return found[-1]

    def stop_server(self, server_id: int) -> int | None:
        return self._running(server_id).stop(grace=10.0)

    def kill_server(self, server_id: int) -> int | None:
        return self._running(server_id).kill()

    def start_server(
        self, server_id: int, *, timeout: float | None = None, wait: bool = True
    ) -> None:
        """Start a stopped server again on its ports and data; returns once it serves
        (or at once with ``wait=False``)."""
        server = self._server(server_id)
        if server.running:
            raise TestbedError(f"{server.name} is running")
        for purpose, port in server.ports.items():
            probe_port(port, f"{purpose} port of {server.name}")
        self._launch(server)
        if wait:
            self._wait_ready([server], timeout or self.ready_timeout)

    def is_running(self, server_id: int) -> bool:
        """Whether the server's process runs now (serving or not)."""
        return self._server(server_id).running

    def address_of(self, server_id: int) -> str:
        """The server's plain client address, ``127.0.0.1:P``."""
        return f"127.0.0.1:{self.client_port(server_id)}"

    def log_path(self, server_id: int) -> Path:
        return self._server(server_id).folder / "process.log"

    def pids(self) -> tuple[int, ...]:
        return tuple(
            s.process.pid for s in self._servers.values() if s.process is not None and s.running
        )

    def log_tails(self, lines: int = 30) -> str:
        parts = []
        for server in self._servers.values():
            if server.process is not None:
                parts.append(f"--- {server.name} ({server.process.log_path}) ---")
                parts.append(server.process.log_tail(lines))
        return "\n".join(parts)

    # -- internals -----------------------------------------------------------------------

    def _server(self, server_id: int) -> _Server:
        try:
            return self._servers[server_id]
        except KeyError:
            known = sorted(self._servers)
            raise InvalidInput(f"no server {server_id} in this ensemble: {known}") from None

    def _running(self, server_id: int) -> ManagedProcess:
        server = self._server(server_id)
        if server.process is None or not server.running:
            raise TestbedError(f"{server.name} is not running")
        return server.process

    def _start_all(self) -> None:
        for attempt in range(1, _START_ATTEMPTS + 1):
            self._servers = {}
            for server_id in range(1, self._count + 1):
                folder = self.workdir / f"zookeeper-{server_id}"
                shutil.rmtree(folder, ignore_errors=True)
                self._servers[server_id] = _Server(server_id, folder, self._allocate_ports())
            for server in self._servers.values():
                self._launch(server)
            try:
                self._wait_ready(list(self._servers.values()), self.ready_timeout)
                return
            except NotReady:
                processes = [s.process for s in self._servers.values() if s.process is not None]
                lost_race = self._base_port is None and lost_port_race(processes)
                if not lost_race or attempt == _START_ATTEMPTS:
                    raise
                for server in self._servers.values():
                    if server.process is not None:
                        server.process.kill()

    def _allocate_ports(self) -> dict[str, int]:
        purposes = ["client", "peer", "election"] + (["secure"] if self._tls_arg else [])
        if self._base_port is None:
            return {purpose: free_port() for purpose in purposes}
        offset = len(self._servers) * len(purposes)
        return {
            purpose: probe_port(self._base_port + offset + index, f"ZooKeeper {purpose} port")
            for index, purpose in enumerate(purposes)
        }

    def _config(self, server: _Server) -> dict[str, str]:
        values = {
            "tickTime": "500",
            "initLimit": "20",
            "syncLimit": "5",
            "dataDir": str(server.folder / "data"),
            "clientPort": str(server.ports["client"]),
            "clientPortAddress": "127.0.0.1",
            "admin.enableServer": "false",
            "4lw.commands.whitelist": "srvr,mntr,ruok,stat",
            "maxClientCnxns": "0",
        }
        if self._count > 1:
            for other in self._servers.values():
                values[f"server.{other.server_id}"] = (
                    f"127.0.0.1:{other.ports['peer']}:{other.ports['election']}"
                )
        if self.tls is not None:
            password = self.tls.password.reveal()
            values |= {
                "secureClientPort": str(server.ports["secure"]),
                "secureClientPortAddress": "127.0.0.1",
                "serverCnxnFactory": "org.apache.zookeeper.server.NettyServerCnxnFactory",
                "ssl.keyStore.location": str(self.tls.server_keystore),
                "ssl.keyStore.password": password,
                "ssl.keyStore.type": "PKCS12",
                "ssl.trustStore.location": str(self.tls.truststore),
                "ssl.trustStore.password": password,
                "ssl.trustStore.type": "PKCS12",
                "ssl.clientAuth": "need",
            }
        return values

    def _launch(self, server: _Server) -> None:
        data = server.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        (data / "myid").write_text(f"{server.server_id}\n", encoding="utf-8")
        config = write_properties(
            server.folder / "zoo.cfg", self._config(server), private=self.tls is not None
        )
        log4j1, _ = write_logging_configs(server.folder / "config")
        command = [
            self._java,
            "-Xms32m",
            f"-Xmx{self._heap_mb}m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:ActiveProcessorCount=1",
            "-Xss512k",
            f"-Dlog4j.configuration=file:{log4j1}",
            "-Dzookeeper.admin.enableServer=false",
            "-cp",
            self._classpath,
            "org.apache.zookeeper.server.quorum.QuorumPeerMain",
            str(config),
        ]
        server.process = ManagedProcess(
            server.name, command, log_path=server.folder / "process.log"
        )

    def _wait_ready(self, servers: Sequence[_Server], timeout: float) -> None:
        wait_until_serving(
            {s.process: s.serves for s in servers if s.process is not None},
            timeout=timeout,
            what="answer srvr with a mode",
        )
