"""A test kubelet: scheduler and node for a :class:`KubeControlPlane` without containers.

No container runtime exists here, so this kubelet plays both missing parts over the real API:

- it registers one Node per zone (``topology.kubernetes.io/zone``) and binds each pending pod
  to one (StatefulSet pods spread by ordinal, as a zone-spread constraint would);
- for each pod of a Kafka, KRaft-controller or ZooKeeper StatefulSet it runs the pod's own
  container command from its ConfigMap and Secrets, as read from the API, with Apache Kafka's
  classes behind it (:class:`~confluent_ops.testing._pods.PodRunner`): a real broker whose id is
  the pod's ordinal and whose rack is its node's zone. The pod is reported Running, and Ready
  while its readiness probe's port answers; a process that exits is restarted, its restart
  count raised, as a kubelet does;
- for each pod of a Connect StatefulSet it runs a real Apache Kafka Connect worker in
  distributed mode (``connect-distributed``, from Kafka's own jars) with the rendered worker
  properties, wired to those brokers; Ready when its REST port answers (Confluent's converters
  are not among Apache Kafka's jars: a Connect of a platform with Schema Registry, which renders
  Avro converters, fails to start here);
- pods of components with no implementation here (Schema Registry, ksqlDB, Control Center,
  REST Proxy, Replicator: Confluent's programs) are reported Ready without running anything;
- a NodePort Service is served on ``127.0.0.1:<nodePort>`` (the part of kube-proxy a test
  needs): each connection is forwarded to the address of a pod the Service selects, so clients
  outside (a Python client that cannot read the hosts file) reach the brokers through their
  external listener, advertised as ``localhost:<nodePort>``;
- a pod being deleted has its process stopped (SIGTERM, its grace period, by PID) before the
  kubelet confirms the deletion, so the StatefulSet controller makes it again only once the
  broker is down; its data folder (the volume claim) stays for the pod that replaces it.

Each pod gets its own loopback address (``127.0.<StatefulSet>.<ordinal + 1>``) and every name
(pods, Services, external host names) resolves through one hosts file the JVMs read.
"""

from __future__ import annotations

import datetime
import functools
import select
import socket
import threading
import time
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kubernetes import client as kube
from kubernetes import config as kube_config
from kubernetes.client.exceptions import ApiException

from confluent_ops.errors import TestbedError
from confluent_ops.testing._pods import (
    LocalPod,
    PodRunner,
    check_loopback,
    pod_names,
    readiness_port,
)
from confluent_ops.testing._processes import accepts_connections
from confluent_ops.testing._resolve import KafkaVersion

__all__ = ["TestKubelet"]

RUNNABLE = frozenset({"kafka", "kraft", "zookeeper", "connect"})
"""Components whose pods run real processes (Apache Kafka's jars implement them: brokers,
controllers, ZooKeeper, and Kafka Connect workers in distributed mode)."""
ZONE_LABEL = "topology.kubernetes.io/zone"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Tracked:
    """What the kubelet knows of one pod it runs."""

    def __init__(self, key: tuple[str, str], uid: str, node: str) -> None:
        self.key = key
        self.uid = uid
        self.node = node
        self.pod: LocalPod | None = None
        self.ready: bool | None = None
        self.restarts = 0
        self.started_at = _now()
        self.stopping = False


