"""Pods of a rendered platform, run on this machine as their containers would run them.

:class:`LocalPlatform` takes the objects :func:`~confluent_ops.provision.render` made and runs
a StatefulSet's pod the way its container would: the ConfigMap's files and the Secrets' keys
are written where the pod mounts them, emptyDirs and the volume claim are folders, and the
container's own command (``/bin/sh /mnt/config/start.sh``) runs with ``HOSTNAME`` set to the
pod's name. The commands the start scripts call (``kafka-storage``, ``kafka-server-start``,
``kafka-configs``, ``zookeeper-server-start``) are small scripts that run Apache Kafka's own
classes from the testbed's jars. So the rendered properties, the ``${dir:...}`` references to
Secrets, the SCRAM users created at format time and the per-pod lines the script appends are
all exercised by a real Kafka, not a copy of them.

What differs from a cluster, and why:

- Each pod gets its own loopback address (``127.0.<component>.<ordinal + 1>``; Linux routes all
  of 127/8 to the loopback device), so pods that share a port number, as pods of a StatefulSet
  do, never collide; listeners the render binds to ``0.0.0.0`` bind to that address instead.
- Names resolve through a hosts file given to every JVM (``-Djdk.net.hosts.file``): each pod's
  DNS name, each Service's (to the first pod it selects) and each external host name. TLS
  hostname verification therefore checks the real names of the certificates.
- Mount paths are rewritten, in the ConfigMap's files only, to the pod's folders.
- The JVM flags are the testbed's (a small heap, no JMX agent): the ``KAFKA_HEAP_OPTS`` and
  ``KAFKA_OPTS`` the start script exports are meant for a production node.
- The rack file the init container would write from the node's zone label is written from the
  ``rack`` given to :meth:`LocalPlatform.start_pod`.

Only the components Apache Kafka's jars implement can run: KRaft controllers, brokers and
ZooKeeper. Every process is stopped by its PID (:meth:`LocalPlatform.close`, and at exit).
"""

from __future__ import annotations

import base64
import os
import shlex
import shutil
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from confluent_ops.errors import NotReady, TestbedError, WaitTimedOut
from confluent_ops.provision import RenderedPlatform
from confluent_ops.testing._eventually import eventually
from confluent_ops.testing._jvm import jvm_options, write_logging_configs
from confluent_ops.testing._processes import (
    ManagedProcess,
    accepts_connections,
    find_java,
    make_workdir,
    remove_workdir,
)
from confluent_ops.testing._resolve import KafkaVersion, resolve_kafka

__all__ = ["LocalPlatform", "LocalPod"]

_COMMANDS = {
    "kafka-server-start": "kafka.Kafka",
    "kafka-storage": "kafka.tools.StorageTool",
    "kafka-configs": "kafka.admin.ConfigCommand",
    "zookeeper-server-start": "org.apache.zookeeper.server.quorum.QuorumPeerMain",
    "connect-distributed": "org.apache.kafka.connect.cli.ConnectDistributed",
}
_SPARE_ORDINALS = 8
"""Host names are written for this many pods beyond each StatefulSet's replicas (scale-outs)."""


class LocalPod:
    """One running pod: its process, address and folders."""

    def __init__(self, name: str, address: str, folder: Path, process: ManagedProcess) -> None:
        self.name = name
        self.address = address
        self.folder = folder
        self.process = process

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.running

    def log_tail(self, lines: int = 40) -> str:
        return self.process.log_tail(lines)

    def __repr__(self) -> str:
        return f"LocalPod({self.name!r}, {self.address}, pid={self.pid})"


ConfigMapData = Callable[[str], Mapping[str, str]]
"""A ConfigMap's ``data`` by name."""
SecretData = Callable[[str], Mapping[str, str]]
"""A Secret's ``data`` (base64, as the API gives it) by name."""


