"""What each component's ConfigMap holds: its properties and the script that starts it.

Secrets never appear here. Every secret value a property needs is a reference that the
component resolves at start-up with Kafka's ``DirectoryConfigProvider``
(``${dir:/mnt/secrets/tls:tls.key}`` reads the file ``tls.key`` of the mounted Secret), and the
start scripts read passwords from mounted files at run time. The per-pod settings (node id,
advertised names, rack) cannot be known before a pod exists: each start script appends them to
a copy of the shared properties, from the pod's ordinal and the rack file its init container
wrote.
"""

from __future__ import annotations

import base64
import hashlib
import shlex

import attrs

from confluent_ops.model.java_properties import java_properties_text
from confluent_ops.provision.spec import (
    Authentication,
    ComponentKind,
    ExternalType,
    KafkaListener,
    PlatformSpec,
)
from confluent_ops.tls.jaas import jaas_quote

CONFIG_DIR = "/mnt/config"
WORK_DIR = "/mnt/work"
DATA_DIR = "/mnt/data"
RACK_DIR = "/mnt/rack"
TLS_DIR = "/mnt/secrets/tls"
SASL_DIR = "/mnt/secrets/sasl"
SOURCE_DIR = "/mnt/secrets/source"

_PROVIDER = {
    "config.providers": "dir",
    "config.providers.dir.class": "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
}
_PRINCIPAL_RULES = "RULE:^CN=([a-zA-Z0-9._-]+).*$/$1/,DEFAULT"
CLIENT_JAAS = "client-jaas.conf"


def _secret(directory: str, key: str) -> str:
    return f"${{dir:{directory}:{key}}}"


