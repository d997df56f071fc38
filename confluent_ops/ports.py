"""The seams between the library and the systems it operates: ``typing.Protocol`` ports.

Steps talk to a cluster only through these protocols. The real adapters
(:mod:`confluent_ops.adapters`) implement them over confluent-kafka, kafka-python and kazoo; the
simulated platform implements them in process; one contract-test suite
(``tests/contract``) holds every implementation to the same behaviour. Every method takes and
returns the plain values of :mod:`confluent_ops.model`, never a client library's objects, and
raises only :mod:`confluent_ops.errors` classes.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs

from confluent_ops.model import (
    ClusterSnapshot,
    ConfigChange,
    ConfigSetting,
    PartitionRates,
    TopicPartition,
)

__all__ = [
    "AppliedObject",
    "BrokerLifecycle",
    "Clock",
    "ConfigChange",
    "EnsembleLifecycle",
    "EnsembleServer",
    "KafkaAdmin",
    "Kube",
    "NodeStatus",
    "StepState",
    "WorkloadStatus",
    "ZooKeeper",
    "ZooKeeperBroker",
    "ZooKeeperMigration",
    "ZooKeeperPartition",
]


@runtime_checkable
class KafkaAdmin(Protocol):
    """Observe and change one Kafka cluster.

    Every call either completes within the adapter's stated timeout or raises
    :class:`~confluent_ops.errors.ClusterUnreachable`; a refused login raises
    :class:`~confluent_ops.errors.AuthenticationFailed`. Actions validate their input against
    the cluster before sending anything.
    """

    def snapshot(self, *, sizes: bool = True) -> ClusterSnapshot:
        """The whole cluster in one value; ``sizes=False`` skips the log-dir query."""
        ...

    def sample_rates(self, *, seconds: float, clock: Clock | None = None) -> PartitionRates:
        """Each partition's bytes in and out per second, from two readings ``seconds`` apart.

        See :meth:`PartitionRates.from_samples` for what is measured and what cannot be seen
        (consumers that commit no offsets); ``clock`` (default: the implementation's own) is
        what the wait between the readings sleeps on. ``seconds`` must be above 0.
        """
        ...

    def broker_configs(
        self, brokers: Iterable[int], names: Iterable[str]
    ) -> Mapping[int, Mapping[str, Sequence[ConfigSetting]]]:
        """Per broker and config name, every layer that sets it, most specific first.

        A layer is a :class:`ConfigSetting` whose source says where it lives (dynamic per
        broker, dynamic cluster default, static); names set nowhere map to an empty sequence.
        """
        ...

    def topic_configs(
        self, topics: Iterable[str], names: Iterable[str]
    ) -> Mapping[str, Mapping[str, ConfigSetting | None]]:
        """Per topic, the dynamic topic-level value of each name (None when not set there)."""
        ...

    def alter_broker_configs(
        self, changes: Mapping[int, ConfigChange], *, default: ConfigChange | None = None
    ) -> None:
        """Apply incremental changes per broker id, and to the cluster-wide dynamic default."""
        ...

    def alter_topic_configs(self, changes: Mapping[str, ConfigChange]) -> None:
        """Apply incremental changes per topic."""
        ...

    def alter_reassignments(
        self, targets: Mapping[TopicPartition, Sequence[int] | None]
    ) -> Mapping[TopicPartition, str | None]:
        """Start (a replica list) or cancel (None) reassignments.

        Returns, for each partition, None when the cluster accepted it or the cluster's reason
        when it refused it; refusals of single partitions are not raised.
        """
        ...

    def alter_replica_log_dirs(
        self, assignments: Mapping[tuple[TopicPartition, int], str]
    ) -> frozenset[tuple[TopicPartition, int]]:
        """Place each replica ``(partition, broker)`` in a log directory of its broker (JBOD).

        A replica its broker hosts moves there: the broker copies it into a *future* replica
        in that directory and swaps it in when caught up (nothing happens if it is there
        already). A replica its broker does not host yet is noted, and created in that
        directory when it arrives: those are returned, to be asked for again until none is
        left, as ``kafka-reassign-partitions`` does after starting a reassignment. A directory
        the broker lacks or has offline raises
        :class:`~confluent_ops.errors.LogDirUnavailable` before anything is sent.
        """
        ...

    def elect_preferred_leaders(
        self, partitions: Iterable[TopicPartition] | None = None
    ) -> Mapping[TopicPartition, str | None]:
        """Preferred leader election; per partition None (elected or already leader) or why not."""
        ...

    def create_topic(
        self,
        name: str,
        *,
        partitions: int = 1,
        replication_factor: int = 1,
        configs: Mapping[str, str] | None = None,
        assignment: Sequence[Sequence[int]] | None = None,
    ) -> None:
        """Create a topic and wait until every partition has a leader.

        ``assignment`` places each partition's replicas (first: the preferred leader) instead
        of ``partitions`` and ``replication_factor``.
        """
        ...

    def delete_topic(self, name: str) -> None:
        """Delete a topic and wait until the cluster no longer lists it."""
        ...

    def update_feature(self, name: str, level: int) -> None:
        """Raise a finalized feature (``metadata.version`` after an upgrade) to ``level``."""
        ...

    def close(self) -> None:
        """Release connections; the adapter is unusable afterwards."""
        ...


@attrs.frozen
class EnsembleServer:
    """One ZooKeeper server as its four-letter words describe it (``srvr``, ``mntr``)."""

    address: str
    reachable: bool
    mode: str | None = None
    latency_avg_ms: float | None = None
    latency_max_ms: float | None = None
    outstanding_requests: int | None = None
    znode_count: int | None = None
    error: str | None = None


@attrs.frozen
class ZooKeeperBroker:
    """A broker registration (``/brokers/ids/N``)."""

    id: int
    host: str
    port: int
    rack: str | None
    endpoints: tuple[str, ...] = ()


@attrs.frozen
class ZooKeeperPartition:
    """A partition's assignment and state as ZooKeeper-mode Kafka keeps it."""

    partition: TopicPartition
    replicas: tuple[int, ...]
    isr: tuple[int, ...]
    leader: int | None
    leader_epoch: int
    controller_epoch: int
    adding: tuple[int, ...] = ()
    removing: tuple[int, ...] = ()


@attrs.frozen
class ZooKeeperMigration:
    """The ZooKeeper-to-KRaft migration record (``/migration``), absent before a migration."""

    started: bool
    kraft_controller_epoch: int | None = None
    kraft_metadata_offset: int | None = None
    kraft_controller_id: int | None = None


@runtime_checkable
class ZooKeeper(Protocol):
    """Read what ZooKeeper-mode Kafka keeps in ZooKeeper, and the ensemble's own health."""

    def ensemble(self) -> tuple[EnsembleServer, ...]:
        """Every server of the connect string, by its four-letter words."""
        ...

    def brokers(self) -> tuple[ZooKeeperBroker, ...]:
        """Registered brokers, sorted by id."""
        ...

    def controller(self) -> int | None:
        """The controller broker id (``/controller``), None while there is none."""
        ...

    def topics(self) -> tuple[str, ...]:
        """Topic names (``/brokers/topics``)."""
        ...

    def partitions(self, topics: Iterable[str] | None = None) -> tuple[ZooKeeperPartition, ...]:
        """Partition assignments and states of ``topics`` (all when None)."""
        ...

    def legacy_reassignment(self) -> Mapping[TopicPartition, tuple[int, ...]]:
        """The pending ``/admin/reassign_partitions`` znode (empty when there is none)."""
        ...

    def migration(self) -> ZooKeeperMigration:
        """The ZooKeeper-to-KRaft migration state."""
        ...

    def close(self) -> None:
        """Close the session."""
        ...


@runtime_checkable
class Clock(Protocol):
    """Time for steps that wait: real in adapters, virtual in the simulated platform."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (a virtual clock advances instead)."""
        ...


@runtime_checkable
class StepState(Protocol):
    """Where a step keeps what it has done, so that the next run finds it and carries on.

    A file beside the plan today (:class:`confluent_ops.steps.FileStepState`), a ConfigMap or
    an annotation on Kubernetes. The step owns the text's format; the state only stores it,
    whole or not at all, and never shows it (it may name throttles, never secrets).
    """

    @property
    def location(self) -> str:
        """Where the state lives, for messages (a path, ``configmap/ns/name``)."""
        ...

    def load(self) -> str | None:
        """The stored text, or None when nothing is stored."""
        ...

    def save(self, text: str) -> None:
        """Replace the stored text atomically."""
        ...

    def clear(self) -> None:
        """Remove the stored text (nothing left to resume)."""
        ...


@attrs.frozen
class NodeStatus:
    """What a lifecycle knows of one node (a broker, a controller, a ZooKeeper server).

    ``running``: its process (or pod) is up, whether or not it serves yet. ``progress``: a figure
    that changes while it starts (the size of its log while it recovers its logs, a pod's phase
    and restart count), so that a wait for it gives up only when it stops moving. ``detail``:
    what to tell a human (``recovering logs``, ``CrashLoopBackOff``, ``exited with code 1``).
    """

    node: int
    running: bool
    version: str | None = None
    progress: Hashable = None
    detail: str = ""
    address: str = ""


@runtime_checkable
class BrokerLifecycle(Protocol):
    """Start and stop the processes of one Kafka cluster: the local testbed, Kubernetes pods,
    systemd units, whatever runs them.

    ``stop`` is a controlled shutdown (SIGTERM: the broker hands its leaderships over first)
    and returns once the process is gone. ``start`` launches (on another version or with other
    configs when given) and returns without waiting for the broker to serve: the steps wait for
    that through :class:`KafkaAdmin`, with progress-based deadlines. A user whose cluster is run
    some other way implements these few methods (see ``docs/steps.md``).
    """

    def brokers(self) -> tuple[int, ...]:
        """The broker ids this lifecycle runs (combined broker-controllers included)."""
        ...

    def controllers(self) -> tuple[int, ...]:
        """The ids of dedicated KRaft controllers it runs (none in ZooKeeper mode)."""
        ...

    def status(self, node: int) -> NodeStatus:
        """Whether ``node``'s process runs, and how its start is coming along."""
        ...

    def stop(self, node: int) -> None:
        """Controlled shutdown of ``node``; returns once its process has exited."""
        ...

    def start(
        self,
        node: int,
        *,
        version: str | None = None,
        config: Mapping[str, str] | None = None,
    ) -> None:
        """Launch ``node`` (on ``version``, with extra ``config``); do not wait for it to serve."""
        ...

    def add_broker(self, *, rack: str | None = None, version: str | None = None) -> int:
        """Launch a new, empty broker; its id (it registers once it serves)."""
        ...

    def remove_broker(self, node: int) -> None:
        """Stop ``node`` for good and forget it (its replicas must have been moved off)."""
        ...


@runtime_checkable
class EnsembleLifecycle(Protocol):
    """Start and stop the servers of one ZooKeeper ensemble."""

    def servers(self) -> tuple[int, ...]:
        """The server ids (``myid``) of the ensemble."""
        ...

    def status(self, server: int) -> NodeStatus:
        """Whether the server runs; ``address`` is its client address (for ``srvr``)."""
        ...

    def stop(self, server: int) -> None:
        """Stop ``server``; returns once its process has exited."""
        ...

    def start(self, server: int) -> None:
        """Launch ``server``; do not wait for it to join the quorum."""
        ...


@attrs.frozen
class AppliedObject:
    """What applying one object did (or, in a dry run, would do).

    ``outcome`` is ``created``, ``configured`` or ``unchanged``; ``result`` is the object as
    the API server returned it (a Secret's data included: never print it); ``live`` is the
    object as it was before, ``None`` when it did not exist.
    """

    api_version: str
    kind: str
    name: str
    namespace: str | None
    outcome: str
    result: Any = attrs.field(eq=False, repr=False)
    live: Any = attrs.field(eq=False, repr=False, default=None)
    checked: bool = True
    """False for a dry run of an object whose namespace the same dry run would create: the API
    server cannot judge an object in a namespace that does not exist yet."""


@attrs.frozen
class WorkloadStatus:
    """A StatefulSet's rollout as its controller reports it."""

    name: str
    namespace: str
    replicas: int
    ready: int
    updated: int
    current_revision: str
    update_revision: str
    observed_generation: int
    generation: int

    @property
    def settled(self) -> bool:
        """Every replica ready, and the controller has seen the latest spec."""
        return self.observed_generation >= self.generation and self.ready == self.replicas


@runtime_checkable
class Kube(Protocol):
    """A Kubernetes API, as provisioning and the Kubernetes broker lifecycle need it.

    Objects are plain dicts (what :func:`confluent_ops.provision.render` makes). Every change
    is a server-side apply under one field manager; a field another manager owns is a
    :class:`~confluent_ops.errors.FieldConflict` unless ``force`` takes it over.
    """

    def apply(
        self, objects: Sequence[Mapping[str, Any]], *, dry_run: bool = False, force: bool = False
    ) -> tuple[AppliedObject, ...]:
        """Server-side apply each object in order (``dryRun=All`` when ``dry_run``)."""
        ...

    def statefulset(self, name: str, namespace: str) -> WorkloadStatus | None:
        """The StatefulSet's rollout status, ``None`` if it does not exist."""
        ...

    def pods(self, namespace: str, selector: Mapping[str, str]) -> tuple[Mapping[str, Any], ...]:
        """The pods matching a label selector, as plain dicts."""
        ...

    def delete_pod(self, name: str, namespace: str) -> None:
        """Delete one pod with its own grace period (its StatefulSet makes it again)."""
        ...

    def pod(self, name: str, namespace: str) -> Mapping[str, Any] | None:
        """One pod as a plain dict, ``None`` if it does not exist."""
        ...

    def scale(self, name: str, namespace: str, replicas: int) -> None:
        """Set a StatefulSet's replicas through its scale subresource."""
        ...

    def set_image(self, name: str, namespace: str, image: str) -> None:
        """Set the image of a StatefulSet's first container (its pods take it when made)."""
        ...

    def close(self) -> None:
        """Release the client's connections."""
        ...
