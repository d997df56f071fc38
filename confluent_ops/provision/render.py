"""Spec in, Kubernetes objects out: :func:`render`, pure and deterministic.

For each component: a ConfigMap (its properties, its start script, the JMX exporter's rules;
never a secret), Secrets (its certificate and key, its JAAS text), a headless Service (stable
pod names), a client Service, a PodDisruptionBudget and a StatefulSet. Kafka adds a Service per
broker and a bootstrap Service for external access, and for rack awareness a ServiceAccount
allowed to read nodes, so that an init container can write the node's zone for ``broker.rack``.

Kafka, KRaft and ZooKeeper StatefulSets use the ``OnDelete`` update strategy: applying a new
spec never restarts a broker by itself; the roll step (:mod:`confluent_ops.steps`) restarts
them one at a time, each only when every partition stays at or above ``min.insync.replicas``.
Each ConfigMap is named for a hash of its content (``kafka-config-1f2e3d4c5b``) and immutable:
a new configuration is a new ConfigMap and a new pod template, so a container that restarts
inside its pod (a crash, an out-of-memory kill) keeps the configuration it was rolled onto. A pod
that is deleted or evicted is made again from the current template, so it comes back on the new
configuration: that is the roll's own way of moving a broker on. Nothing deletes the previous
ConfigMap yet (``kubectl apply`` never prunes); applying is part 2's.

The same spec and material give the same objects, byte for byte (:meth:`RenderedPlatform.to_files`).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import yaml

from confluent_ops._files import PRIVATE, PUBLIC, check_folder, read_input_text, write_files
from confluent_ops.errors import FileUnusable, InvalidInput
from confluent_ops.provision._configs import (
    CLIENT_JAAS,
    CONFIG_DIR,
    DATA_DIR,
    RACK_DIR,
    SASL_DIR,
    SOURCE_DIR,
    TLS_DIR,
    WORK_DIR,
    broker_jaas,
    client_jaas,
    component_files,
    password_key,
)
from confluent_ops.provision.material import PlatformMaterial, required_material
from confluent_ops.provision.spec import (
    ComponentKind,
    ExternalType,
    PlatformSpec,
    ScaleInPolicy,
    Storage,
)

__all__ = [
    "Manifest",
    "RenderedPlatform",
    "WrittenManifests",
    "config_map_name",
    "render",
    "write_manifests",
]

MANAGED_BY = "confluent-ops"
CONFIG_HASH = "confluent-ops.io/config-hash"

_ORDER = (
    "Namespace",
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Secret",
    "ConfigMap",
    "Service",
    "PodDisruptionBudget",
    "StatefulSet",
)

_JMX_RULES = """\
# Prometheus JMX exporter rules, written by confluent-ops render.
lowercaseOutputName: true
lowercaseOutputLabelNames: true
rules:
  - pattern: "kafka.server<type=(.+), name=(.+), clientId=(.+), topic=(.+), partition=(.*)><>Value"
    name: kafka_server_$1_$2
    type: GAUGE
    labels: {clientId: "$3", topic: "$4", partition: "$5"}
  - pattern: "kafka.(\\\\w+)<type=(.+), name=(.+)PerSec\\\\w*, topic=(.+)><>Count"
    name: kafka_$1_$2_$3_total
    type: COUNTER
    labels: {topic: "$4"}
  - pattern: "kafka.(\\\\w+)<type=(.+), name=(.+)PerSec\\\\w*><>Count"
    name: kafka_$1_$2_$3_total
    type: COUNTER
  - pattern: "kafka.(\\\\w+)<type=(.+), name=(.+)><>Value"
    name: kafka_$1_$2_$3
    type: GAUGE
  - pattern: "kafka.(\\\\w+)<type=(.+), name=(.+)><>(Count|Mean|Max|99thPercentile)"
    name: kafka_$1_$2_$3_$4
    type: GAUGE
  - pattern: "kafka.(\\\\w+)<type=(.+)><>([a-z-]+)"
    name: kafka_$1_$2_$3
    type: GAUGE
  - pattern: "org.apache.ZooKeeperService<name0=(.+), name1=(.+)><>(\\\\w+)"
    name: zookeeper_$3
    type: GAUGE
  - pattern: ".*"