def cluster_id(spec: PlatformSpec) -> str:
    """The KRaft cluster id: the spec's, or one derived from its namespace and name (stable)."""
    if spec.cluster_id is not None:
        return spec.cluster_id
    digest = hashlib.sha256(f"confluent-ops/{spec.namespace}/{spec.name}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode("ascii").rstrip("=")


def pod_host(spec: PlatformSpec, kind: ComponentKind, pod: str = "$HOSTNAME") -> str:
    """A pod's stable DNS name through its headless Service."""
    name = kind.object_name
    return f"{pod}.{name}.{spec.namespace}.svc.{spec.cluster_domain}"


def service_host(spec: PlatformSpec, kind: ComponentKind) -> str:
    return f"{kind.object_name}-client.{spec.namespace}.svc.{spec.cluster_domain}"


def kafka_bootstrap(spec: PlatformSpec) -> str:
    """``host:port`` of the internal listener through the client Service."""
    return f"{service_host(spec, ComponentKind.KAFKA)}:{spec.kafka.listeners.internal.port}"


def kraft_voters(spec: PlatformSpec) -> str:
    kraft = spec.kraft
    assert kraft is not None
    return ",".join(
        f"{kraft.first_node_id + ordinal}@"
        f"{pod_host(spec, ComponentKind.KRAFT, f'kraft-{ordinal}')}:{kraft.port}"
        for ordinal in range(kraft.replicas)
    )


def zookeeper_connect(spec: PlatformSpec) -> str:
    zookeeper = spec.zookeeper
    assert zookeeper is not None
    return (
        ",".join(
            f"{pod_host(spec, ComponentKind.ZOOKEEPER, f'zookeeper-{n}')}:{zookeeper.client_port}"
            for n in range(zookeeper.replicas)
        )
        + "/kafka"
    )


# -- security of a Kafka client (every component) --


def client_security(listener: KafkaListener, *, prefix: str = "") -> dict[str, str]:
    """The client settings that reach ``listener``, secrets as references to mounted files."""
    props = {f"{prefix}security.protocol": listener.protocol}
    if listener.tls:
        props |= {
            f"{prefix}ssl.truststore.type": "PEM",
            f"{prefix}ssl.truststore.certificates": _secret(TLS_DIR, "ca.crt"),
        }
    if listener.authentication is Authentication.MTLS:
        props |= {
            f"{prefix}ssl.keystore.type": "PEM",
            f"{prefix}ssl.keystore.certificate.chain": _secret(TLS_DIR, "tls.crt"),
            f"{prefix}ssl.keystore.key": _secret(TLS_DIR, "tls.key"),
        }
    mechanism = listener.authentication.sasl_mechanism
    if mechanism is not None:
        props |= {
            f"{prefix}sasl.mechanism": mechanism,
            f"{prefix}sasl.jaas.config": _secret(SASL_DIR, CLIENT_JAAS),
        }
    return props


def client_jaas(authentication: Authentication, user: str, password: str) -> str:
    """A client's JAAS line (the content of a Secret, never of a ConfigMap)."""
    module = (
        "org.apache.kafka.common.security.plain.PlainLoginModule"
        if authentication is Authentication.PLAIN
        else "org.apache.kafka.common.security.scram.ScramLoginModule"
    )
    return f"{module} required username={jaas_quote(user)} password={jaas_quote(password)};"


# -- brokers and controllers --


@attrs.frozen
class _Listener:
    name: str
    listener: KafkaListener


def _broker_listeners(spec: PlatformSpec) -> tuple[_Listener, ...]:
    listeners = spec.kafka.listeners
    found = [
        _Listener("INTERNAL", listeners.internal),
        _Listener("REPLICATION", listeners.inter_broker),
    ]
    if listeners.external is not None:
        found.append(_Listener("EXTERNAL", listeners.external.listener))
    return tuple(found)


def _controller_listener(spec: PlatformSpec) -> _Listener:
    listener = spec.controller_listener
    assert listener is not None
    return _Listener("CONTROLLER", listener)


def password_key(user: str) -> str:
    """The Secret key holding a SASL user's password (read by the start scripts)."""
    return f"{user}.password"


def broker_jaas_key(listener: str, mechanism: str) -> str:
    """The Secret key holding a listener's broker-side JAAS text."""
    return f"{listener.lower()}-{mechanism.lower()}-jaas.conf"


def _listener_security(item: _Listener) -> dict[str, str]:
    prefix = f"listener.name.{item.name.lower()}."
    listener = item.listener
    props: dict[str, str] = {}
    if listener.tls:
        mtls = listener.authentication is Authentication.MTLS
        props |= {
            f"{prefix}ssl.keystore.type": "PEM",
            f"{prefix}ssl.keystore.certificate.chain": _secret(TLS_DIR, "tls.crt"),
            f"{prefix}ssl.keystore.key": _secret(TLS_DIR, "tls.key"),
            f"{prefix}ssl.truststore.type": "PEM",
            f"{prefix}ssl.truststore.certificates": _secret(TLS_DIR, "ca.crt"),
            f"{prefix}ssl.client.auth": "required" if mtls else "none",
            f"{prefix}ssl.principal.mapping.rules": _PRINCIPAL_RULES,
        }
    mechanism = listener.authentication.sasl_mechanism
    if mechanism is not None:
        props[f"{prefix}sasl.enabled.mechanisms"] = mechanism
        props[f"{prefix}{mechanism.lower()}.sasl.jaas.config"] = _secret(
            SASL_DIR, broker_jaas_key(item.name, mechanism)
        )
    return props


def broker_jaas(
    spec: PlatformSpec, passwords: dict[str, str], kind: ComponentKind
) -> dict[str, str]:
    """Secret key -> JAAS text for each SASL listener a broker (or a controller) uses.

    Brokers use all their listeners and the controllers' (as clients); controllers only their
    own. PLAIN checks passwords against the listener's own list: the client listeners list
    every user, the replication and controller listeners only the brokers' user, the one that
    logs in there. SCRAM listeners know users from the cluster metadata and need only the
    inter-broker login, which the replication and controller listeners carry.
    """
    listeners = list(_broker_listeners(spec)) if kind is ComponentKind.KAFKA else []
    if spec.kraft is not None:
        listeners.append(_controller_listener(spec))
    texts: dict[str, str] = {}
    broker_user = ComponentKind.KAFKA.object_name
    for item in listeners:
        authentication = item.listener.authentication
        mechanism = authentication.sasl_mechanism
        if mechanism is None:
            continue
        inter_broker = item.name in ("REPLICATION", "CONTROLLER")
        if authentication is Authentication.PLAIN:
            options = []
            if inter_broker:
                options += [
                    f"username={jaas_quote(broker_user)}",
                    f"password={jaas_quote(passwords[broker_user])}",
                ]
            allowed = [broker_user] if inter_broker else sorted(passwords)
            options += [f"user_{user}={jaas_quote(passwords[user])}" for user in allowed]
            module = "org.apache.kafka.common.security.plain.PlainLoginModule"
        else:
            options = (
                [
                    f"username={jaas_quote(broker_user)}",
                    f"password={jaas_quote(passwords[broker_user])}",
                ]
                if inter_broker
                else []
            )
            module = "org.apache.kafka.common.security.scram.ScramLoginModule"
        texts[broker_jaas_key(item.name, mechanism)] = (
            " ".join([module, "required", *options]) + ";"
        )
    return texts


def _protocol_map(listeners: list[_Listener]) -> str:
    return ",".join(f"{item.name}:{item.listener.protocol}" for item in listeners)


def kafka_properties(spec: PlatformSpec) -> dict[str, str]:
    """The brokers' shared ``server.properties`` (the start script adds the per-pod lines)."""
    kafka = spec.kafka
    listeners = list(_broker_listeners(spec))
    props: dict[str, str] = dict(_PROVIDER)
    everything = list(listeners)
    if spec.kraft is not None:
        controller = _controller_listener(spec)
        everything.append(controller)
        props |= {
            "process.roles": "broker",
            "controller.quorum.voters": kraft_voters(spec),
            "controller.listener.names": "CONTROLLER",
        }
        mechanism = controller.listener.authentication.sasl_mechanism
        if mechanism is not None:
            props["sasl.mechanism.controller.protocol"] = mechanism
    else:
        props |= {
            "zookeeper.connect": zookeeper_connect(spec),
            "zookeeper.connection.timeout.ms": "18000",
        }
    props |= {
        "listeners": ",".join(f"{item.name}://0.0.0.0:{item.listener.port}" for item in listeners),
        "listener.security.protocol.map": _protocol_map(everything),
        "inter.broker.listener.name": "REPLICATION",
    }
    mechanism = kafka.listeners.inter_broker.authentication.sasl_mechanism
    if mechanism is not None:
        props["sasl.mechanism.inter.broker.protocol"] = mechanism
    for item in everything:
        props |= _listener_security(item)
    factor = str(kafka.replication_factor)
    props |= {
        "log.dirs": f"{DATA_DIR}/logs",
        "default.replication.factor": factor,
        "min.insync.replicas": str(kafka.min_insync),
        "offsets.topic.replication.factor": factor,
        "transaction.state.log.replication.factor": factor,
        "transaction.state.log.min.isr": str(kafka.min_insync),
        "confluent.license.topic.replication.factor": factor,
        "confluent.metadata.topic.replication.factor": factor,
        "confluent.balancer.topic.replication.factor": factor,
        "auto.create.topics.enable": "false",
        "unclean.leader.election.enable": "false",
    }
    return props | dict(kafka.config)


def kraft_properties(spec: PlatformSpec) -> dict[str, str]:
    """The controllers' shared ``server.properties``."""
    kraft = spec.kraft
    assert kraft is not None
    controller = _controller_listener(spec)
    props = dict(_PROVIDER) | {
        "process.roles": "controller",
        "controller.quorum.voters": kraft_voters(spec),
        "controller.listener.names": "CONTROLLER",
        "listeners": f"CONTROLLER://0.0.0.0:{kraft.port}",
        "listener.security.protocol.map": _protocol_map([controller]),
        "log.dirs": f"{DATA_DIR}/metadata",
    }
    mechanism = controller.listener.authentication.sasl_mechanism
    if mechanism is not None:
        props["sasl.mechanism.controller.protocol"] = mechanism
    props |= _listener_security(controller)
    return props | dict(kraft.config)


def zookeeper_properties(spec: PlatformSpec) -> dict[str, str]:
    zookeeper = spec.zookeeper
    assert zookeeper is not None
    props = {
        "dataDir": f"{DATA_DIR}/zookeeper",
        "clientPort": str(zookeeper.client_port),
        "tickTime": "2000",
        "initLimit": "10",
        "syncLimit": "5",
        "maxClientCnxns": "0",
        "autopurge.snapRetainCount": "3",
        "autopurge.purgeInterval": "24",
        "admin.enableServer": "false",
        "4lw.commands.whitelist": "srvr,mntr,ruok",
        "quorumListenOnAllIPs": "true",
    }
    for ordinal in range(zookeeper.replicas):
        host = pod_host(spec, ComponentKind.ZOOKEEPER, f"zookeeper-{ordinal}")
        props[f"server.{ordinal + 1}"] = f"{host}:2888:3888"
    return props | dict(zookeeper.config)


def _advertised(spec: PlatformSpec) -> str:
    """The ``advertised.listeners`` value, in shell (``$host`` and ``$ordinal`` are set)."""
    parts = [
        f"{item.name}://$host:{item.listener.port}"
        for item in _broker_listeners(spec)
        if item.name != "EXTERNAL"
    ]
    external = spec.kafka.listeners.external
    if external is not None:
        if external.type is ExternalType.LOADBALANCER:
            parts.append(
                f"EXTERNAL://{external.broker_prefix}$ordinal.{external.domain}:{external.port}"
            )
        else:
            parts.append(
                f"EXTERNAL://{external.host}:$((ordinal + {external.node_port_offset + 1}))"
            )
    return ",".join(parts)


def _script(lines: list[str]) -> str:
    return (
        "\n".join(
            [
                "#!/bin/sh",
                "# Written by confluent-ops render: per-pod settings, then the component.",
                "set -eu",
                *lines,
            ]
        )
        + "\n"
    )


def _copy_with(config: str, extra: list[str]) -> list[str]:
    """Copy the shared properties into the pod's work folder and append per-pod lines."""
    return [
        "ordinal=${HOSTNAME##*-}",
        f"props={WORK_DIR}/{config}",
        f'cp {CONFIG_DIR}/{config} "$props"',
        *(f'echo {line} >> "$props"' for line in extra),
    ]


def _scram_users(spec: PlatformSpec) -> list[tuple[str, str]]:
    """(user, shell expression reading its password) for SCRAM users, when SCRAM is used."""
    if not any(listener.authentication.is_scram for listener in spec.listeners):
        return []
    return [(user, f"$(cat {SASL_DIR}/{password_key(user)})") for user in spec.sasl_users]


def _scram_mechanisms(spec: PlatformSpec) -> list[str]:
    found = {
        listener.authentication.sasl_mechanism
        for listener in spec.listeners
        if listener.authentication.is_scram
    }
    return sorted(m for m in found if m is not None)


def kafka_script(spec: PlatformSpec) -> str:
    """The brokers' start script: node id, advertised names and rack, then Kafka."""
    host = pod_host(spec, ComponentKind.KAFKA)
    rack = [
        f'if [ -s {RACK_DIR}/rack ]; then echo "broker.rack=$(cat {RACK_DIR}/rack)" >> "$props"; fi'
    ]
    lines = [
        "ordinal=${HOSTNAME##*-}",
        f'host="{host}"',
        f"props={WORK_DIR}/server.properties",
        f'cp {CONFIG_DIR}/server.properties "$props"',
    ]
    if spec.kraft is not None:
        lines.append('echo "node.id=$ordinal" >> "$props"')
    else:
        lines.append('echo "broker.id=$ordinal" >> "$props"')
    lines.append(f'echo "advertised.listeners={_advertised(spec)}" >> "$props"')
    if spec.kafka.rack is not None:
        lines += rack
    if spec.kraft is not None:
        lines.append(
            f"kafka-storage format --ignore-formatted --cluster-id {cluster_id(spec)} "
            '--config "$props"'
        )
    else:
        for user, password in _scram_users(spec):
            for mechanism in _scram_mechanisms(spec):
                lines.append(
                    f"kafka-configs --zookeeper {shlex.quote(zookeeper_connect(spec))} --alter "
                    f'--add-config "{mechanism}=[password={password}]" '
                    f"--entity-type users --entity-name {user}"
                )
    lines.append('exec kafka-server-start "$props"')
    return _script(lines)


def kraft_script(spec: PlatformSpec) -> str:
    """The controllers' start script: node id, storage formatted once (with SCRAM users)."""
    kraft = spec.kraft
    assert kraft is not None
    lines = [
        "ordinal=${HOSTNAME##*-}",
        f"props={WORK_DIR}/server.properties",
        f'cp {CONFIG_DIR}/server.properties "$props"',
        f'echo "node.id=$((ordinal + {kraft.first_node_id}))" >> "$props"',
    ]
    scram = "".join(
        f' --add-scram "{mechanism}=[name={user},password={password}]"'
        for user, password in _scram_users(spec)
        for mechanism in _scram_mechanisms(spec)
    )
    lines.append(
        f"kafka-storage format --ignore-formatted --cluster-id {cluster_id(spec)} "
        f'--config "$props"{scram}'
    )
    lines.append('exec kafka-server-start "$props"')
    return _script(lines)


def zookeeper_script(spec: PlatformSpec) -> str:
    return _script(
        [
            "ordinal=${HOSTNAME##*-}",
            f"mkdir -p {DATA_DIR}/zookeeper",
            f"echo $((ordinal + 1)) > {DATA_DIR}/zookeeper/myid",
            f"exec zookeeper-server-start {CONFIG_DIR}/zookeeper.properties",
        ]
    )


# -- the components around Kafka --


def _schema_registry_url(spec: PlatformSpec) -> str | None:
    registry = spec.schema_registry
    if registry is None:
        return None
    return f"http://{service_host(spec, ComponentKind.SCHEMA_REGISTRY)}:{registry.port}"


def schema_registry_properties(spec: PlatformSpec) -> dict[str, str]:
    registry = spec.schema_registry
    assert registry is not None
    props = dict(_PROVIDER) | {
        "listeners": f"http://0.0.0.0:{registry.port}",
        "kafkastore.bootstrap.servers": kafka_bootstrap(spec),
        "kafkastore.topic": "_schemas",
        "kafkastore.topic.replication.factor": str(spec.kafka.replication_factor),
        "schema.registry.group.id": f"{spec.name}-schema-registry",
    }
    props |= client_security(spec.kafka.listeners.internal, prefix="kafkastore.")
    return props | dict(registry.config)


def _all_clients(listener: KafkaListener) -> dict[str, str]:
    """Connect's worker and its connectors' producers, consumers and admins, all alike."""
    props = client_security(listener)
    for prefix in ("producer.", "consumer.", "admin."):
        props |= client_security(listener, prefix=prefix)
    return props


def connect_properties(spec: PlatformSpec) -> dict[str, str]:
    connect = spec.connect
    assert connect is not None
    factor = str(spec.kafka.replication_factor)
    group = f"{spec.name}-connect"
    props = dict(_PROVIDER) | {
        "bootstrap.servers": kafka_bootstrap(spec),
        "group.id": group,
        "listeners": f"http://0.0.0.0:{connect.port}",
        "config.storage.topic": f"{group}-configs",
        "offset.storage.topic": f"{group}-offsets",
        "status.storage.topic": f"{group}-status",
        "config.storage.replication.factor": factor,
        "offset.storage.replication.factor": factor,
        "status.storage.replication.factor": factor,
        "plugin.path": connect.plugin_path,
    }
    url = _schema_registry_url(spec)
    if url is None:
        props |= {
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        }
    else:
        props |= {
            "key.converter": "io.confluent.connect.avro.AvroConverter",
            "value.converter": "io.confluent.connect.avro.AvroConverter",
            "key.converter.schema.registry.url": url,
            "value.converter.schema.registry.url": url,
        }
    props |= _all_clients(spec.kafka.listeners.internal)
    return props | dict(connect.config)


def ksqldb_properties(spec: PlatformSpec) -> dict[str, str]:
    ksqldb = spec.ksqldb
    assert ksqldb is not None
    factor = str(spec.kafka.replication_factor)
    props = dict(_PROVIDER) | {
        "listeners": f"http://0.0.0.0:{ksqldb.port}",
        "bootstrap.servers": kafka_bootstrap(spec),
        "ksql.service.id": f"{spec.name}-ksqldb_",
        "ksql.streams.state.dir": f"{DATA_DIR}/ksql-state",
        "ksql.internal.topic.replicas": factor,
        "ksql.streams.replication.factor": factor,
        "ksql.sink.replicas": factor,
        "ksql.logging.processing.topic.replication.factor": factor,
    }
    url = _schema_registry_url(spec)
    if url is not None:
        props["ksql.schema.registry.url"] = url
    props |= client_security(spec.kafka.listeners.internal)
    return props | dict(ksqldb.config)


def control_center_properties(spec: PlatformSpec) -> dict[str, str]:
    center = spec.control_center
    assert center is not None
    props = dict(_PROVIDER) | {
        "bootstrap.servers": kafka_bootstrap(spec),
        "confluent.controlcenter.rest.listeners": f"http://0.0.0.0:{center.port}",
        "confluent.controlcenter.data.dir": f"{DATA_DIR}/control-center",
        "confluent.controlcenter.id": spec.name,
        "confluent.controlcenter.internal.topics.replication": str(spec.kafka.replication_factor),
        "confluent.controlcenter.command.topic.replication": str(spec.kafka.replication_factor),
        "confluent.monitoring.interceptor.topic.replication": str(spec.kafka.replication_factor),
        "confluent.metrics.topic.replication": str(spec.kafka.replication_factor),
    }
    url = _schema_registry_url(spec)
    if url is not None:
        props["confluent.controlcenter.schema.registry.url"] = url
    if spec.connect is not None:
        props["confluent.controlcenter.connect.connect.cluster"] = (
            f"http://{service_host(spec, ComponentKind.CONNECT)}:{spec.connect.port}"
        )
    if spec.ksqldb is not None:
        ksql = f"http://{service_host(spec, ComponentKind.KSQLDB)}:{spec.ksqldb.port}"
        props["confluent.controlcenter.ksql.ksqldb.url"] = ksql
        props["confluent.controlcenter.ksql.ksqldb.advertised.url"] = ksql
    props |= client_security(
        spec.kafka.listeners.internal, prefix="confluent.controlcenter.streams."
    )
    return props | dict(center.config)


def rest_proxy_properties(spec: PlatformSpec) -> dict[str, str]:
    proxy = spec.rest_proxy
    assert proxy is not None
    props = dict(_PROVIDER) | {
        "listeners": f"http://0.0.0.0:{proxy.port}",
        "bootstrap.servers": kafka_bootstrap(spec),
    }
    url = _schema_registry_url(spec)
    if url is not None:
        props["schema.registry.url"] = url
    props |= client_security(spec.kafka.listeners.internal, prefix="client.")
    return props | dict(proxy.config)


def replicator_files(spec: PlatformSpec) -> dict[str, dict[str, str]]:
    """Replicator's three files: the source (consumer), this Kafka (producer), what to copy."""
    replicator = spec.replicator
    assert replicator is not None
    source = replicator.source
    consumer = dict(_PROVIDER) | {
        "bootstrap.servers": source.bootstrap,
        "security.protocol": source.protocol,
    }
    if source.tls:
        consumer |= {
            "ssl.truststore.type": "PEM",
            "ssl.truststore.certificates": _secret(SOURCE_DIR, "ca.crt"),
        }
    if source.authentication.sasl_mechanism is not None:
        consumer |= {
            "sasl.mechanism": source.authentication.sasl_mechanism,
            "sasl.jaas.config": _secret(SOURCE_DIR, "jaas.conf"),
        }
    producer = dict(_PROVIDER) | {"bootstrap.servers": kafka_bootstrap(spec)}
    producer |= client_security(spec.kafka.listeners.internal)
    replication = {
        "confluent.topic.replication.factor": str(spec.kafka.replication_factor),
        "topic.config.sync": "true",
        "topic.auto.create": "true",
    }
    if replicator.topics:
        replication["topic.whitelist"] = ",".join(replicator.topics)
    else:
        assert replicator.topic_regex is not None
        replication["topic.regex"] = replicator.topic_regex
    return {
        "consumer.properties": consumer,
        "producer.properties": producer,
        "replication.properties": replication | dict(replicator.config),
    }


_JVM_ENV = {
    ComponentKind.ZOOKEEPER: "KAFKA",
    ComponentKind.KRAFT: "KAFKA",
    ComponentKind.KAFKA: "KAFKA",
    ComponentKind.CONNECT: "KAFKA",
    ComponentKind.REPLICATOR: "KAFKA",
    ComponentKind.SCHEMA_REGISTRY: "SCHEMA_REGISTRY",
    ComponentKind.KSQLDB: "KSQL",
    ComponentKind.CONTROL_CENTER: "CONTROL_CENTER",
    ComponentKind.REST_PROXY: "KAFKAREST",
}


def jvm_exports(spec: PlatformSpec, kind: ComponentKind) -> list[str]:
    """The JVM settings of the component's own process, exported just before it starts.

    They are not the container's environment: a tool started in the container (``kubectl
    exec ... kafka-topics``) must not take the broker's heap, nor start a second JMX agent
    on the port the broker holds.
    """
    component = getattr(spec, kind.value)
    prefix = _JVM_ENV[kind]
    options = list(component.jvm.options)
    if spec.metrics.enabled:
        agent = f"{spec.metrics.agent}={spec.metrics.port}:{CONFIG_DIR}/jmx-exporter.yaml"
        options.insert(0, f"-javaagent:{agent}")
    return [
        f"export {prefix}_HEAP_OPTS={shlex.quote(component.jvm.to_heap_opts())}",
        f"export {prefix}_OPTS={shlex.quote(' '.join(options))}",
        f"export LOG_DIR={WORK_DIR}/logs",
    ]


def _before_exec(script: str, lines: list[str]) -> str:
    """``lines`` inserted just before the script's final ``exec``."""
    body = script.splitlines()
    last = max(index for index, line in enumerate(body) if line.startswith("exec "))
    return "\n".join([*body[:last], *lines, *body[last:]]) + "\n"


def component_files(spec: PlatformSpec, kind: ComponentKind) -> dict[str, str]:
    """File name -> content of the component's ConfigMap (properties and start script)."""
    files = _component_files(spec, kind)
    files["start.sh"] = _before_exec(files["start.sh"], jvm_exports(spec, kind))
    return files


def _component_files(spec: PlatformSpec, kind: ComponentKind) -> dict[str, str]:
    host = pod_host(spec, kind)
    if kind is ComponentKind.KAFKA:
        return {
            "server.properties": java_properties_text(kafka_properties(spec)),
            "start.sh": kafka_script(spec),
        }
    if kind is ComponentKind.KRAFT:
        return {
            "server.properties": java_properties_text(kraft_properties(spec)),
            "start.sh": kraft_script(spec),
        }
    if kind is ComponentKind.ZOOKEEPER:
        return {
            "zookeeper.properties": java_properties_text(zookeeper_properties(spec)),
            "start.sh": zookeeper_script(spec),
        }
    if kind is ComponentKind.REPLICATOR:
        files = {
            name: java_properties_text(props) for name, props in replicator_files(spec).items()
        }
        files["start.sh"] = _script(
            [
                f"exec replicator --cluster.id {spec.name}-replicator "
                f"--consumer.config {CONFIG_DIR}/consumer.properties "
                f"--producer.config {CONFIG_DIR}/producer.properties "
                f"--replication.config {CONFIG_DIR}/replication.properties",
            ]
        )
        return files
    table = {
        ComponentKind.SCHEMA_REGISTRY: (
            "schema-registry.properties",
            schema_registry_properties,
            [f"host.name={host}"],
            "schema-registry-start",
        ),
        ComponentKind.CONNECT: (
            "connect.properties",
            connect_properties,
            [f"rest.advertised.host.name={host}"],
            "connect-distributed",
        ),
        ComponentKind.KSQLDB: (
            "ksql-server.properties",
            ksqldb_properties,
            [f"ksql.advertised.listener=http://{host}:{spec.ksqldb.port if spec.ksqldb else 0}"],
            "ksql-server-start",
        ),
        ComponentKind.CONTROL_CENTER: (
            "control-center.properties",
            control_center_properties,
            [],
            "control-center-start",
        ),
        ComponentKind.REST_PROXY: (
            "kafka-rest.properties",
            rest_proxy_properties,
            ["id=$HOSTNAME", f"host.name={host}"],
            "kafka-rest-start",
        ),
    }
    config, build, extra, command = table[kind]
    lines = _copy_with(config, [f'"{line}"' for line in extra])
    lines.append(f'exec {command} "$props"')
    return {config: java_properties_text(build(spec)), "start.sh": _script(lines)}
