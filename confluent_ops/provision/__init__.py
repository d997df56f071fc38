"""Provisioning Confluent Platform: a typed platform spec in, Kubernetes objects out (pure).

A :class:`PlatformSpec` (loaded from YAML with :func:`read_spec` or :func:`load_spec`, every
value checked, errors naming the field path) describes ZooKeeper or KRaft controllers, Kafka,
Schema Registry, Connect, ksqlDB, Control Center, REST Proxy and Replicator. The secret
material it needs (certificates, keys, SASL passwords) is kept apart, in a folder
(:class:`PlatformMaterial`). :func:`render` turns both into the objects to apply, deterministic
and valid against the Kubernetes API schema; :func:`write_manifests` writes them one file per
object. A typical use::

    spec = read_spec("platform.yaml")
    rendered = render(spec, read_material(spec, "platform.yaml"))
    write_manifests(rendered, "manifests")
"""

from __future__ import annotations

from confluent_ops.provision.loading import MAX_SPEC_BYTES, load_spec, read_spec, spec_from_mapping
from confluent_ops.provision.material import (
    PlatformMaterial,
    TlsPair,
    certificate_names,
    certificate_problem,
    material_folder,
    outdated_certificates,
    read_material,
    required_material,
)
from confluent_ops.provision.render import (
    Manifest,
    RenderedPlatform,
    WrittenManifests,
    config_map_name,
    render,
    write_manifests,
)
from confluent_ops.provision.spec import (
    Authentication,
    ComponentKind,
    ConnectSpec,
    ControlCenterSpec,
    DisruptionBudget,
    ExternalAccess,
    ExternalType,
    JmxExporter,
    Jvm,
    KafkaListener,
    KafkaListeners,
    KafkaSpec,
    KraftSpec,
    KsqlDbSpec,
    PlatformSpec,
    PodTemplate,
    Rack,
    ReplicationListener,
    ReplicatorSource,
    ReplicatorSpec,
    Resources,
    RestProxySpec,
    ScaleInPolicy,
    SchemaRegistrySpec,
    Security,
    SpecFieldError,
    Storage,
    ZooKeeperSpec,
)

__all__ = [
    "MAX_SPEC_BYTES",
    "Authentication",
    "ComponentKind",
    "ConnectSpec",
    "ControlCenterSpec",
    "DisruptionBudget",
    "ExternalAccess",
    "ExternalType",
    "JmxExporter",
    "Jvm",
    "KafkaListener",
    "KafkaListeners",
    "KafkaSpec",
    "KraftSpec",
    "KsqlDbSpec",
    "Manifest",
    "PlatformMaterial",
    "PlatformSpec",
    "PodTemplate",
    "Rack",
    "RenderedPlatform",
    "ReplicationListener",
    "ReplicatorSource",
    "ReplicatorSpec",
    "Resources",
    "RestProxySpec",
    "ScaleInPolicy",
    "SchemaRegistrySpec",
    "Security",
    "SpecFieldError",
    "Storage",
    "TlsPair",
    "WrittenManifests",
    "ZooKeeperSpec",
    "config_map_name",
    "certificate_names",
    "certificate_problem",
    "load_spec",
    "material_folder",
    "outdated_certificates",
    "read_material",
    "read_spec",
    "render",
    "required_material",
    "spec_from_mapping",
    "write_manifests",
]