"""

_ROLLED_BY_STEPS = frozenset({ComponentKind.ZOOKEEPER, ComponentKind.KRAFT, ComponentKind.KAFKA})
_GRACE_SECONDS = {ComponentKind.KAFKA: 300, ComponentKind.KRAFT: 120, ComponentKind.ZOOKEEPER: 60}


def _copied(body: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(body)


@attrs.frozen(repr=False)
class Manifest:
    """One Kubernetes object as a plain dict, with what a writer must know about it.

    ``holds_secrets`` is true for Secrets: written with mode 0600, never printed. The body is
    copied on the way in and out, so the value cannot change once made.
    """

    _body: dict[str, Any] = attrs.field(alias="body", converter=_copied, eq=False)
    kind: str = attrs.field(init=False)
    name: str = attrs.field(init=False)
    namespace: str | None = attrs.field(init=False)
    _canonical: str = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        metadata = self._body["metadata"]
        object.__setattr__(self, "kind", self._body["kind"])
        object.__setattr__(self, "name", metadata["name"])
        object.__setattr__(self, "namespace", metadata.get("namespace"))
        object.__setattr__(self, "_canonical", json.dumps(self._body, sort_keys=True))

    @property
    def holds_secrets(self) -> bool:
        return self.kind == "Secret"

    @property
    def api_version(self) -> str:
        return str(self._body["apiVersion"])

    def to_dict(self) -> dict[str, Any]:
        """A copy of the object, to apply or inspect (a Secret's holds its data: never log it)."""
        return copy.deepcopy(self._body)

    def to_yaml(self) -> str:
        return yaml.dump(self._body, Dumper=_Dumper, sort_keys=False, width=120)

    @property
    def file_name(self) -> str:
        """``NN-kind-name.yaml``: the number orders files as they should be applied."""
        return f"{_ORDER.index(self.kind):02d}-{self.kind.lower()}-{self.name}.yaml"

    def __repr__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"Manifest({self.kind} {where}{self.name})"


class _Dumper(yaml.SafeDumper):
    """Multi-line text (properties, scripts) as YAML block literals, readable in a review."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and not any(line != line.rstrip() for line in value.splitlines()):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _text)


@attrs.frozen
class RenderedPlatform:
    """Every object of a platform, in the order to apply them."""

    spec: PlatformSpec
    manifests: tuple[Manifest, ...]

    def __iter__(self) -> Iterator[Manifest]:
        return iter(self.manifests)

    def __len__(self) -> int:
        return len(self.manifests)

    def counts(self) -> dict[str, int]:
        """Objects per kind, in apply order."""
        found = Counter(manifest.kind for manifest in self.manifests)
        return {kind: found[kind] for kind in _ORDER if found[kind]}

    def get(self, kind: str, name: str) -> Manifest:
        for manifest in self.manifests:
            if manifest.kind == kind and manifest.name == name:
                return manifest
        raise KeyError(f"{kind} {name}")

    def config_of(self, component: str) -> Manifest:
        """The ConfigMap the component's pods mount (its name carries a hash of its content)."""
        statefulset = self.get("StatefulSet", component).to_dict()
        volumes = statefulset["spec"]["template"]["spec"]["volumes"]
        name = next(v["configMap"]["name"] for v in volumes if "configMap" in v)
        return self.get("ConfigMap", name)

    def of_kind(self, kind: str) -> tuple[Manifest, ...]:
        return tuple(manifest for manifest in self.manifests if manifest.kind == kind)

    def to_files(self) -> dict[str, tuple[str, bool]]:
        """File name -> (YAML text, holds secrets): one file per object, as ``render`` writes."""
        return {m.file_name: (m.to_yaml(), m.holds_secrets) for m in self.manifests}


# -- small object builders --


def _labels(spec: PlatformSpec, kind: ComponentKind) -> dict[str, str]:
    return {
        **dict(spec.labels),
        "app.kubernetes.io/name": kind.object_name,
        "app.kubernetes.io/instance": spec.name,
        "app.kubernetes.io/component": kind.object_name,
        "app.kubernetes.io/part-of": "confluent-platform",
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def _selector(spec: PlatformSpec, kind: ComponentKind) -> dict[str, str]:
    return {
        "app.kubernetes.io/instance": spec.name,
        "app.kubernetes.io/component": kind.object_name,
    }


def _metadata(spec: PlatformSpec, kind: ComponentKind, name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": spec.namespace, "labels": _labels(spec, kind), **extra}


def config_map_name(kind: ComponentKind, config_hash: str) -> str:
    """``<component>-config-<hash>``: a new name for each configuration (see :func:`render`)."""
    return f"{kind.object_name}-config-{config_hash[:10]}"


def _config_map(
    spec: PlatformSpec, kind: ComponentKind, files: dict[str, str], config_hash: str
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(spec, kind, config_map_name(kind, config_hash)),
        "immutable": True,
        "data": dict(sorted(files.items())),
    }


def _secret(
    spec: PlatformSpec, kind: ComponentKind, name: str, data: dict[str, bytes | str]
) -> dict[str, Any]:
    encoded = {
        key: base64.b64encode(value.encode() if isinstance(value, str) else value).decode("ascii")
        for key, value in sorted(data.items())
    }
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(spec, kind, name),
        "type": "Opaque",
        "data": encoded,
    }


def _ports(spec: PlatformSpec, kind: ComponentKind) -> list[tuple[str, int]]:
    """(name, port) of every port the component serves, the first one its main one."""
    if kind is ComponentKind.KAFKA:
        listeners = spec.kafka.listeners
        ports = [
            ("internal", listeners.internal.port),
            ("replication", listeners.inter_broker.port),
        ]
        if listeners.external is not None:
            ports.append(("external", listeners.external.port))
    elif kind is ComponentKind.KRAFT:
        assert spec.kraft is not None
        ports = [("controller", spec.kraft.port)]
    elif kind is ComponentKind.ZOOKEEPER:
        assert spec.zookeeper is not None
        ports = [("client", spec.zookeeper.client_port), ("peer", 2888), ("election", 3888)]
    elif kind is ComponentKind.REPLICATOR:
        ports = []
    else:
        ports = [("http", getattr(spec, kind.value).port)]
    if spec.metrics.enabled:
        ports.append(("metrics", spec.metrics.port))
    return ports


def _service(
    spec: PlatformSpec, kind: ComponentKind, name: str, *, headless: bool
) -> dict[str, Any]:
    ports = _ports(spec, kind)
    body: dict[str, Any] = {
        "selector": _selector(spec, kind),
        "ports": [
            {"name": port_name, "port": port, "targetPort": port, "protocol": "TCP"}
            for port_name, port in ports
        ],
    }
    if headless:
        body = {"clusterIP": "None", "publishNotReadyAddresses": True, **body}
    else:
        body = {"type": "ClusterIP", **body}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(spec, kind, name),
        "spec": body,
    }


def _external_services(spec: PlatformSpec) -> list[dict[str, Any]]:
    external = spec.kafka.listeners.external
    if external is None:
        return []
    kind = ComponentKind.KAFKA
    services = []
    targets: list[tuple[str, dict[str, str], int, str | None]] = []
    if external.type is ExternalType.LOADBALANCER:
        targets.append(
            (
                "kafka-bootstrap-external",
                _selector(spec, kind),
                0,
                f"{external.bootstrap_prefix}.{external.domain}",
            )
        )
    else:
        targets.append(
            ("kafka-bootstrap-external", _selector(spec, kind), external.node_port_offset, None)
        )
    for ordinal in range(spec.kafka.replicas):
        selector = {
            **_selector(spec, kind),
            "statefulset.kubernetes.io/pod-name": f"kafka-{ordinal}",
        }
        if external.type is ExternalType.LOADBALANCER:
            broker_name = f"{external.broker_prefix}{ordinal}.{external.domain}"
            targets.append((f"kafka-{ordinal}-external", selector, 0, broker_name))
        else:
            targets.append(
                (
                    f"kafka-{ordinal}-external",
                    selector,
                    external.node_port_offset + 1 + ordinal,
                    None,
                )
            )
    for name, selector, node_port, hostname in targets:
        annotations = dict(external.annotations)
        if hostname is not None:
            annotations["external-dns.alpha.kubernetes.io/hostname"] = hostname
        port: dict[str, Any] = {
            "name": "external",
            "port": external.port,
            "targetPort": external.port,
            "protocol": "TCP",
        }
        if external.type is ExternalType.NODEPORT:
            port["nodePort"] = node_port
        metadata = _metadata(spec, kind, name)
        if annotations:
            metadata["annotations"] = dict(sorted(annotations.items()))
        services.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": metadata,
                "spec": _external_spec(external.type, selector, port),
            }
        )
    return services