def check_loopback(address: str) -> None:
    """Refuse, with what to do, a machine where pods cannot have loopback addresses of their own."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError as exc:
            raise TestbedError(
                f"cannot bind {address}: pods need loopback addresses beyond 127.0.0.1 "
                "(Linux has them; on macOS add them with ifconfig lo0 alias)"
            ) from exc


def pod_names(
    statefulsets: Mapping[str, Mapping[str, Any]],
    services: list[Mapping[str, Any]],
    address_of: Callable[[str], str],
    *,
    namespace: str,
    cluster_domain: str,
) -> dict[str, str]:
    """Every DNS name a pod, a Service or an external host is reached by -> address.

    Pods of each StatefulSet (``<pod>.<service>.<namespace>.svc.<domain>``, a few ordinals
    beyond its replicas for scale-outs); each Service to the first pod it selects; each
    external host name a Service carries in its external-dns annotation.
    """
    names: dict[str, str] = {"localhost": "127.0.0.1", socket.gethostname(): "127.0.0.1"}
    for name, statefulset in statefulsets.items():
        service = statefulset["spec"].get("serviceName", name)
        for ordinal in range(statefulset["spec"]["replicas"] + _SPARE_ORDINALS):
            pod = f"{name}-{ordinal}"
            names[f"{pod}.{service}.{namespace}.svc.{cluster_domain}"] = address_of(pod)
    for service in services:
        selector = service["spec"].get("selector") or {}
        component = selector.get("app.kubernetes.io/component")
        if component is None or component not in statefulsets:
            continue
        pod = selector.get("statefulset.kubernetes.io/pod-name", f"{component}-0")
        address = address_of(pod)
        service_name = service["metadata"]["name"]
        names[f"{service_name}.{namespace}.svc.{cluster_domain}"] = address
        hostname = (service["metadata"].get("annotations") or {}).get(
            "external-dns.alpha.kubernetes.io/hostname"
        )
        if hostname:
            names[hostname] = address
    return names


class PodRunner:
    """Runs one pod's container as a local process: volumes as folders, names by a hosts file.

    The part that :class:`LocalPlatform` (rendered objects) and the test kubelet (pods from a
    real API server) share: how a pod spec becomes a process.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        version: str | KafkaVersion,
        heap_mb: int = 384,
        java: str | None = None,
    ) -> None:
        self.workdir = workdir
        self.version = version if isinstance(version, KafkaVersion) else KafkaVersion.parse(version)
        self._java = java or find_java()
        self._heap_mb = heap_mb
        self._distribution = resolve_kafka(self.version)
        self.hosts_file = workdir / "hosts"
        self.write_hosts({"localhost": "127.0.0.1"})
        self._bin = self._write_commands()

    def write_hosts(self, names: Mapping[str, str]) -> None:
        """Replace the hosts file every JVM resolves names through."""
        text = "".join(f"{address} {name}\n" for name, address in sorted(names.items()))
        if self.hosts_file.exists() and self.hosts_file.read_text(encoding="utf-8") == text:
            return
        partial = self.hosts_file.with_name(".hosts.partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(self.hosts_file)

    def java_flags(self) -> list[str]:
        """The flags a Java client needs to reach the pods by their names (the hosts file)."""
        return [f"-Djdk.net.hosts.file={self.hosts_file}"]

    def _write_commands(self) -> Path:
        """The commands a start script calls, each running Kafka's class of the same name."""
        folder = self.workdir / "bin"
        folder.mkdir(parents=True, exist_ok=True)
        logging = write_logging_configs(self.workdir / "logging")
        flags = [
            *jvm_options(heap_mb=self._heap_mb, logging=logging, logs_dir=self.workdir / "logs"),
            *self.java_flags(),
        ]
        for command, main_class in _COMMANDS.items():
            line = shlex.join([self._java, *flags, "-cp", self._distribution.classpath, main_class])
            path = folder / command
            path.write_text(f'#!/bin/sh\nexec {line} "$@"\n', encoding="utf-8")
            path.chmod(0o755)
        return folder

    def prepare(
        self,
        pod: str,
        pod_spec: Mapping[str, Any],
        *,
        address: str,
        config_maps: ConfigMapData,
        secrets: SecretData,
        rack: str | None = None,
        namespace: str = "",
    ) -> Path:
        """Write the pod's volumes as its container would see them; returns the pod's folder.

        The claim ``data`` is a folder that outlives the pod (as a PersistentVolumeClaim does,
        one per namespace and pod name); everything else is written afresh.
        """
        folder = self.workdir / namespace / pod if namespace else self.workdir / pod
        run = folder / "run"
        if run.exists():
            shutil.rmtree(run)
        volumes = {volume["name"]: volume for volume in pod_spec.get("volumes", [])}
        container = pod_spec["containers"][0]
        local: dict[str, Path] = {}
        for mount in container.get("volumeMounts", []):
            name = mount["name"]
            target = folder / "data" if name == "data" else run / name
            target.mkdir(parents=True, exist_ok=True)
            local[mount["mountPath"]] = target
            volume = volumes.get(name)
            if volume is not None and "secret" in volume:
                _write_secret(secrets(volume["secret"]["secretName"]), target)
            if name == "rack" and rack is not None:
                (target / "rack").write_text(rack, encoding="utf-8")
        for mount in container.get("volumeMounts", []):
            volume = volumes.get(mount["name"])
            if volume is not None and "configMap" in volume:
                data = config_maps(volume["configMap"]["name"])
                _write_config(data, local[mount["mountPath"]], local, address)
        return folder

    def start(
        self,
        pod: str,
        pod_spec: Mapping[str, Any],
        *,
        address: str,
        config_maps: ConfigMapData,
        secrets: SecretData,
        rack: str | None = None,
        namespace: str = "",
    ) -> LocalPod:
        """Start the pod's container command with ``HOSTNAME`` set; returns at once."""
        folder = self.prepare(
            pod,
            pod_spec,
            address=address,
            config_maps=config_maps,
            secrets=secrets,
            rack=rack,
            namespace=namespace,
        )
        container = pod_spec["containers"][0]
        local_config = str(folder / "run" / "config")
        command = [part.replace("/mnt/config", local_config) for part in container["command"]]
        env = {
            "PATH": f"{self._bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOSTNAME": pod,
            "HOME": str(folder),
            "LANG": "C.UTF-8",
        }
        log = folder / "process.log"
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"=== confluent-ops: starting pod {pod} at {address}\n")
        process = ManagedProcess(pod, command, log_path=log, env=env, cwd=folder)
        return LocalPod(pod, address, folder, process)