class _NodePort:
    """One node port on 127.0.0.1, forwarding each connection to the pod behind it."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.target = target
        self._server = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self._server.settimeout(0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name=f"node-port-{port}", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                incoming, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._forward, args=(incoming,), daemon=True).start()

    def _forward(self, incoming: socket.socket) -> None:
        try:
            outgoing = socket.create_connection(self.target, timeout=5)
        except OSError:
            incoming.close()
            return
        pair = {incoming: outgoing, outgoing: incoming}
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select(list(pair), [], [], 0.5)
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    pair[source].sendall(data)
        except OSError:
            return
        finally:
            incoming.close()
            outgoing.close()

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(timeout=5)


class TestKubelet:
    """Binds and runs pods of a real API server (see the module's docstring)."""

    __test__ = False  # not a pytest class, whatever its name says

    def __init__(
        self,
        kubeconfig: Path,
        *,
        workdir: Path,
        version: str | KafkaVersion,
        zones: tuple[str, ...] = ("zone-a", "zone-b", "zone-c"),
        heap_mb: int = 384,
        interval: float = 0.3,
        cluster_domain: str = "cluster.local",
    ) -> None:
        self.zones = zones
        self.interval = interval
        self.cluster_domain = cluster_domain
        self._api_client = kube_config.new_client_from_config(config_file=str(kubeconfig))
        self._core = kube.CoreV1Api(self._api_client)
        self._apps = kube.AppsV1Api(self._api_client)
        workdir.mkdir(parents=True, exist_ok=True)
        self._runner = PodRunner(workdir, version=version, heap_mb=heap_mb)
        self._tracked: dict[tuple[str, str], _Tracked] = {}
        self._statefulset_index: dict[tuple[str, str], int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._lock = threading.Lock()
        self._node_ports: dict[int, _NodePort] = {}
        self.last_error: Exception | None = None
        check_loopback("127.0.1.1")

    # -- lifecycle --

    def start(self) -> None:
        """Register the nodes and start binding and running pods in a background thread."""
        for zone in self.zones:
            self._register_node(zone)
        self._thread = threading.Thread(target=self._loop, name="test-kubelet", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the loop, then every pod's process by its PID (brokers before controllers)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        for node_port in self._node_ports.values():
            node_port.close()
        order = sorted(
            self._tracked.values(), key=lambda t: t.key[1].startswith(("kraft-", "zookeeper-"))
        )
        for tracked in order:
            if tracked.pod is not None:
                tracked.pod.process.stop(grace=30.0)
        self._api_client.close()

    def check(self) -> None:
        """Raise what stopped the loop, if anything did (a test calls it while it waits)."""
        if self._failure is not None:
            raise TestbedError(f"the test kubelet stopped: {self._failure!r}") from self._failure

    def running_pods(self) -> dict[str, LocalPod]:
        """``namespace/pod`` -> the running process of each pod that runs one."""
        with self._lock:
            return {
                f"{ns}/{name}": t.pod
                for (ns, name), t in self._tracked.items()
                if t.pod is not None and t.pod.running
            }

    def java_flags(self) -> list[str]:
        """The flags a Java client needs to reach pods by their names (the hosts file)."""
        return self._runner.java_flags()

    @property
    def hosts_file(self) -> Path:
        return self._runner.hosts_file

    # -- nodes --

    def _register_node(self, zone: str) -> None:
        body = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": zone,
                "labels": {ZONE_LABEL: zone, "kubernetes.io/hostname": zone},
            },
        }
        try:
            self._core.create_node(body)
        except ApiException as exc:
            if exc.status != 409:
                raise
        status = {
            "status": {
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "KubeletReady",
                        "message": "test kubelet",
                        "lastHeartbeatTime": _now(),
                        "lastTransitionTime": _now(),
                    }
                ],
                "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                "capacity": {"cpu": "64", "memory": "256Gi", "pods": "250"},
                "allocatable": {"cpu": "64", "memory": "256Gi", "pods": "250"},
            }
        }
        self._core.patch_node_status(zone, status)

    # -- the loop --

    def _loop(self) -> None:
        """Reconcile every ``interval`` s. A failed round (the API busy, a port taken) is tried
        again, as a kubelet does; only one that keeps failing for a minute stops the loop."""
        failing_since: float | None = None
        while not self._stop.is_set():
            try:
                self._once()
                failing_since = None
                self.last_error = None
            except Exception as exc:
                self.last_error = exc
                failing_since = failing_since or time.monotonic()
                if time.monotonic() - failing_since > 60:
                    self._failure = exc
                    return
            except BaseException as exc:  # the thread must say why it stopped
                self._failure = exc
                return
            self._stop.wait(self.interval)

    def _once(self) -> None:
        pods = self._core.list_pod_for_all_namespaces().items
        self._update_names()
        seen: set[tuple[str, str]] = set()
        for pod in pods:
            key = (pod.metadata.namespace, pod.metadata.name)
            seen.add(key)
            if pod.metadata.deletion_timestamp is not None:
                self._delete(pod)
            elif not pod.spec.node_name:
                self._bind(pod)
            elif pod.spec.node_name in self.zones:
                self._run(pod)
        for key in list(self._tracked):
            if key not in seen:  # force-deleted: nobody waits for us
                tracked = self._tracked.pop(key)
                if tracked.pod is not None:
                    tracked.pod.process.stop(grace=10.0)

    def _statefulset_of(self, pod: Any) -> str | None:
        for owner in pod.metadata.owner_references or ():
            if owner.kind == "StatefulSet":
                return str(owner.name)
        return None

    def address_of(self, namespace: str, pod: str) -> str:
        """``127.0.<StatefulSet>.<ordinal + 1>``, each StatefulSet numbered as first seen."""
        statefulset, _, ordinal = pod.rpartition("-")
        key = (namespace, statefulset)
        if key not in self._statefulset_index:
            self._statefulset_index[key] = len(self._statefulset_index) + 1
        index = self._statefulset_index[key]
        if index > 254 or not ordinal.isdigit() or int(ordinal) > 253:
            raise TestbedError(f"no loopback address left for pod {namespace}/{pod}")
        return f"127.0.{index}.{int(ordinal) + 1}"

    def _update_names(self) -> None:
        names: dict[str, str] = {}
        statefulsets = self._apps.list_stateful_set_for_all_namespaces().items
        services = self._core.list_service_for_all_namespaces().items
        for namespace in sorted({s.metadata.namespace for s in statefulsets}):
            mine = {
                s.metadata.name: self._api_client.sanitize_for_serialization(s)
                for s in statefulsets
                if s.metadata.namespace == namespace
            }
            for name in sorted(mine):
                self.address_of(namespace, f"{name}-0")
            self._serve_node_ports(namespace, services)
            names |= pod_names(
                mine,
                [
                    self._api_client.sanitize_for_serialization(s)
                    for s in services
                    if s.metadata.namespace == namespace
                ],
                functools.partial(self.address_of, namespace),
                namespace=namespace,
                cluster_domain=self.cluster_domain,
            )
        self._runner.write_hosts(names)

    def _serve_node_ports(self, namespace: str, services: list[Any]) -> None:
        for service in services:
            if service.metadata.namespace != namespace or service.spec.type != "NodePort":
                continue
            selector = service.spec.selector or {}
            component = selector.get("app.kubernetes.io/component")
            pod = selector.get("statefulset.kubernetes.io/pod-name", f"{component}-0")
            for port in service.spec.ports or ():
                if port.node_port is None or port.node_port in self._node_ports:
                    continue
                target = (self.address_of(namespace, pod), int(port.target_port or port.port))
                self._node_ports[port.node_port] = _NodePort(port.node_port, target)

    # -- scheduling --

    def _bind(self, pod: Any) -> None:
        name = pod.metadata.name
        ordinal = name.rpartition("-")[2]
        index = int(ordinal) if ordinal.isdigit() else zlib.crc32(name.encode())
        zone = self.zones[index % len(self.zones)]
        body = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name},
            "target": {"apiVersion": "v1", "kind": "Node", "name": zone},
        }
        try:
            self._core.create_namespaced_pod_binding(
                name, pod.metadata.namespace, body, _preload_content=False
            )
        except ApiException as exc:
            if exc.status not in (404, 409):  # gone, or bound meanwhile
                raise

    # -- running --

    def _run(self, pod: Any) -> None:
        key = (pod.metadata.namespace, pod.metadata.name)
        tracked = self._tracked.get(key)
        if tracked is not None and tracked.uid != pod.metadata.uid:
            tracked = None  # a new pod of the same name: the old one's process is gone
        if tracked is None:
            tracked = _Tracked(key, pod.metadata.uid, pod.spec.node_name)
            with self._lock:
                self._tracked[key] = tracked
        component = (pod.metadata.labels or {}).get("app.kubernetes.io/component")
        spec = self._api_client.sanitize_for_serialization(pod.spec)
        if component in RUNNABLE and self._statefulset_of(pod) is not None:
            if tracked.pod is None or not tracked.pod.running:
                if tracked.pod is not None:
                    tracked.restarts += 1
                tracked.pod = self._start(pod, spec, tracked.node)
                tracked.started_at = _now()
            port = readiness_port(spec)
            ready = port is not None and accepts_connections(port, host=tracked.pod.address)
        else:
            ready = True
        if ready != tracked.ready:
            self._report(pod, tracked, ready)
            tracked.ready = ready

    def _start(self, pod: Any, spec: Mapping[str, Any], zone: str) -> LocalPod:
        namespace = pod.metadata.namespace

        def config_map(name: str) -> Mapping[str, str]:
            found = self._core.read_namespaced_config_map(name, namespace)
            return dict(found.data or {})

        def secret(name: str) -> Mapping[str, str]:
            found = self._core.read_namespaced_secret(name, namespace)
            return dict(found.data or {})

        return self._runner.start(
            pod.metadata.name,
            spec,
            address=self.address_of(namespace, pod.metadata.name),
            config_maps=config_map,
            secrets=secret,
            rack=zone,
            namespace=namespace,
        )

    def _report(self, pod: Any, tracked: _Tracked, ready: bool) -> None:
        flag = "True" if ready else "False"
        address = (
            tracked.pod.address
            if tracked.pod is not None
            else self.address_of(pod.metadata.namespace, pod.metadata.name)
        )
        container = pod.spec.containers[0]
        status = {
            "status": {
                "phase": "Running",
                "hostIP": "127.0.0.1",
                "podIP": address,
                "podIPs": [{"ip": address}],
                "startTime": tracked.started_at,
                "conditions": [
                    {"type": "PodScheduled", "status": "True"},
                    {"type": "Initialized", "status": "True"},
                    {"type": "ContainersReady", "status": flag},
                    {"type": "Ready", "status": flag},
                ],
                "containerStatuses": [
                    {
                        "name": container.name,
                        "image": container.image,
                        "imageID": "",
                        "ready": ready,
                        "started": True,
                        "restartCount": tracked.restarts,
                        "state": {"running": {"startedAt": tracked.started_at}},
                    }
                ],
            }
        }
        try:
            self._core.patch_namespaced_pod_status(
                pod.metadata.name, pod.metadata.namespace, status
            )
        except ApiException as exc:
            if exc.status != 404:
                raise

    # -- deleting --

    def _delete(self, pod: Any) -> None:
        key = (pod.metadata.namespace, pod.metadata.name)
        tracked = self._tracked.get(key)
        if tracked is not None and tracked.stopping:
            return
        if tracked is not None and tracked.pod is not None and tracked.pod.running:
            tracked.stopping = True
            grace = float(pod.spec.termination_grace_period_seconds or 30)
            threading.Thread(
                target=self._stop_then_confirm,
                args=(pod.metadata.namespace, pod.metadata.name, pod.metadata.uid, tracked, grace),
                name=f"stop-{pod.metadata.name}",
                daemon=True,
            ).start()
            return
        self._confirm(pod.metadata.namespace, pod.metadata.name, pod.metadata.uid)
        with self._lock:
            self._tracked.pop(key, None)

    def _stop_then_confirm(
        self, namespace: str, name: str, uid: str, tracked: _Tracked, grace: float
    ) -> None:
        try:
            assert tracked.pod is not None
            tracked.pod.process.stop(grace=grace)
            self._confirm(namespace, name, uid)
        except BaseException as exc:
            self._failure = exc
        finally:
            with self._lock:
                if self._tracked.get((namespace, name)) is tracked:
                    self._tracked.pop((namespace, name))

    def _confirm(self, namespace: str, name: str, uid: str) -> None:
        """The kubelet's last word on a pod: it is gone (grace 0, this very pod only)."""
        options = {"gracePeriodSeconds": 0, "preconditions": {"uid": uid}}
        try:
            self._core.delete_namespaced_pod(name, namespace, body=options)
        except ApiException as exc:
            if exc.status not in (404, 409):
                raise