def _external_spec(
    kind: ExternalType, selector: dict[str, str], port: dict[str, Any]
) -> dict[str, Any]:
    """A load balancer sends a broker's traffic only to the node that runs it (``Local``: no
    second hop, the client's address kept); a node port must answer on every node (``Cluster``,
    the default), since clients reach all brokers through the one ``host``."""
    if kind is ExternalType.LOADBALANCER:
        return {
            "type": "LoadBalancer",
            "externalTrafficPolicy": "Local",
            "selector": selector,
            "ports": [port],
        }
    return {"type": "NodePort", "selector": selector, "ports": [port]}


def _pdb(spec: PlatformSpec, kind: ComponentKind) -> dict[str, Any]:
    budget = getattr(spec, kind.value).disruption_budget
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(spec, kind, kind.object_name),
        "spec": {
            "maxUnavailable": budget.max_unavailable,
            "selector": {"matchLabels": _selector(spec, kind)},
        },
    }


def _rack_account(spec: PlatformSpec) -> str:
    """The brokers' ServiceAccount when racks are on: the spec's own, or ``kafka-rack``."""
    return spec.kafka.pod.service_account or "kafka-rack"


def _rbac(spec: PlatformSpec) -> list[dict[str, Any]]:
    """Leave to read nodes for the brokers' ServiceAccount (the init container reads the zone).

    The ServiceAccount is rendered only when it is ours; one the spec names is bound as it is.
    """
    kind = ComponentKind.KAFKA
    account = _rack_account(spec)
    cluster_name = f"{spec.namespace}-{spec.name}-kafka-rack"
    ours = (
        [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _metadata(spec, kind, account)}]
        if spec.kafka.pod.service_account is None
        else []
    )
    return [
        *ours,
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": cluster_name, "labels": _labels(spec, kind)},
            "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": cluster_name, "labels": _labels(spec, kind)},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": cluster_name,
            },
            "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": spec.namespace}],
        },
    ]


