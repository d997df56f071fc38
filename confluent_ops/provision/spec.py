"""The platform spec: what to run, typed and checked once, in the shape of Helm values.

One :class:`PlatformSpec` describes a whole Confluent Platform in one namespace: the metadata
quorum (ZooKeeper or KRaft controllers), Kafka, and the optional Schema Registry, Connect,
ksqlDB, Control Center, REST Proxy and Replicator. Each component reads like the values of
Confluent's Helm charts and the CRDs of Confluent for Kubernetes: ``replicas``, ``image``,
``resources``, ``jvm``, ``storage``, ``config``, ``pod``; Kafka adds ``listeners`` (internal,
replication, external through load balancers or node ports) and ``rack``.

A spec never holds a secret. Certificates, keys and passwords live in a material folder
(:mod:`confluent_ops.provision.material`) and reach the pods only as Secrets; ``config``
overrides that would put a password or a key into a ConfigMap are refused.

Every value is checked when the spec is built (:func:`confluent_ops.provision.load_spec`
reports the field path and the allowed values: ``kafka.listeners.external.type: must be one
of loadbalancer, nodeport``), so :func:`confluent_ops.provision.render` may trust it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any

import attrs

from confluent_ops.model._frozen import FrozenDict, frozen_dict

__all__ = [
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
    "PlatformSpec",
    "PodTemplate",
    "Rack",
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
    "ZooKeeperSpec",
]


class SpecFieldError(ValueError):
    """A value refused by a spec check, naming the field (relative to the value checked).

    :func:`~confluent_ops.provision.load_spec` joins ``field`` to the path of the value that
    raised it, so the user reads ``kafka.listeners.external.domain: ...``.
    """

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        self.detail = detail
        super().__init__(f"{field}: {detail}" if field else detail)


class ComponentKind(enum.Enum):
    """The components of a platform; the value is the spec's key and the objects' base name."""

    ZOOKEEPER = "zookeeper"
    KRAFT = "kraft"
    KAFKA = "kafka"
    SCHEMA_REGISTRY = "schema_registry"
    CONNECT = "connect"
    KSQLDB = "ksqldb"
    CONTROL_CENTER = "control_center"
    REST_PROXY = "rest_proxy"
    REPLICATOR = "replicator"

    @property
    def object_name(self) -> str:
        """The name of the component's StatefulSet, Services and ConfigMap."""
        return self.value.replace("_", "-")


class ExternalType(enum.Enum):
    """How clients outside Kubernetes reach each broker."""

    LOADBALANCER = "loadbalancer"
    NODEPORT = "nodeport"


class Authentication(enum.Enum):
    """How a Kafka listener knows its clients (``none`` still may use TLS for privacy)."""

    NONE = "none"
    MTLS = "mtls"
    PLAIN = "plain"
    SCRAM_SHA_256 = "scram-sha-256"
    SCRAM_SHA_512 = "scram-sha-512"

    @property
    def sasl_mechanism(self) -> str | None:
        """Kafka's name for the SASL mechanism, or ``None`` for TLS-only or no authentication."""
        return {
            Authentication.PLAIN: "PLAIN",
            Authentication.SCRAM_SHA_256: "SCRAM-SHA-256",
            Authentication.SCRAM_SHA_512: "SCRAM-SHA-512",
        }.get(self)

    @property
    def is_scram(self) -> bool:
        return self in (Authentication.SCRAM_SHA_256, Authentication.SCRAM_SHA_512)


class ScaleInPolicy(enum.Enum):
    """What happens to a removed pod's volume: kept for a later scale-out, or deleted."""

    RETAIN = "retain"
    DELETE = "delete"