def _write_secret(data: Mapping[str, str], target: Path) -> None:
    for key, value in data.items():
        descriptor = os.open(target / key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(base64.b64decode(value))


def _write_config(
    data: Mapping[str, str], target: Path, local: Mapping[str, Path], address: str
) -> None:
    for key, original in data.items():
        text = original
        for mount_path in sorted(local, key=len, reverse=True):
            text = text.replace(mount_path, str(local[mount_path]))
        text = text.replace("0.0.0.0", address)  # noqa: S104 - the listeners, rebound
        text = text.replace(
            "quorumListenOnAllIPs=true",
            f"quorumListenOnAllIPs=false\nclientPortAddress={address}",
        )
        (target / key).write_text(text, encoding="utf-8")


def readiness_port(pod_spec: Mapping[str, Any]) -> int | None:
    """The port of the container's TCP readiness probe, if it has one."""
    probe = pod_spec["containers"][0].get("readinessProbe") or {}
    port = (probe.get("tcpSocket") or {}).get("port")
    return int(port) if port is not None else None


class LocalPlatform:
    """Runs pods of a rendered platform as local processes (see the module's docstring)."""

    def __init__(
        self,
        rendered: RenderedPlatform,
        *,
        version: str | KafkaVersion,
        workdir: Path | None = None,
        heap_mb: int = 384,
        java: str | None = None,
    ) -> None:
        self.rendered = rendered
        self.workdir, self._temporary = make_workdir(workdir, prefix="confluent-ops-pods-")
        self._statefulsets = {m.name: m.to_dict() for m in rendered.of_kind("StatefulSet")}
        self._components = sorted(self._statefulsets)
        self.pods: dict[str, LocalPod] = {}
        check_loopback(self.address_of(f"{self._components[0]}-0"))
        self._runner = PodRunner(self.workdir, version=version, heap_mb=heap_mb, java=java)
        self._runner.write_hosts(
            pod_names(
                self._statefulsets,
                [service.to_dict() for service in rendered.of_kind("Service")],
                self.address_of,
                namespace=rendered.spec.namespace,
                cluster_domain=rendered.spec.cluster_domain,
            )
        )
        self.hosts_file = self._runner.hosts_file

    def address_of(self, pod: str) -> str:
        """The pod's own loopback address, ``127.0.<component>.<ordinal + 1>``."""
        statefulset, _, ordinal = pod.rpartition("-")
        index = self._components.index(statefulset) + 1
        return f"127.0.{index}.{int(ordinal) + 1}"

    def java_flags(self) -> list[str]:
        """The flags a Java client needs to reach the pods by their names (the hosts file)."""
        return self._runner.java_flags()

    def _template(self, statefulset: str) -> dict[str, Any]:
        body = self._statefulsets.get(statefulset)
        if body is None:
            raise TestbedError(f"the rendered platform has no StatefulSet {statefulset!r}")
        template: dict[str, Any] = body["spec"]["template"]["spec"]
        return template

    def _config_map(self, name: str) -> Mapping[str, str]:
        data: Mapping[str, str] = self.rendered.get("ConfigMap", name).to_dict()["data"]
        return data

    def _secret(self, name: str) -> Mapping[str, str]:
        data: Mapping[str, str] = self.rendered.get("Secret", name).to_dict()["data"]
        return data

    def prepare_pod(self, statefulset: str, ordinal: int, *, rack: str | None = None) -> Path:
        """Write the pod's volumes as its container would see them; returns the pod's folder.

        A pod that is not started (a Connect worker, whose client settings a test wants to
        use) is prepared the same way, so that its properties resolve their Secrets locally.
        """
        pod = f"{statefulset}-{ordinal}"
        return self._runner.prepare(
            pod,
            self._template(statefulset),
            address=self.address_of(pod),
            config_maps=self._config_map,
            secrets=self._secret,
            rack=rack,
        )

    def start_pod(self, statefulset: str, ordinal: int, *, rack: str | None = None) -> LocalPod:
        """Start the pod's container command; returns at once (see :meth:`wait_ready`)."""
        pod = f"{statefulset}-{ordinal}"
        if pod in self.pods and self.pods[pod].running:
            raise TestbedError(f"pod {pod} is already running")
        started = self._runner.start(
            pod,
            self._template(statefulset),
            address=self.address_of(pod),
            config_maps=self._config_map,
            secrets=self._secret,
            rack=rack,
        )
        self.pods[pod] = started
        return started

    def is_ready(self, pod: str) -> bool:
        """Whether the pod answers its readiness probe now."""
        port = readiness_port(self._template(pod.rpartition("-")[0]))
        return port is not None and accepts_connections(port, host=self.address_of(pod))

    def wait_ready(self, *pods: str, timeout: float = 120.0) -> None:
        """Wait until every pod answers its readiness probe; a pod that exits fails at once."""

        def look() -> bool:
            for name in pods:
                pod = self.pods[name]
                if not pod.running:
                    raise NotReady(name, "the pod's process exited", pod.log_tail())
            return all(self.is_ready(name) for name in pods)

        try:
            eventually(look, timeout=timeout, what=f"pods {', '.join(pods)} to be ready")
        except WaitTimedOut as exc:
            tails = "\n".join(self.pods[name].log_tail(15) for name in pods)
            raise NotReady(", ".join(pods), "not ready in time", tails) from exc

    def stop_pod(self, pod: str, *, grace: float = 60.0) -> int | None:
        """SIGTERM the pod's process (a broker's controlled shutdown), by its PID."""
        return self.pods[pod].process.stop(grace=grace)

    def close(self) -> None:
        """Stop every pod by its PID, the last started first (brokers before the controllers
        they hand their leaderships over through); remove a temporary work folder."""
        for pod in reversed(list(self.pods.values())):
            pod.process.stop(grace=30.0)
        if self._temporary:
            remove_workdir(self.workdir)

    def __enter__(self) -> LocalPlatform:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