def _claim(storage: Storage) -> dict[str, Any]:
    claim_spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": storage.size}},
    }
    if storage.storage_class is not None:
        claim_spec["storageClassName"] = storage.storage_class
    return {"metadata": {"name": "data"}, "spec": claim_spec}


def _volume(name: str, **source: Any) -> dict[str, Any]:
    return {"name": name, **source}


def _statefulset(
    spec: PlatformSpec,
    kind: ComponentKind,
    secrets: dict[str, str],
    config_hash: str,
) -> dict[str, Any]:
    """The StatefulSet; ``secrets`` maps mount folder -> Secret name."""
    component = getattr(spec, kind.value)
    name = kind.object_name
    storage: Storage | None = getattr(component, "storage", None)
    ports = _ports(spec, kind)
    annotations = dict(component.pod.annotations)
    if spec.metrics.enabled:
        annotations |= {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(spec.metrics.port),
            "prometheus.io/path": "/metrics",
        }
    annotations[CONFIG_HASH] = config_hash
    mounts = [
        {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
        {"name": "work", "mountPath": WORK_DIR},
    ]
    volumes = [
        _volume("config", configMap={"name": config_map_name(kind, config_hash)}),
        _volume("work", emptyDir={}),
    ]
    for folder, secret in sorted(secrets.items()):
        volume = secret
        mounts.append({"name": volume, "mountPath": folder, "readOnly": True})
        volumes.append(_volume(volume, secret={"secretName": secret, "defaultMode": 0o440}))
    if storage is not None:
        mounts.append({"name": "data", "mountPath": DATA_DIR})
    init_containers: list[dict[str, Any]] = []
    rack = spec.kafka.rack if kind is ComponentKind.KAFKA else None
    if rack is not None:
        mounts.append({"name": "rack", "mountPath": RACK_DIR, "readOnly": True})
        volumes.append(_volume("rack", emptyDir={}))
        label = rack.topology_key.replace(".", "\\.")
        init_containers.append(
            {
                "name": "rack",
                "image": rack.init_image,
                "command": [
                    "sh",
                    "-c",
                    f"kubectl get node \"$NODE_NAME\" -o jsonpath='{{.metadata.labels.{label}}}' "
                    f"> {RACK_DIR}/rack",
                ],
                "env": [
                    {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}
                ],
                "volumeMounts": [{"name": "rack", "mountPath": RACK_DIR}],
                "securityContext": _container_security(),
            }
        )
    container: dict[str, Any] = {
        "name": name,
        "image": spec.image(kind),
        "command": ["/bin/sh", f"{CONFIG_DIR}/start.sh"],
        "ports": [
            {"name": port_name, "containerPort": port, "protocol": "TCP"}
            for port_name, port in ports
        ],
        "volumeMounts": mounts,
        "securityContext": _container_security(),
    }
    if ports and ports[0][0] != "metrics":
        container["readinessProbe"] = {
            "tcpSocket": {"port": ports[0][1]},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
        }
    resources = {
        key: dict(value)
        for key, value in (
            ("requests", component.resources.requests),
            ("limits", component.resources.limits),
        )
        if value
    }
    if resources:
        container["resources"] = resources
    pod_spec: dict[str, Any] = {
        "terminationGracePeriodSeconds": _GRACE_SECONDS.get(kind, 30),
        "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "fsGroup": 1000},
        "containers": [container],
        "volumes": volumes,
        "affinity": {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 100,
                        "podAffinityTerm": {
                            "topologyKey": "kubernetes.io/hostname",
                            "labelSelector": {"matchLabels": _selector(spec, kind)},
                        },
                    }
                ]
            }
        },
    }
    if init_containers:
        pod_spec["initContainers"] = init_containers
        pod_spec["serviceAccountName"] = _rack_account(spec)
    elif component.pod.service_account is not None:
        pod_spec["serviceAccountName"] = component.pod.service_account
    if rack is not None:
        pod_spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": rack.topology_key,
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": _selector(spec, kind)},
            }
        ]
    if component.pod.node_selector:
        pod_spec["nodeSelector"] = dict(component.pod.node_selector)
    if component.pod.priority_class is not None:
        pod_spec["priorityClassName"] = component.pod.priority_class
    template_labels = {**_labels(spec, kind), **dict(component.pod.labels)}
    body: dict[str, Any] = {
        "serviceName": name,
        "replicas": component.replicas,
        "podManagementPolicy": "Parallel",
        "updateStrategy": {"type": "OnDelete"}
        if kind in _ROLLED_BY_STEPS
        else {"type": "RollingUpdate"},
        "selector": {"matchLabels": _selector(spec, kind)},
        "template": {
            "metadata": {
                "labels": template_labels,
                "annotations": dict(sorted(annotations.items())),
            },
            "spec": pod_spec,
        },
    }
    if storage is not None:
        body["volumeClaimTemplates"] = [_claim(storage)]
        body["persistentVolumeClaimRetentionPolicy"] = {
            "whenDeleted": "Retain",
            "whenScaled": "Delete" if storage.on_scale_in is ScaleInPolicy.DELETE else "Retain",
        }
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": _metadata(spec, kind, name),
        "spec": body,
    }


