"""A :class:`~confluent_ops.ports.BrokerLifecycle` for brokers run some other way: commands.

A cluster managed by hand, by systemd, over ssh, by another operator: each action is a shell
command template (``{node}`` and ``{version}`` are filled in), run with a timeout. The roll,
upgrade and scale steps then run on it as they run on the testbed or Kubernetes. Without a
status command a node counts as running unless this lifecycle stopped it.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterable, Mapping

from confluent_ops.errors import ClusterRequestFailed, InvalidInput
from confluent_ops.ports import NodeStatus

__all__ = ["CommandLifecycle"]

_FIELDS = ("node", "version")


def _check(template: str | None, what: str) -> str | None:
    if template is None:
        return None
    try:
        template.format(node=0, version="x")
    except (KeyError, IndexError, ValueError) as exc:
        raise InvalidInput(
            f"the {what} command may use only {{node}} and {{version}}: {template!r} ({exc})"
        ) from exc
    return template


class CommandLifecycle:
    """Stop, start and check nodes by running shell commands (see the module docstring)."""

    def __init__(
        self,
        *,
        brokers: Iterable[int],
        controllers: Iterable[int] = (),
        stop: str,
        start: str,
        status: str | None = None,
        add: str | None = None,
        remove: str | None = None,
        timeout: float = 600.0,
    ) -> None:
        self._brokers = tuple(sorted(set(brokers)))
        self._controllers = tuple(sorted(set(controllers) - set(self._brokers)))
        if not self._brokers:
            raise InvalidInput("a command lifecycle needs the ids of the brokers it runs")
        self.stop_command = _check(stop, "stop")
        self.start_command = _check(start, "start")
        self.status_command = _check(status, "status")
        self.add_command = _check(add, "add")
        self.remove_command = _check(remove, "remove")
        self.timeout = timeout
        self._stopped: set[int] = set()
        self._versions: dict[int, str] = {}

    def _run(self, template: str | None, what: str, **fields: object) -> str:
        if template is None:
            raise InvalidInput(f"no {what} command was given")
        command = template.format(**{name: fields.get(name, "") for name in _FIELDS})
        try:
            result = subprocess.run(  # noqa: S602 - the operator's own template, run as written
                command,
                shell=True,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ClusterRequestFailed(
                f"{what} command", f"timed out: {shlex.quote(command)}"
            ) from exc
        if result.returncode != 0 and what != "status":
            tail = " ".join((result.stderr or result.stdout).split())[-300:]
            raise ClusterRequestFailed(
                f"{what} command", f"{shlex.quote(command)} exited {result.returncode}: {tail}"
            )
        return "running" if result.returncode == 0 else "stopped"

    def brokers(self) -> tuple[int, ...]:
        return self._brokers

    def controllers(self) -> tuple[int, ...]:
        return self._controllers

    def status(self, node: int) -> NodeStatus:
        if self.status_command is not None:
            running = self._run(self.status_command, "status", node=node) == "running"
        else:
            running = node not in self._stopped
        return NodeStatus(node, running, self._versions.get(node), None, "")

    def stop(self, node: int) -> None:
        self._run(self.stop_command, "stop", node=node)
        self._stopped.add(node)

    def start(
        self,
        node: int,
        *,
        version: str | None = None,
        config: Mapping[str, str] | None = None,
    ) -> None:
        if config:
            raise InvalidInput(
                "a command lifecycle cannot pass broker configs: put them in the start command"
            )
        self._run(self.start_command, "start", node=node, version=version or "")
        self._stopped.discard(node)
        if version is not None:
            self._versions[node] = version

    def add_broker(self, *, rack: str | None = None, version: str | None = None) -> int:
        node = max((*self._brokers, *self._controllers)) + 1
        self._run(self.add_command, "add", node=node, version=version or "")
        self._brokers = (*self._brokers, node)
        return node

    def remove_broker(self, node: int) -> None:
        self._run(self.remove_command, "remove", node=node)
        self._brokers = tuple(b for b in self._brokers if b != node)