_QUANTITY = re.compile(r"^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i?|[mkMGTPE]|[u])?$")
_HEAP = re.compile(r"^[1-9]\d*[kKmMgG]?$")
_DNS_LABEL = re.compile(r"^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_LABEL_WORDS = "a DNS label (1 to 63 lowercase letters, digits and '-')"
_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_IMAGE = re.compile(r"^[a-z0-9][a-z0-9._/:-]*(@sha256:[0-9a-f]{64})?$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_SECRET_WORDS = ("password", "jaas", "secret", "token", "user.info", "private")
_SECRET_SUFFIXES = (".key", "keystore.key", "ssl.keystore.certificate.chain")


# -- small checks, each raising SpecFieldError("", ...) so the caller's path names the field --


def _at_least(minimum: int, maximum: int = 2**31 - 1) -> Any:
    def check(_: object, attribute: attrs.Attribute[int], value: int) -> None:
        if value < minimum:
            raise SpecFieldError(attribute.name, f"must be at least {minimum}, not {value}")
        if value > maximum:
            raise SpecFieldError(attribute.name, f"must be at most {maximum}, not {value}")

    return check


MAX_BROKERS = 5000
"""More brokers than any single Kafka cluster runs: a bound, so a typo cannot render millions."""
MAX_QUORUM = 15
MAX_REPLICAS = 500
NODE_PORT_TOP = 32767
"""The top of Kubernetes' default node port range (30000-32767)."""


def _port(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 1024 <= value <= 65535:
        raise SpecFieldError(attribute.name, f"must be a port from 1024 to 65535, not {value}")


def _matches(pattern: re.Pattern[str], what: str) -> Any:
    def check(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
        if value is not None and not pattern.fullmatch(value):
            raise SpecFieldError(attribute.name, f"{value!r} is not {what}")

    return check


def _quantities(_: object, attribute: attrs.Attribute[Any], value: Mapping[str, str]) -> None:
    for key, quantity in value.items():
        if key not in ("cpu", "memory", "ephemeral-storage"):
            raise SpecFieldError(
                _keyed(attribute.name, key), "must be one of cpu, memory, ephemeral-storage"
            )
        if not _QUANTITY.fullmatch(quantity):
            raise SpecFieldError(
                _keyed(attribute.name, key),
                f"{quantity!r} is not a Kubernetes quantity (such as 500m, 2, 4Gi)",
            )


def _keyed(name: str, key: str) -> str:
    """``name.key``, or ``name["key"]`` when the key has dots (Kafka property names do)."""
    plain = key.replace("_", "").replace("-", "").isalnum()
    return f"{name}.{key}" if plain else f'{name}["{key}"]'


def _labels(_: object, attribute: attrs.Attribute[Any], value: Mapping[str, str]) -> None:
    for key, text in value.items():
        if not _LABEL_KEY.fullmatch(key):
            raise SpecFieldError(_keyed(attribute.name, key), "is not a valid label key")
        if attribute.name == "labels" and not _LABEL_VALUE.fullmatch(text):
            raise SpecFieldError(
                _keyed(attribute.name, key), f"{text!r} is not a valid label value"
            )


def _config_keys(_: object, attribute: attrs.Attribute[Any], value: Mapping[str, str]) -> None:
    for key in value:
        lowered = key.lower()
        if any(word in lowered for word in _SECRET_WORDS) or lowered.endswith(_SECRET_SUFFIXES):
            raise SpecFieldError(
                _keyed(attribute.name, key),
                "would put a secret into a ConfigMap; secrets come from the material folder "
                "(security.material) and are mounted from Secrets",
            )
        if not key or any(c.isspace() or c in "=:" for c in key):
            raise SpecFieldError(_keyed(attribute.name, key), "is not a Kafka property name")


def _mapping(value: Mapping[str, str] | None) -> FrozenDict[str, str]:
    return frozen_dict(sorted((value or {}).items()))


# -- building blocks shared by the components --


@attrs.frozen
class Resources:
    """Container requests and limits, as Kubernetes quantities (``cpu: 500m``, ``memory: 4Gi``)."""

    requests: FrozenDict[str, str] = attrs.field(
        factory=FrozenDict, converter=_mapping, validator=_quantities
    )
    limits: FrozenDict[str, str] = attrs.field(
        factory=FrozenDict, converter=_mapping, validator=_quantities
    )


@attrs.frozen
class Jvm:
    """The JVM heap (``-Xms`` = ``-Xmx``, as Kafka recommends) and extra options."""

    heap: str | None = attrs.field(
        default=None, validator=_matches(_HEAP, "a heap size such as 2g")
    )
    options: tuple[str, ...] = ()

    def to_heap_opts(self) -> str:
        heap = self.heap or "1g"
        return f"-Xms{heap} -Xmx{heap}"


@attrs.frozen
class Storage:
    """A PersistentVolumeClaim per pod; ``on_scale_in`` says whether a removed pod's claim stays.

    A ``size`` left out is the component's default (Kafka 100Gi, Control Center 20Gi, 10Gi for
    the rest), also when other storage fields are given.
    """

    size: str | None = attrs.field(
        default=None, validator=_matches(_QUANTITY, "a Kubernetes quantity")
    )
    storage_class: str | None = attrs.field(
        default=None, validator=_matches(_DNS_SUBDOMAIN, "a StorageClass name")
    )
    on_scale_in: ScaleInPolicy = ScaleInPolicy.RETAIN


def _jvm(heap: str) -> Any:
    """A component's ``jvm`` field: its own default heap, kept when only ``options`` is given."""

    def fill(value: Jvm) -> Jvm:
        return value if value.heap is not None else attrs.evolve(value, heap=heap)

    return attrs.field(factory=lambda: Jvm(heap=heap), converter=fill)


def _storage(size: str) -> Any:
    """A component's ``storage`` field: its own default size, kept when other fields are given."""

    def fill(value: Storage) -> Storage:
        return value if value.size is not None else attrs.evolve(value, size=size)

    return attrs.field(factory=lambda: Storage(size=size), converter=fill)


@attrs.frozen
class DisruptionBudget:
    """The PodDisruptionBudget: how many pods a voluntary disruption (a drain) may take at once."""

    max_unavailable: int = attrs.field(default=1, validator=_at_least(1))


@attrs.frozen
class PodTemplate:
    """What a platform team adds to every pod of a component."""

    annotations: FrozenDict[str, str] = attrs.field(
        factory=FrozenDict, converter=_mapping, validator=_labels
    )
    labels: FrozenDict[str, str] = attrs.field(
        factory=FrozenDict, converter=_mapping, validator=_labels
    )
    node_selector: FrozenDict[str, str] = attrs.field(
        factory=FrozenDict, converter=_mapping, validator=_labels
    )
    service_account: str | None = attrs.field(
        default=None, validator=_matches(_DNS_SUBDOMAIN, "a ServiceAccount name")
    )
    priority_class: str | None = attrs.field(
        default=None, validator=_matches(_DNS_SUBDOMAIN, "a PriorityClass name")
    )


_image_reference = _matches(_IMAGE, "an image reference (registry/name:tag)")


@attrs.frozen(kw_only=True)
class _Workload:
    """What every component has: its image, resources, ``config`` overrides (never a secret),
    what the platform team adds to its pods, and its disruption budget."""

    image: str | None = attrs.field(default=None, validator=_image_reference)
    resources: Resources = attrs.field(factory=Resources)
    config: FrozenDict[str, str] = attrs.field(
        factory=FrozenDict, converter=_mapping, validator=_config_keys
    )
    pod: PodTemplate = attrs.field(factory=PodTemplate)
    disruption_budget: DisruptionBudget = attrs.field(factory=DisruptionBudget)


# -- the metadata quorum --


@attrs.frozen(kw_only=True)
class ZooKeeperSpec(_Workload):
    """A ZooKeeper ensemble (Confluent Platform 7.x only; 8.0 removed ZooKeeper mode)."""

    replicas: int = attrs.field(default=3, validator=_at_least(1, MAX_QUORUM))
    jvm: Jvm = _jvm("512m")
    storage: Storage = _storage("10Gi")
    client_port: int = attrs.field(default=2181, validator=_port)


@attrs.frozen(kw_only=True)
class KraftSpec(_Workload):
    """KRaft controllers: the metadata quorum of Kafka without ZooKeeper (node ids from 9990).

    Their CONTROLLER listener speaks like the brokers' replication listener unless ``tls`` or
    ``authentication`` say otherwise (SCRAM cannot serve there).
    """

    replicas: int = attrs.field(default=3, validator=_at_least(1, MAX_QUORUM))
    jvm: Jvm = _jvm("1g")
    storage: Storage = _storage("10Gi")
    port: int = attrs.field(default=9074, validator=_port)
    tls: bool | None = None
    authentication: Authentication | None = None
    first_node_id: int = attrs.field(default=9990, validator=_at_least(1, 2**31 - 1 - MAX_QUORUM))


# -- Kafka --


@attrs.frozen
class KafkaListener:
    """One Kafka listener: its port, whether it speaks TLS, and how it authenticates clients."""

    port: int = attrs.field(default=9071, validator=_port)
    tls: bool = False
    authentication: Authentication = Authentication.NONE

    def __attrs_post_init__(self) -> None:
        if self.authentication is Authentication.MTLS and not self.tls:
            raise SpecFieldError("authentication", "mtls needs tls: true")

    @property
    def protocol(self) -> str:
        """Kafka's security protocol name for the listener."""
        sasl = self.authentication.sasl_mechanism is not None
        return {
            (False, False): "PLAINTEXT",
            (True, False): "SSL",
            (False, True): "SASL_PLAINTEXT",
            (True, True): "SASL_SSL",
        }[(self.tls, sasl)]


@attrs.frozen
class ReplicationListener(KafkaListener):
    """The listener between brokers (and to KRaft controllers): port 9072 unless given."""

    port: int = attrs.field(default=9072, validator=_port)


@attrs.frozen
class ExternalAccess:
    """Clients outside Kubernetes: a Service per broker plus a bootstrap Service.

    ``loadbalancer``: each broker is advertised as ``<broker_prefix><id>.<domain>:<port>`` and the
    bootstrap as ``<bootstrap_prefix>.<domain>:<port>``; point those names (by hand or with
    external-dns, whose hostname annotation each Service carries) at the load balancers.
    ``nodeport``: each broker as ``<host>:<node_port_offset + 1 + id>``, the bootstrap at
    ``<host>:<node_port_offset>``.
    """

    type: ExternalType
    port: int = attrs.field(default=9092, validator=_port)
    tls: bool = False
    authentication: Authentication = Authentication.NONE
    domain: str | None = attrs.field(default=None, validator=_matches(_DNS_SUBDOMAIN, "a domain"))
    broker_prefix: str = attrs.field(default="b", validator=_matches(_DNS_LABEL, _LABEL_WORDS))
    bootstrap_prefix: str = attrs.field(
        default="kafka", validator=_matches(_DNS_LABEL, _LABEL_WORDS)
    )
    host: str | None = attrs.field(default=None, validator=_matches(_DNS_SUBDOMAIN, "a host name"))
    node_port_offset: int = attrs.field(
        default=30000, validator=_at_least(30000, NODE_PORT_TOP - 1)
    )
    annotations: FrozenDict[str, str] = attrs.field(
        factory=FrozenDict, converter=_mapping, validator=_labels
    )

    def __attrs_post_init__(self) -> None:
        if self.authentication is Authentication.MTLS and not self.tls:
            raise SpecFieldError("authentication", "mtls needs tls: true")
        if self.type is ExternalType.LOADBALANCER and self.domain is None:
            raise SpecFieldError(
                "domain", "a loadbalancer listener needs the domain its names are in"
            )
        if self.type is ExternalType.NODEPORT and self.host is None:
            raise SpecFieldError(
                "host", "a nodeport listener needs the host clients reach nodes by"
            )

    @property
    def listener(self) -> KafkaListener:
        return KafkaListener(port=self.port, tls=self.tls, authentication=self.authentication)


@attrs.frozen
class KafkaListeners:
    """``internal`` serves clients inside Kubernetes (and the other components);
    ``replication`` carries traffic between brokers (and to KRaft controllers), and is the
    internal one's twin when left out; ``external`` is optional."""

    internal: KafkaListener = attrs.field(factory=KafkaListener)
    replication: ReplicationListener | None = None
    external: ExternalAccess | None = None

    @property
    def inter_broker(self) -> KafkaListener:
        if self.replication is not None:
            return self.replication
        return attrs.evolve(self.internal, port=self.internal.port + 1)

    def __attrs_post_init__(self) -> None:
        ports = {"internal": self.internal.port, "replication": self.inter_broker.port}
        if self.external is not None:
            ports["external"] = self.external.port
        seen: dict[int, str] = {}
        for name, port in ports.items():
            if port in seen:
                raise SpecFieldError(f"{name}.port", f"{port} is already the {seen[port]} port")
            seen[port] = name


@attrs.frozen
class Rack:
    """Rack awareness: pods spread over the values of a node label, ``broker.rack`` from it."""

    topology_key: str = attrs.field(
        default="topology.kubernetes.io/zone", validator=_matches(_LABEL_KEY, "a label key")
    )
    init_image: str = attrs.field(
        default="registry.k8s.io/kubectl:v1.34.4",
        validator=_matches(_IMAGE, "an image reference"),
    )


@attrs.frozen(kw_only=True)
class KafkaSpec(_Workload):
    """The brokers (node ids 0, 1, ... from the pod ordinals)."""

    replicas: int = attrs.field(default=3, validator=_at_least(1, MAX_BROKERS))
    jvm: Jvm = _jvm("2g")
    storage: Storage = _storage("100Gi")
    listeners: KafkaListeners = attrs.field(factory=KafkaListeners)
    rack: Rack | None = None
    default_replication_factor: int | None = attrs.field(default=None)
    min_insync_replicas: int | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        external = self.listeners.external
        if (
            external is not None
            and external.type is ExternalType.NODEPORT
            and external.node_port_offset + self.replicas > NODE_PORT_TOP
        ):
            raise SpecFieldError(
                "listeners.external.node_port_offset",
                f"{external.node_port_offset} + 1 + the broker ids up to {self.replicas - 1} "
                f"passes {NODE_PORT_TOP}, the top of Kubernetes' node port range",
            )
        factor = self.replication_factor
        if self.default_replication_factor is not None and not (
            1 <= self.default_replication_factor <= self.replicas
        ):
            raise SpecFieldError(
                "default_replication_factor",
                f"must be from 1 to the {self.replicas} brokers, not "
                f"{self.default_replication_factor}",
            )
        if self.min_insync_replicas is not None and not (1 <= self.min_insync_replicas <= factor):
            raise SpecFieldError(
                "min_insync_replicas",
                f"must be from 1 to the replication factor {factor}, not "
                f"{self.min_insync_replicas}",
            )

    @property
    def replication_factor(self) -> int:
        """The default replication factor: 3, or every broker when there are fewer."""
        if self.default_replication_factor is not None:
            return self.default_replication_factor
        return min(3, self.replicas)

    @property
    def min_insync(self) -> int:
        """``min.insync.replicas``: one less than the replication factor, at least 1."""
        if self.min_insync_replicas is not None:
            return self.min_insync_replicas
        return max(1, self.replication_factor - 1)


# -- the components around Kafka --


@attrs.frozen(kw_only=True)
class SchemaRegistrySpec(_Workload):
    """Confluent Schema Registry, storing schemas in Kafka (``_schemas``)."""

    replicas: int = attrs.field(default=1, validator=_at_least(1, MAX_REPLICAS))
    jvm: Jvm = _jvm("512m")
    port: int = attrs.field(default=8081, validator=_port)


@attrs.frozen(kw_only=True)
class ConnectSpec(_Workload):
    """A Kafka Connect cluster in distributed mode (Avro converters when Schema Registry is on)."""

    replicas: int = attrs.field(default=2, validator=_at_least(1, MAX_REPLICAS))
    jvm: Jvm = _jvm("1g")
    port: int = attrs.field(default=8083, validator=_port)
    plugin_path: str = "/usr/share/java,/usr/share/confluent-hub-components"


@attrs.frozen(kw_only=True)
class KsqlDbSpec(_Workload):
    """ksqlDB servers, with state stores on their own volumes."""

    replicas: int = attrs.field(default=2, validator=_at_least(1, MAX_REPLICAS))
    jvm: Jvm = _jvm("2g")
    storage: Storage = _storage("10Gi")
    port: int = attrs.field(default=8088, validator=_port)


@attrs.frozen(kw_only=True)
class ControlCenterSpec(_Workload):
    """Confluent Control Center (one replica), wired to Connect, ksqlDB and Schema Registry."""

    replicas: int = attrs.field(default=1, validator=_at_least(1, MAX_REPLICAS))
    jvm: Jvm = _jvm("2g")
    storage: Storage = _storage("20Gi")
    port: int = attrs.field(default=9021, validator=_port)

    def __attrs_post_init__(self) -> None:
        if self.replicas != 1:
            raise SpecFieldError("replicas", "Control Center runs as exactly 1 replica")


@attrs.frozen(kw_only=True)
class RestProxySpec(_Workload):
    """Confluent REST Proxy."""

    replicas: int = attrs.field(default=1, validator=_at_least(1, MAX_REPLICAS))
    jvm: Jvm = _jvm("512m")
    port: int = attrs.field(default=8082, validator=_port)


@attrs.frozen
class ReplicatorSource:
    """The cluster Replicator copies from. Its password and CA are in the material folder
    (``replicator-source/password``, ``replicator-source/ca.crt``), never here."""

    bootstrap: str = attrs.field()
    tls: bool = False
    authentication: Authentication = Authentication.NONE
    user: str | None = attrs.field(default=None, validator=_matches(_USER, "a user name"))

    @bootstrap.validator
    def _check_bootstrap(self, attribute: attrs.Attribute[str], value: str) -> None:
        for entry in value.split(","):
            host, _, port = entry.strip().rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise SpecFieldError(
                    "bootstrap", f"{entry.strip()!r} is not host:port (a comma-separated list)"
                )

    def __attrs_post_init__(self) -> None:
        if self.authentication is Authentication.MTLS:
            raise SpecFieldError(
                "authentication",
                "must be one of none, plain, scram-sha-256, "
                "scram-sha-512 (a source cluster's mtls is not supported)",
            )
        if (self.authentication.sasl_mechanism is None) != (self.user is None):
            need = "needs a user" if self.user is None else "takes no user without SASL"
            raise SpecFieldError("user", f"authentication {self.authentication.value} {need}")

    @property
    def protocol(self) -> str:
        return KafkaListener(port=1024, tls=self.tls, authentication=self.authentication).protocol


@attrs.frozen(kw_only=True)
class ReplicatorSpec(_Workload):
    """Confluent Replicator (the executable), copying ``topics`` or ``topic_regex`` from
    ``source`` into this platform's Kafka."""

    source: ReplicatorSource
    topics: tuple[str, ...] = ()
    topic_regex: str | None = None
    replicas: int = attrs.field(default=1, validator=_at_least(1, MAX_REPLICAS))
    jvm: Jvm = _jvm("1g")

    def __attrs_post_init__(self) -> None:
        if bool(self.topics) == (self.topic_regex is not None):
            raise SpecFieldError("topics", "give either topics or topic_regex")
        for index, topic in enumerate(self.topics):
            if not re.fullmatch(r"[A-Za-z0-9._-]{1,249}", topic):
                raise SpecFieldError(f"topics[{index}]", f"{topic!r} is not a topic name")
        if self.topic_regex is not None:
            try:
                re.compile(self.topic_regex)
            except re.error as exc:
                raise SpecFieldError("topic_regex", f"is not a regular expression: {exc}") from None


# -- the platform --


@attrs.frozen
class JmxExporter:
    """The Prometheus JMX exporter, loaded as a Java agent in every component.

    ``agent`` is the agent jar's path inside the images (Confluent's images ship it under
    ``/usr/share/java/cp-base-new``); pods get the usual ``prometheus.io/*`` annotations.
    """

    enabled: bool = True
    port: int = attrs.field(default=7778, validator=_port)
    agent: str = attrs.field(
        default="/usr/share/java/cp-base-new/jmx_prometheus_javaagent-1.1.0.jar",
        validator=_matches(re.compile(r"^/[^\s:=]+\.jar$"), "an absolute path to a .jar"),
    )


@attrs.frozen
class Security:
    """Where certificates, keys and passwords come from, and the extra SASL users.

    ``material`` is a folder made by ``confluent-ops certs platform`` (or by hand in the same
    layout): ``ca.crt``, ``<component>/tls.crt`` and ``tls.key``, ``users/<user>.password``.
    Relative paths are relative to the spec file. ``users`` are extra SASL users created with
    the platform; each component has its own user, named like its objects (a certificate's
    CN is mapped to the same principal, so ``User:schema-registry`` is one principal whether it
    logs in with SASL or presents its certificate).
    """

    material: str | None = None
    users: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        for index, name in enumerate(self.users):
            if not _USER.fullmatch(name):
                raise SpecFieldError(f"users[{index}]", f"{name!r} is not a user name")
        if len(set(self.users)) != len(self.users):
            raise SpecFieldError("users", "lists a name twice")


_PLATFORM_VERSION = "7.9.1"


@attrs.frozen
class PlatformSpec:
    """A whole Confluent Platform in one namespace.

    ``version`` is Confluent Platform's (``7.9.x`` carries Kafka 3.9 and has ZooKeeper mode;
    ``8.x`` is KRaft only) and picks every image not given explicitly, from ``registry``.
    Exactly one of ``zookeeper`` and ``kraft`` is the metadata quorum.
    """

    name: str = attrs.field(validator=_matches(_DNS_LABEL, _LABEL_WORDS))
    namespace: str = attrs.field(validator=_matches(_DNS_LABEL, _LABEL_WORDS))
    kafka: KafkaSpec = attrs.field(factory=KafkaSpec)
    version: str = attrs.field(
        default=_PLATFORM_VERSION, validator=_matches(_VERSION, "a version such as 7.9.1")
    )
    registry: str = attrs.field(
        default="docker.io/confluentinc", validator=_matches(_IMAGE, "an image registry")
    )
    cluster_id: str | None = attrs.field(
        default=None,
        validator=_matches(re.compile(r"^[A-Za-z0-9_-]{22}$"), "a 22-character Kafka cluster id"),
    )
    cluster_domain: str = attrs.field(
        default="cluster.local", validator=_matches(_DNS_SUBDOMAIN, "a domain")
    )
    zookeeper: ZooKeeperSpec | None = None
    kraft: KraftSpec | None = None
    schema_registry: SchemaRegistrySpec | None = None
    connect: ConnectSpec | None = None
    ksqldb: KsqlDbSpec | None = None
    control_center: ControlCenterSpec | None = None
    rest_proxy: RestProxySpec | None = None
    replicator: ReplicatorSpec | None = None
    security: Security = attrs.field(factory=Security)
    metrics: JmxExporter = attrs.field(factory=JmxExporter)
    labels: FrozenDict[str, str] = attrs.field(
        factory=FrozenDict, converter=_mapping, validator=_labels
    )

    def __attrs_post_init__(self) -> None:
        if (self.zookeeper is None) == (self.kraft is None):
            raise SpecFieldError("kraft", "give exactly one of zookeeper and kraft")
        if self.zookeeper is not None and self.major_version >= 8:
            raise SpecFieldError(
                "zookeeper",
                f"Confluent Platform {self.version} has no ZooKeeper mode (8.0 removed it); "
                "use kraft",
            )
        if self.uses_tls and self.security.material is None:
            raise SpecFieldError(
                "security.material",
                "a listener uses TLS: name the folder holding the certificates "
                "(confluent-ops certs platform makes it)",
            )
        if self.uses_sasl and self.security.material is None:
            raise SpecFieldError(
                "security.material",
                "a listener uses SASL: name the folder holding the passwords "
                "(confluent-ops certs platform makes it)",
            )
        replicator = self.replicator
        if (
            replicator is not None
            and (replicator.source.tls or replicator.source.user is not None)
            and self.security.material is None
        ):
            raise SpecFieldError(
                "security.material", "replicator.source needs its CA or password from it"
            )
        controller = self.controller_listener
        if controller is not None and controller.authentication.is_scram:
            raise SpecFieldError(
                "kraft.authentication",
                "SCRAM cannot authenticate brokers to KRaft controllers (controllers read SCRAM "
                "users from the metadata they serve, KAFKA-15513): set it to none, mtls or "
                "plain (by default the controllers use the replication listener's)",
            )
        if self.kraft is not None and self.kraft.first_node_id < self.kafka.replicas:
            raise SpecFieldError(
                "kraft.first_node_id",
                f"{self.kraft.first_node_id} is a broker's node id (brokers are 0 to "
                f"{self.kafka.replicas - 1}); controllers need ids of their own",
            )
        clash = set(self.security.users) & {kind.object_name for kind in self.components}
        if clash:
            raise SpecFieldError(
                "security.users", f"{sorted(clash)[0]!r} is a component's own user already"
            )

    @property
    def major_version(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def components(self) -> tuple[ComponentKind, ...]:
        """The components present, in the order they start (quorum, Kafka, then the rest)."""
        return tuple(kind for kind in ComponentKind if getattr(self, kind.value) is not None)

    @property
    def listeners(self) -> tuple[KafkaListener, ...]:
        """Every Kafka listener: internal, replication, external, and the controllers'."""
        found = [self.kafka.listeners.internal, self.kafka.listeners.inter_broker]
        if self.kafka.listeners.external is not None:
            found.append(self.kafka.listeners.external.listener)
        if self.controller_listener is not None:
            found.append(self.controller_listener)
        return tuple(found)

    @property
    def controller_listener(self) -> KafkaListener | None:
        """The KRaft controllers' listener (``None`` in ZooKeeper mode)."""
        if self.kraft is None:
            return None
        replication = self.kafka.listeners.inter_broker
        tls = replication.tls if self.kraft.tls is None else self.kraft.tls
        authentication = self.kraft.authentication or replication.authentication
        if authentication is Authentication.MTLS and not tls:
            field = "kraft.tls" if self.kraft.tls is False else "kraft.authentication"
            raise SpecFieldError(field, "mtls needs tls: true")
        return KafkaListener(port=self.kraft.port, tls=tls, authentication=authentication)

    @property
    def uses_tls(self) -> bool:
        return any(listener.tls for listener in self.listeners)

    @property
    def uses_sasl(self) -> bool:
        return any(listener.authentication.sasl_mechanism for listener in self.listeners)

    @property
    def sasl_users(self) -> tuple[str, ...]:
        """Every SASL user the platform creates: each component's own, then ``users``.

        Empty when no listener uses SASL.
        """
        if not self.uses_sasl:
            return ()
        own = tuple(kind.object_name for kind in self.components if kind not in _QUORUM)
        return (*own, *self.security.users)

    def image(self, kind: ComponentKind) -> str:
        """The component's image: its own ``image``, or Confluent's for ``version``."""
        given: str | None = getattr(self, kind.value).image
        if given is not None:
            return given
        return f"{self.registry}/{_IMAGES[kind]}:{self.version}"


_QUORUM = frozenset({ComponentKind.ZOOKEEPER, ComponentKind.KRAFT})
_IMAGES = {
    ComponentKind.ZOOKEEPER: "cp-zookeeper",
    ComponentKind.KRAFT: "cp-server",
    ComponentKind.KAFKA: "cp-server",
    ComponentKind.SCHEMA_REGISTRY: "cp-schema-registry",
    ComponentKind.CONNECT: "cp-server-connect",
    ComponentKind.KSQLDB: "cp-ksqldb-server",
    ComponentKind.CONTROL_CENTER: "cp-enterprise-control-center",
    ComponentKind.REST_PROXY: "cp-kafka-rest",
    ComponentKind.REPLICATOR: "cp-enterprise-replicator-executable",
}