def _container_security() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


# -- secrets of each component --


def _creates_scram_users(spec: PlatformSpec, kind: ComponentKind) -> bool:
    """Whether the component's start script creates the SCRAM users, so reads their passwords:
    the controllers at format time (KRaft), the brokers through ZooKeeper otherwise."""
    if not any(listener.authentication.is_scram for listener in spec.listeners):
        return False
    creator = ComponentKind.KRAFT if spec.kraft is not None else ComponentKind.KAFKA
    return kind is creator


def _component_secrets(
    spec: PlatformSpec, kind: ComponentKind, material: PlatformMaterial
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The component's Secrets and where each is mounted."""
    name = kind.object_name
    objects: list[dict[str, Any]] = []
    mounts: dict[str, str] = {}
    if spec.uses_tls and kind is not ComponentKind.ZOOKEEPER:
        pair = material.certificates[name]
        assert material.ca_certificates is not None
        objects.append(
            _secret(
                spec,
                kind,
                f"{name}-tls",
                {
                    "tls.crt": pair.certificate,
                    "tls.key": pair.key.reveal(),
                    "ca.crt": material.ca_certificates,
                },
            )
        )
        mounts[TLS_DIR] = f"{name}-tls"
    sasl: dict[str, bytes | str] = {}
    passwords = {user: secret.reveal() for user, secret in material.passwords.items()}
    if kind in (ComponentKind.KAFKA, ComponentKind.KRAFT):
        sasl |= broker_jaas(spec, passwords, kind)
        if _creates_scram_users(spec, kind):
            sasl |= {password_key(user): password for user, password in passwords.items()}
    elif kind is ComponentKind.ZOOKEEPER:
        pass
    else:
        authentication = spec.kafka.listeners.internal.authentication
        if authentication.sasl_mechanism is not None:
            sasl[CLIENT_JAAS] = client_jaas(authentication, name, passwords[name])
    if sasl:
        objects.append(_secret(spec, kind, f"{name}-sasl", sasl))
        mounts[SASL_DIR] = f"{name}-sasl"
    if kind is ComponentKind.REPLICATOR:
        source = spec.replicator.source if spec.replicator else None
        assert source is not None
        data: dict[str, bytes | str] = {}
        if source.tls:
            assert material.source_ca is not None
            data["ca.crt"] = material.source_ca
        if source.user is not None:
            assert material.source_password is not None
            data["jaas.conf"] = client_jaas(
                source.authentication, source.user, material.source_password.reveal()
            )
        if data:
            objects.append(_secret(spec, kind, f"{name}-source", data))
            mounts[SOURCE_DIR] = f"{name}-source"
    return objects, mounts


def render(spec: PlatformSpec, material: PlatformMaterial | None = None) -> RenderedPlatform:
    """Every Kubernetes object of ``spec``, in apply order. Pure: no I/O, no clock, no chance.

    ``material`` holds the certificates and passwords the spec's security needs (read it with
    :meth:`PlatformMaterial.read`); a spec without TLS or SASL needs none.
    """
    needed = required_material(spec)
    if needed and material is None:
        raise InvalidInput(
            "the spec uses TLS or SASL: render needs its material "
            f"(security.material holds {', '.join(needed[:3])}...)"
        )
    material = material or PlatformMaterial()
    _check_material(spec, material)
    manifests: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": spec.namespace,
                "labels": {"app.kubernetes.io/managed-by": MANAGED_BY},
            },
        }
    ]
    if spec.kafka.rack is not None:
        manifests += _rbac(spec)
    for kind in spec.components:
        files = component_files(spec, kind)
        if spec.metrics.enabled:
            files["jmx-exporter.yaml"] = _JMX_RULES
        secrets, mounts = _component_secrets(spec, kind, material)
        config_hash = _config_hash(files, sorted(mounts.values()))
        manifests += secrets
        manifests.append(_config_map(spec, kind, files, config_hash))
        manifests.append(_service(spec, kind, kind.object_name, headless=True))
        if kind is not ComponentKind.REPLICATOR:  # nothing connects to Replicator
            manifests.append(_service(spec, kind, f"{kind.object_name}-client", headless=False))
        if kind is ComponentKind.KAFKA:
            manifests += _external_services(spec)
        manifests.append(_pdb(spec, kind))
        manifests.append(_statefulset(spec, kind, mounts, config_hash))
    ordered = sorted(
        (Manifest(body) for body in manifests),
        key=lambda m: _ORDER.index(m.kind),
    )
    return RenderedPlatform(spec=spec, manifests=tuple(ordered))


