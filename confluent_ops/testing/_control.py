"""A testbed's lifecycle from another process: a small control socket and its client.

The steps reach a cluster's processes through :class:`~confluent_ops.ports.BrokerLifecycle`.
In one process that is :class:`LocalBrokerLifecycle`; a step running in another process (the
``confluent-ops roll`` command against ``confluent-ops testbed kafka``, or a test that kills the
step's own process and runs it again) needs the same methods across a process boundary.
:class:`TestbedControl` serves them on a Unix socket in a private folder (mode 0700: only this
user can reach it), one JSON request per connection; :class:`RemoteBrokerLifecycle` is the
client, a ``BrokerLifecycle`` like any other.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import socketserver
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from confluent_ops.errors import ConfluentOpsError, InvalidInput, TestbedError
from confluent_ops.ports import NodeStatus
from confluent_ops.testing._kafka import LocalKafkaCluster
from confluent_ops.testing._lifecycle import LocalBrokerLifecycle

__all__ = ["RemoteBrokerLifecycle", "TestbedControl"]

_MAX_REQUEST = 64 * 1024


class TestbedControl:
    """Serve a cluster's :class:`LocalBrokerLifecycle` on a Unix socket, until closed.

    ``path`` is where the socket is (in a fresh folder of mode 0700 unless given). Requests are
    served one at a time: the testbed is not made for two changes at once.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, cluster: LocalKafkaCluster, *, path: str | os.PathLike[str] | None = None):
        self.lifecycle = LocalBrokerLifecycle(cluster)
        if path is None:
            folder = Path(tempfile.mkdtemp(prefix="confluent-ops-control-"))
            folder.chmod(0o700)
            self.path = folder / "control.sock"
            self._folder: Path | None = folder
        else:
            self.path = Path(path)
            self._folder = None
        self._lock = threading.Lock()
        self._server: socketserver.UnixStreamServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> TestbedControl:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        control = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                line = self.rfile.readline(_MAX_REQUEST)
                with control._lock:
                    answer = control._answer(line)
                self.wfile.write(json.dumps(answer).encode() + b"\n")

        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._server = socketserver.UnixStreamServer(str(self.path), Handler)
        self.path.chmod(0o600)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="testbed-control", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        if self._folder is not None:
            with contextlib.suppress(OSError):
                self._folder.rmdir()

    def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise InvalidInput("a control request is a JSON object")
            return {"ok": True, "result": self._do(request)}
        except (ConfluentOpsError, ValueError, KeyError, TypeError) as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}

    def _do(self, request: Mapping[str, Any]) -> Any:
        lifecycle = self.lifecycle
        op = request.get("op")
        if op == "brokers":
            return list(lifecycle.brokers())
        if op == "controllers":
            return list(lifecycle.controllers())
        if op == "status":
            status = lifecycle.status(int(request["node"]))
            return {
                "running": status.running,
                "version": status.version,
                "progress": status.progress,
                "detail": status.detail,
            }
        if op == "stop":
            lifecycle.stop(int(request["node"]))
            return None
        if op == "start":
            config = request.get("config")
            lifecycle.start(
                int(request["node"]),
                version=request.get("version"),
                config=dict(config) if config else None,
            )
            return None
        if op == "add_broker":
            return lifecycle.add_broker(rack=request.get("rack"), version=request.get("version"))
        if op == "remove_broker":
            lifecycle.remove_broker(int(request["node"]))
            return None
        raise InvalidInput(f"unknown control operation {op!r}")


class RemoteBrokerLifecycle:
    """A :class:`~confluent_ops.ports.BrokerLifecycle` served by a :class:`TestbedControl`."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 300.0) -> None:
        self.path = Path(path)
        self.timeout = timeout

    def _ask(self, **request: Any) -> Any:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.settimeout(self.timeout)
                connection.connect(str(self.path))
                connection.sendall(json.dumps(request).encode() + b"\n")
                reply = connection.makefile("rb").readline(_MAX_REQUEST)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise TestbedError(
                f"the testbed's control socket {self.path} does not answer ({reason}): "
                "is `confluent-ops testbed kafka` still running?"
            ) from exc
        answer = json.loads(reply)
        if not answer.get("ok"):
            raise TestbedError(f"the testbed refused {request.get('op')}: {answer.get('error')}")
        return answer.get("result")

    def brokers(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self._ask(op="brokers"))

    def controllers(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self._ask(op="controllers"))

    def status(self, node: int) -> NodeStatus:
        seen = self._ask(op="status", node=node)
        return NodeStatus(
            node, bool(seen["running"]), seen["version"], seen["progress"], seen["detail"]
        )

    def stop(self, node: int) -> None:
        self._ask(op="stop", node=node)

    def start(
        self,
        node: int,
        *,
        version: str | None = None,
        config: Mapping[str, str] | None = None,
    ) -> None:
        self._ask(op="start", node=node, version=version, config=dict(config or {}))

    def add_broker(self, *, rack: str | None = None, version: str | None = None) -> int:
        return int(self._ask(op="add_broker", rack=rack, version=version))

    def remove_broker(self, node: int) -> None:
        self._ask(op="remove_broker", node=node)

    def __repr__(self) -> str:
        return f"RemoteBrokerLifecycle({str(self.path)!r})"
