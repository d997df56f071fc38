"""The local testbed as the steps' :class:`~confluent_ops.ports.BrokerLifecycle` and
:class:`~confluent_ops.ports.EnsembleLifecycle` ports.

A roll, an upgrade or a scale step run on a :class:`LocalKafkaCluster` exactly as they run on
Kubernetes: through these few methods. A node's start does not wait for it to serve (the steps
wait through the cluster, with progress-based deadlines); while it starts, the size of its own
log is the progress figure, since a broker recovering its logs keeps writing about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from confluent_ops.errors import InvalidInput
from confluent_ops.ports import NodeStatus
from confluent_ops.testing._kafka import LocalKafkaCluster
from confluent_ops.testing._zookeeper import ZooKeeperEnsemble

__all__ = ["LocalBrokerLifecycle", "LocalEnsembleLifecycle"]


def _log_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class LocalBrokerLifecycle:
    """The brokers and controllers of a :class:`LocalKafkaCluster`, for the steps."""

    def __init__(self, cluster: LocalKafkaCluster) -> None:
        self.cluster = cluster

    def brokers(self) -> tuple[int, ...]:
        return self.cluster.broker_ids

    def controllers(self) -> tuple[int, ...]:
        return tuple(n for n in self.cluster.controller_ids if n not in self.cluster.broker_ids)

    def status(self, node: int) -> NodeStatus:
        running = self.cluster.is_running(node)
        path = self.cluster.log_path(node)
        return NodeStatus(
            node,
            running,
            str(self.cluster.version_of(node)),
            _log_size(path),
            "running" if running else "stopped",
        )

    def stop(self, node: int) -> None:
        if self.cluster.is_running(node):
            self.cluster.stop_broker(node)

    def start(
        self,
        node: int,
        *,
        version: str | None = None,
        config: Mapping[str, str] | None = None,
    ) -> None:
        if self.cluster.is_running(node):
            raise InvalidInput(f"node {node} is running: stop it first")
        self.cluster.start_broker(node, version=version, config=config, wait=False)

    def add_broker(self, *, rack: str | None = None, version: str | None = None) -> int:
        return self.cluster.add_broker(rack=rack, version=version, wait=False)

    def remove_broker(self, node: int) -> None:
        self.cluster.remove_broker(node)

    def __repr__(self) -> str:
        return f"LocalBrokerLifecycle({self.cluster.bootstrap_servers})"


class LocalEnsembleLifecycle:
    """The servers of a :class:`ZooKeeperEnsemble`, for the ensemble roll."""

    def __init__(self, ensemble: ZooKeeperEnsemble) -> None:
        self.ensemble = ensemble

    def servers(self) -> tuple[int, ...]:
        return self.ensemble.server_ids

    def status(self, server: int) -> NodeStatus:
        running = self.ensemble.is_running(server)
        return NodeStatus(
            server,
            running,
            None,
            _log_size(self.ensemble.log_path(server)),
            "running" if running else "stopped",
            self.ensemble.address_of(server),
        )

    def stop(self, server: int) -> None:
        if self.ensemble.is_running(server):
            self.ensemble.stop_server(server)

    def start(self, server: int) -> None:
        self.ensemble.start_server(server, wait=False)

    def __repr__(self) -> str:
        return f"LocalEnsembleLifecycle({self.ensemble.hosts})"