def _config_hash(files: dict[str, str], secret_names: list[str]) -> str:
    """A digest of what a pod reads from its ConfigMap and which Secrets it mounts.

    Secret contents are left out on purpose: a digest of a short password in a pod annotation
    could be guessed offline. Rotating a certificate or a password is a roll of its own.
    """
    digest = hashlib.sha256()
    for name, text in sorted(files.items()):
        digest.update(f"{name}\0{text}\0".encode())
    for name in secret_names:
        digest.update(f"secret\0{name}\0".encode())
    return digest.hexdigest()[:16]


def _check_material(spec: PlatformSpec, material: PlatformMaterial) -> None:
    missing = [
        name
        for name in required_material(spec)
        if (name.endswith("/tls.crt") and name.split("/")[0] not in material.certificates)
        or (
            name.startswith("users/")
            and name.removeprefix("users/").removesuffix(".password") not in material.passwords
        )
        or (name == "ca.crt" and material.ca_certificates is None)
    ]
    if missing:
        raise InvalidInput(f"the material lacks {', '.join(missing)}")


_MARKER = ".confluent-ops-render"


@attrs.frozen
class WrittenManifests:
    """What :func:`write_manifests` did: the files it wrote and the stale ones it removed."""

    folder: Path
    written: tuple[str, ...]
    removed: tuple[str, ...]


def write_manifests(rendered: RenderedPlatform, folder: str | os.PathLike[str]) -> WrittenManifests:
    """Write one YAML file per object into ``folder``, all or none; Secrets with mode 0600.

    The folder is new, empty, or an earlier render's (a hidden list of its files says so): an
    earlier render's files that this one no longer has are removed after the write, so
    ``kubectl apply -f FOLDER`` never applies an object the spec dropped. A folder holding
    anything else is refused before anything is written.
    """
    root = check_folder(folder, what="manifest folder")
    previous: tuple[str, ...] = ()
    if root.exists():
        present = sorted(entry.name for entry in root.iterdir())
        marker = root / _MARKER
        if marker.is_file():
            listed = read_input_text(marker, what="render record", limit=1 << 20).split()
            previous = tuple(name for name in listed if name in present)
            strangers = [n for n in present if n != _MARKER and n not in listed]
        else:
            strangers = present
        if strangers:
            raise FileUnusable(
                os.fspath(folder),
                f"holds {strangers[0]!r}, which render did not write; give an empty folder",
            )
    files = rendered.to_files()
    root.mkdir(parents=True, exist_ok=True)
    contents: dict[Path, tuple[bytes | str, int]] = {
        root / name: (text, PRIVATE if secret else PUBLIC) for name, (text, secret) in files.items()
    }
    contents[root / _MARKER] = ("".join(f"{name}\n" for name in sorted(files)), PUBLIC)
    write_files(contents)
    removed = tuple(name for name in previous if name not in files)
    for name in removed:
        (root / name).unlink(missing_ok=True)
    return WrittenManifests(folder=root, written=tuple(sorted(files)), removed=removed)
