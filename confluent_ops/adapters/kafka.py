"""The :class:`~confluent_ops.ports.KafkaAdmin` port over confluent-kafka and kafka-python.

confluent-kafka (librdkafka) is used where it is strong: metadata, ``DescribeCluster``,
preferred leader election, topic creation and deletion; its connection probe is also what
turns an unreachable or refusing cluster into a typed error within the stated timeout.
kafka-python 3's admin client covers what confluent-kafka's Python API lacks: partition
reassignments (``AlterPartitionReassignments`` / ``ListPartitionReassignments``), log dirs,
the KRaft quorum (``DescribeQuorum``), features (``DescribeFeatures`` / ``UpdateFeatures``),
config synonyms across several brokers in one call, and the cluster-wide broker default
(the empty broker resource, which both clients' public APIs refuse, is sent with kafka-python's
own request builder).

Every client error leaves this module as a :mod:`confluent_ops.errors` class; no message
carries a credential.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import confluent_kafka
import kafka.errors
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, OffsetSpec

from confluent_ops.adapters._kafka_python import (
    alter_broker_default,
    describe_broker_default,
    forget_routing,
)
from confluent_ops.errors import (
    AuthenticationFailed,
    AuthorizationFailed,
    ClusterRequestFailed,
    ClusterUnreachable,
    InvalidInput,
    LogDirUnavailable,
    UnknownBroker,
    UnknownPartition,
    WaitTimedOut,
)
from confluent_ops.model import (
    FOLLOWER_THROTTLED_RATE,
    FOLLOWER_THROTTLED_REPLICAS,
    LEADER_THROTTLED_RATE,
    LEADER_THROTTLED_REPLICAS,
    BrokerState,
    BrokerThrottles,
    ClusterMode,
    ClusterSnapshot,
    ConfigChange,
    ConfigSetting,
    ConfigSource,
    LogDir,
    LogDirs,
    PartitionRates,
    PartitionState,
    QuorumState,
    QuorumVoter,
    RateSample,
    ReplicaLog,
    TopicPartition,
    TopicState,
    parse_bootstrap_servers,
)
from confluent_ops.model.assignment import ANY_LOG_DIR, log_dir_problem
from confluent_ops.ports import Clock
from confluent_ops.waiting import SYSTEM_CLOCK, Check, WaitPolicy, wait_for, wait_until

__all__ = ["DEFAULT_TIMEOUT", "KafkaAdapter", "kafka_python_config"]

DEFAULT_TIMEOUT = 10.0
"""Seconds within which an unreachable cluster is reported (``ClusterUnreachable``)."""

_LOG = logging.getLogger("confluent_ops.adapters.kafka")
_TOPIC_SAFETY_CONFIGS = (
    "min.insync.replicas",
    "unclean.leader.election.enable",
    LEADER_THROTTLED_REPLICAS,
    FOLLOWER_THROTTLED_REPLICAS,
)
_RATES = (LEADER_THROTTLED_RATE, FOLLOWER_THROTTLED_RATE)
_BROKER_LAYERS = (
    ConfigSource.DYNAMIC_BROKER_CONFIG,
    ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
    ConfigSource.STATIC_BROKER_CONFIG,
)
_UNREACHABLE_CODES = {
    KafkaError._TRANSPORT,
    KafkaError._ALL_BROKERS_DOWN,
    KafkaError._RESOLVE,
    KafkaError._TIMED_OUT,
    KafkaError._TIMED_OUT_QUEUE,
}
_AUTH_CODES = {KafkaError._AUTHENTICATION, KafkaError._SSL, KafkaError.SASL_AUTHENTICATION_FAILED}
_AUTH_MARKS = ("SSL routines", "SSL handshake", "certificate", "SASL authentication")
_DENIED_RESOURCES = {
    KafkaError.CLUSTER_AUTHORIZATION_FAILED: "the CLUSTER resource (kafka-cluster)",
    KafkaError.TOPIC_AUTHORIZATION_FAILED: "a TOPIC",
    KafkaError.GROUP_AUTHORIZATION_FAILED: "a GROUP",
    KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED: "a TRANSACTIONAL_ID",
    KafkaError.DELEGATION_TOKEN_AUTHORIZATION_FAILED: "a DELEGATION_TOKEN",
}
_DENIED_BY_CLASS = {
    kafka.errors.ClusterAuthorizationFailedError: "the CLUSTER resource (kafka-cluster)",
    kafka.errors.TopicAuthorizationFailedError: "a TOPIC",
    kafka.errors.GroupAuthorizationFailedError: "a GROUP",
    kafka.errors.TransactionalIdAuthorizationFailedError: "a TRANSACTIONAL_ID",
    kafka.errors.DelegationTokenAuthorizationFailedError: "a DELEGATION_TOKEN",
}
_NEEDS_PERMISSION = re.compile(r"needs (\w+) permission")
_STALE_ROUTING = (
    kafka.errors.UnknownBrokerIdError,
    kafka.errors.NodeNotReadyError,
    kafka.errors.KafkaConnectionError,  # the node it picked has just stopped
)
_LIBRDKAFKA_TIMEOUT_MS = (10, 300_000)
"""librdkafka's allowed range of ``socket.timeout.ms``."""


def kafka_python_config(config: Mapping[str, str]) -> dict[str, Any]:
    """kafka-python keyword arguments for a librdkafka configuration (``bootstrap.servers`` too).

    The two libraries spell the same settings differently; this is the one translation, so a
    configuration from :meth:`ClientSecurity.to_librdkafka` or a ``--command-config`` file reaches
    both clients alike. Settings kafka-python cannot express are refused, not dropped.
    """
    names = {
        "bootstrap.servers": "bootstrap_servers",
        "security.protocol": "security_protocol",
        "ssl.ca.location": "ssl_cafile",
        "ssl.certificate.location": "ssl_certfile",
        "ssl.key.location": "ssl_keyfile",
        "ssl.key.password": "ssl_password",
        "ssl.crl.location": "ssl_crlfile",
        "sasl.mechanism": "sasl_mechanism",
        "sasl.mechanisms": "sasl_mechanism",
        "sasl.username": "sasl_plain_username",
        "sasl.password": "sasl_plain_password",
        "client.id": "client_id",
    }
    kwargs: dict[str, Any] = {}
    for key, value in config.items():
        if key in names:
            kwargs[names[key]] = value
        elif key == "ssl.endpoint.identification.algorithm":
            kwargs["ssl_check_hostname"] = value.lower() == "https"
        elif key in {"socket.timeout.ms", "enable.ssl.certificate.verification", "logger"}:
            continue
        else:
            raise InvalidInput(f"client setting {key!r} has no kafka-python equivalent here")
    protocol = str(kwargs.get("security_protocol", "PLAINTEXT")).upper()
    kwargs["security_protocol"] = protocol
    if "SSL" in protocol:
        kwargs.setdefault("ssl_check_hostname", True)
    return kwargs


class _LoginRefusals:
    """librdkafka's error callback: remembers the last refused login, for the next raise.

    A refused TLS handshake arrives as a transport error whose text names the SSL alert, so
    the text decides as well as the code.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: str | None = None

    def record(self, error: KafkaError) -> None:
        text = error.str()
        if error.code() in _AUTH_CODES or any(mark in text for mark in _AUTH_MARKS):
            with self._lock:
                self._last = _scrub(text)

    @property
    def last(self) -> str | None:
        with self._lock:
            return self._last


class KafkaAdapter:
    """One Kafka cluster through confluent-kafka and kafka-python (the ``KafkaAdmin`` port).

    ``config`` is a librdkafka configuration with ``bootstrap.servers`` (as
    ``ClientSecurity.to_librdkafka()`` and ``LocalKafkaCluster.client_config()`` give it). The
    constructor connects: within ``timeout`` seconds it either has the cluster's metadata or
    raises :class:`ClusterUnreachable` / :class:`AuthenticationFailed`. Every later call is
    bounded by the same timeout. Not thread-safe; use one adapter per thread.
    """

    def __init__(
        self,
        config: Mapping[str, str],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if "bootstrap.servers" not in config or not str(config["bootstrap.servers"]).strip():
            raise InvalidInput("a Kafka client configuration needs bootstrap.servers")
        if not 0 < timeout < float("inf"):
            raise InvalidInput(f"the timeout must be a positive number of seconds, not {timeout}")
        self.servers = parse_bootstrap_servers(str(config["bootstrap.servers"]))
        self.timeout = timeout
        self._clock = clock
        self._config = {**config, "bootstrap.servers": self.servers}
        self._python_kwargs = kafka_python_config(self._config)
        self._refusals = _LoginRefusals()
        low, high = _LIBRDKAFKA_TIMEOUT_MS
        settings: dict[str, Any] = {
            **self._config,
            "socket.timeout.ms": str(min(high, max(low, int(timeout * 1000)))),
            # not a method of ours: the client must not keep the adapter (a cycle) alive, or
            # its threads go on reconnecting after the adapter is gone
            "error_cb": self._refusals.record,
            "logger": _LOG,
        }
        try:
            self._admin = AdminClient(settings)
        except (KafkaException, ValueError, TypeError, UnicodeError) as exc:
            raise InvalidInput(
                f"the Kafka client refused the configuration: {_client_error_text(exc)}"
            ) from exc
        self._python: KafkaAdminClient | None = None
        self._probe()

    def _policy(self, timeout: float, *, interval: float = 0.1) -> WaitPolicy:
        """The adapter's waits: short, bounded by ``timeout``, on the adapter's clock."""
        return WaitPolicy.bounded(timeout, interval=interval, clock=self._clock)

    def _probe(self) -> None:
        """Reach the cluster within the timeout; a refused login fails at once, not at the end."""

        def look() -> Check[None]:
            try:
                self._admin.list_topics(timeout=min(1.0, self.timeout))
                return Check(True)
            except KafkaException as exc:
                self._admin.poll(0)
                refused = self._refusals.last
                if refused is not None:
                    raise AuthenticationFailed(self.servers, refused) from exc
                error = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
                if error is None or error.code() not in _UNREACHABLE_CODES:
                    self._raise_for("metadata", exc)
                return Check(False, blocker=_scrub(error.str()))

        try:
            wait_for(look, policy=self._policy(self.timeout), what=f"{self.servers} to answer")
        except WaitTimedOut as exc:
            raise ClusterUnreachable(self.servers, self.timeout, exc.blocker) from exc

    @classmethod
    def connect(
        cls,
        bootstrap: str,
        client: Mapping[str, str] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> KafkaAdapter:
        """An adapter for ``bootstrap`` with librdkafka security settings ``client``."""
        return cls({**(client or {}), "bootstrap.servers": bootstrap}, timeout=timeout)

    def __enter__(self) -> KafkaAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._python is not None:
            self._python.close()
            self._python = None

    # -- connection and errors -----------------------------------------------------------

    def _raise_for(self, operation: str, exc: BaseException) -> NoReturn:
        """Translate a client exception; always raises."""
        self._admin.poll(0)  # serve the error callbacks queued while the request failed
        auth = self._refusals.last
        if isinstance(exc, KafkaException):
            error = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
            code = error.code() if error is not None else None
            text = _scrub(error.str() if error is not None else str(exc))
            if code in _DENIED_RESOURCES:
                raise AuthorizationFailed(operation, _DENIED_RESOURCES[code], text) from exc
            if code in _AUTH_CODES:
                raise AuthenticationFailed(self.servers, text) from exc
            if code in _UNREACHABLE_CODES:
                if auth is not None:
                    raise AuthenticationFailed(self.servers, auth) from exc
                raise ClusterUnreachable(self.servers, self.timeout, text) from exc
            raise ClusterRequestFailed(operation, text) from exc
        if isinstance(exc, kafka.errors.AuthorizationError):
            resource = next(
                (name for kind, name in _DENIED_BY_CLASS.items() if isinstance(exc, kind)),
                "a resource",
            )
            needs = _NEEDS_PERMISSION.search(str(exc))
            detail = type(exc).__name__ + (f": needs {needs.group(1)} permission" if needs else "")
            raise AuthorizationFailed(operation, resource, detail) from exc
        if isinstance(exc, kafka.errors.SaslAuthenticationFailedError):
            raise AuthenticationFailed(self.servers, _scrub(str(exc))) from exc
        if isinstance(
            exc,
            kafka.errors.NodeNotReadyError
            | kafka.errors.KafkaTimeoutError
            | kafka.errors.KafkaConnectionError
            | ConnectionError,
        ):
            if auth is not None:
                raise AuthenticationFailed(self.servers, auth) from exc
            raise ClusterUnreachable(self.servers, self.timeout, type(exc).__name__) from exc
        if isinstance(exc, kafka.errors.KafkaError | OSError):
            raise ClusterRequestFailed(operation, _scrub(f"{type(exc).__name__}: {exc}")) from exc
        raise exc

    @contextmanager
    def _translated(self, operation: str) -> Iterator[None]:
        try:
            yield
        except (KafkaException, kafka.errors.KafkaError, OSError) as exc:
            self._raise_for(operation, exc)

    def _kafka_python(self) -> KafkaAdminClient:
        """kafka-python's admin client, created once the cluster is known to answer."""
        if self._python is None:
            with self._translated("connect (kafka-python)"):
                try:
                    self._python = KafkaAdminClient(
                        **self._python_kwargs,
                        request_timeout_ms=int(self.timeout * 1000),
                        bootstrap_timeout_ms=int(self.timeout * 1000),
                        client_id="confluent-ops",
                    )
                except (ValueError, TypeError, UnicodeError) as exc:
                    raise InvalidInput(
                        f"the Kafka client refused the configuration: {_client_error_text(exc)}"
                    ) from exc
        return self._python

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call kafka-python's admin ``method``, riding out stale routing metadata.

        After a broker stops or rejoins, kafka-python may route a request to a node id its
        metadata no longer (or does not yet) know, or to the node that has just stopped (the
        cached "controller", to which KRaft brokers point any live broker, may be the one that
        stopped): the call is retried on refreshed metadata for up to 5 seconds. Only reads and
        idempotent requests go through here.
        """
        python = self._kafka_python()

        def attempt() -> Check[Any]:
            try:
                return Check(True, getattr(python, method)(*args, **kwargs))
            except _STALE_ROUTING:
                forget_routing(python)
                raise

        policy = self._policy(min(self.timeout, 5.0), interval=0.2).evolve(retry_on=_STALE_ROUTING)
        try:
            return wait_for(attempt, policy=policy, what=f"a broker to serve {method}")
        except WaitTimedOut as exc:
            raise ClusterUnreachable(self.servers, self.timeout, exc.blocker) from exc

    def cluster_metadata(self) -> Any:
        """The cluster's metadata (confluent-kafka's ``ClusterMetadata``), within the timeout."""
        with self._translated("metadata"):
            return self._admin.list_topics(timeout=self.timeout)

    # -- observe ---------------------------------------------------------------------------

    def snapshot(self, *, sizes: bool = True) -> ClusterSnapshot:
        """The whole cluster in one value (see :class:`~confluent_ops.model.ClusterSnapshot`)."""
        # Reassignments first, metadata second: a move that completes in between then shows
        # as complete (metadata is newer), never as a replica set that lost its move.
        with self._translated("list reassignments"):
            reassigning = self._call(
                "list_partition_reassignments", timeout_ms=int(self.timeout * 1000)
            )
        moving = {
            TopicPartition(tp.topic, tp.partition): state for tp, state in reassigning.items()
        }
        with self._translated("describe cluster"):
            described = self._admin.describe_cluster(request_timeout=self.timeout)
            metadata = self._admin.list_topics(timeout=self.timeout)
            cluster = described.result(timeout=self.timeout)
        # Live brokers are those metadata lists: a stopped KRaft broker stays registered (and
        # may still be described) while fenced, but no longer serves.
        live = set(metadata.brokers)
        brokers = [
            BrokerState(node.id, node.rack or None, node.host, node.port)
            for node in cluster.nodes
            if node.id in live
        ]
        known = {b.id for b in brokers}
        brokers += [
            BrokerState(b.id, None, str(b.host), int(b.port))
            for b in metadata.brokers.values()
            if b.id not in known
        ]
        broker_ids = sorted(b.id for b in brokers)
        partitions = []
        for topic in metadata.topics.values():
            if topic.error is not None:
                continue
            for p in topic.partitions.values():
                tp = TopicPartition(str(topic.topic), p.id)
                state = moving.get(tp, {})
                removing = state.get("removing_replicas", ())
                target = [b for b in state.get("replicas", ()) if b not in removing]
                caught_up = all(b in p.isrs for b in state.get("adding_replicas", ()))
                if state and list(p.replicas) == target and caught_up:
                    # completed since the reassignment list was read; a move that only adds
                    # replicas lists its target while in flight, so its ISR decides
                    state = {}
                replicas = list(state.get("replicas") or p.replicas)
                partitions.append(
                    PartitionState(
                        tp,
                        replicas,
                        [b for b in p.isrs if b in replicas],
                        p.leader if p.leader >= 0 else None,
                        adding=[b for b in state.get("adding_replicas", ()) if b in replicas],
                        removing=[b for b in state.get("removing_replicas", ()) if b in replicas],
                        offline_replicas=[b for b in replicas if b not in live],
                    )
                )
        topic_names = sorted({p.partition.topic for p in partitions})
        topics = self._topic_states(topic_names, metadata)
        throttles = self._broker_throttles(broker_ids)
        quorum, features, supported = self._quorum_and_features()
        mode = ClusterMode.KRAFT if quorum is not None else ClusterMode.ZOOKEEPER
        controller = quorum.leader if quorum is not None else _controller_id(cluster)
        log_dirs = self.log_dirs(broker_ids) if sizes else LogDirs.empty()
        return ClusterSnapshot(
            cluster_id=str(cluster.cluster_id or ""),
            mode=mode,
            brokers=brokers,
            controller=controller,
            partitions=partitions,
            topics=topics,
            quorum=quorum,
            sizes=log_dirs.partition_sizes(),
            throttles=throttles,
            features=features,
            log_dirs=log_dirs,
            supported_features=supported,
        )

    def _topic_states(self, names: Sequence[str], metadata: Any) -> list[TopicState]:
        configs = self._describe_topics(names, _TOPIC_SAFETY_CONFIGS) if names else {}
        states = []
        for name in names:
            values = configs.get(name, {})

            def value(key: str, default: str, values: Mapping[str, Any] = values) -> str:
                entry = values.get(key)
                return str(entry["value"]) if entry and entry.get("value") is not None else default

            states.append(
                TopicState(
                    name,
                    min_insync_replicas=int(value("min.insync.replicas", "1")),
                    unclean_leader_election=value("unclean.leader.election.enable", "false")
                    == "true",
                    leader_throttled_replicas=value(LEADER_THROTTLED_REPLICAS, ""),
                    follower_throttled_replicas=value(FOLLOWER_THROTTLED_REPLICAS, ""),
                    internal=name.startswith("__"),
                )
            )
        return states

    def _describe_topics(
        self, names: Sequence[str], keys: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Topic configs by name; batches keep each request small for 20,000-partition clusters."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(names), 500):
            batch = [
                ConfigResource(ConfigResourceType.TOPIC, name, configs=dict.fromkeys(keys))
                for name in names[start : start + 500]
            ]
            with self._translated("describe topic configs"):
                result = self._call("describe_configs", batch, config_filter="All")
            found.update(result.get("topic", {}))
        return found

    def _describe_brokers(
        self, broker_ids: Iterable[int], keys: Sequence[str]
    ) -> dict[int, dict[str, Any]]:
        """Configs of each broker (kafka-python sends each broker's request to that broker).

        A broker that has just (re)joined may be unknown to kafka-python's metadata for a
        moment (``UnknownBrokerIdError``): its metadata is refreshed and the request retried
        within the timeout.
        """
        resources = [
            ConfigResource(ConfigResourceType.BROKER, str(b), configs=dict.fromkeys(keys))
            for b in broker_ids
        ]
        if not resources:
            return {}
        with self._translated("describe broker configs"):
            result = self._call(
                "describe_configs", resources, include_synonyms=True, config_filter="All"
            )
        return {int(name): values for name, values in result.get("broker", {}).items()}

    def _broker_throttles(self, broker_ids: Sequence[int]) -> list[BrokerThrottles]:
        described = self._describe_brokers(broker_ids, _RATES)
        throttles = []
        for broker in broker_ids:
            values = described.get(broker, {})

            def setting(key: str, values: Mapping[str, Any] = values) -> ConfigSetting | None:
                entry = values.get(key)
                if not entry or entry.get("value") in (None, ""):
                    return None
                return ConfigSetting(
                    key, str(entry["value"]), ConfigSource.parse(str(entry["config_source"]))
                )

            throttles.append(
                BrokerThrottles(
                    broker, setting(LEADER_THROTTLED_RATE), setting(FOLLOWER_THROTTLED_RATE)
                )
            )
        return throttles

    def _quorum_and_features(
        self,
    ) -> tuple[QuorumState | None, dict[str, int], dict[str, tuple[int, int]]]:
        features: dict[str, int] = {}
        supported: dict[str, tuple[int, int]] = {}
        with self._translated("describe features"):
            described = self._call("describe_features")
        for name, info in described.items():
            finalized = info.get("finalized") if isinstance(info, dict) else None
            if finalized:
                features[name] = int(finalized[1])
            levels = info.get("supported") if isinstance(info, dict) else None
            if levels:
                supported[name] = (int(levels[0]), int(levels[1]))
        try:
            raw = self._call("describe_metadata_quorum")
        except (kafka.errors.UnsupportedVersionError, kafka.errors.IncompatibleBrokerVersion):
            return None, features, supported
        except kafka.errors.KafkaError as exc:
            if "metadata.version" in features:
                self._raise_for("describe quorum", exc)
            return None, features, supported
        partition = raw["topics"][0]["partitions"][0]

        def voters(entries: Iterable[Mapping[str, Any]]) -> list[QuorumVoter]:
            return [
                QuorumVoter(
                    int(v["replica_id"]),
                    int(v["log_end_offset"]),
                    _timestamp(v.get("last_caught_up_timestamp")),
                    _timestamp(v.get("last_fetch_timestamp")),
                )
                for v in entries
            ]

        quorum = QuorumState(
            leader=int(partition["leader_id"]),
            leader_epoch=int(partition["leader_epoch"]),
            high_watermark=int(partition["high_watermark"]),
            voters=voters(partition["current_voters"]),
            observers=voters(partition.get("observers", ())),
        )
        return quorum, features, supported

    def log_dirs(self, broker_ids: Iterable[int] | None = None) -> LogDirs:
        """Every log directory of ``broker_ids`` (all live brokers when None), with its replicas.

        What ``kafka-log-dirs --describe`` prints: each replica's size and lag per broker and
        directory, future replicas (moving between a broker's own disks) marked, and each
        directory's capacity and free space where the broker reports them.
        """
        ids = sorted(self.cluster_metadata().brokers) if broker_ids is None else list(broker_ids)
        return self._described_log_dirs(ids)

    def _described_log_dirs(
        self, ids: Sequence[int], partitions: Mapping[str, Sequence[int]] | None = None
    ) -> LogDirs:
        """``DescribeLogDirs`` of ``ids``: every directory, with the replicas of ``partitions``
        (``{topic: [partition, ...]}``; all partitions when None)."""
        with self._translated("describe log dirs"):
            described = self._call(
                "describe_log_dirs",
                topic_partitions=None if partitions is None else dict(partitions),
                brokers=list(ids),
            )
        dirs: list[LogDir] = []
        replicas: list[ReplicaLog] = []
        for broker in described:
            broker_id = int(broker["broker"])
            for log_dir in broker.get("log_dirs", ()):
                path = str(log_dir.get("log_dir", ""))
                code = int(log_dir.get("error_code", 0) or 0)
                dirs.append(
                    LogDir(
                        broker_id,
                        path,
                        kafka.errors.for_code(code).__name__ if code else None,
                        _capacity(log_dir.get("total_bytes")),
                        _capacity(log_dir.get("usable_bytes")),
                    )
                )
                for topic in log_dir.get("topics", ()):
                    for p in topic.get("partitions", ()):
                        replicas.append(
                            ReplicaLog(
                                TopicPartition(topic["name"], int(p["partition_index"])),
                                broker_id,
                                path,
                                max(0, int(p["partition_size"])),
                                max(0, int(p.get("offset_lag", 0) or 0)),
                                bool(p.get("is_future_key")),
                            )
                        )
        return LogDirs(dirs, replicas)

    def sample_rates(self, *, seconds: float, clock: Clock | None = None) -> PartitionRates:
        """Each partition's bytes in and out per second, from two readings ``seconds`` apart.

        A reading (:class:`~confluent_ops.model.RateSample`) takes every led partition's end
        and earliest offsets (``ListOffsets``), its leader replica's size (``DescribeLogDirs``)
        and the offsets every consumer group committed (``ListGroups``, ``OffsetFetch``); the
        second starts ``seconds`` after the first did, on ``clock`` (default: the adapter's),
        and :meth:`~confluent_ops.model.PartitionRates.from_samples` makes the rates.
        Consumers are seen only through the offsets their groups commit to Kafka: a group that
        commits nothing counts 0, and one that commits less often than ``seconds`` may show no
        consumption or a burst. A partition without a leader gets no rate.
        """
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 < seconds < math.inf
        ):
            raise InvalidInput(f"a rate sample needs a positive number of seconds, not {seconds}")
        clock = self._clock if clock is None else clock
        started = clock.monotonic()
        earlier = self._rate_sample(clock)
        clock.sleep(max(0.0, started + seconds - clock.monotonic()))
        return PartitionRates.from_samples(earlier, self._rate_sample(clock))

    def _rate_sample(self, clock: Clock) -> RateSample:
        """One reading for :meth:`sample_rates`, timed at the middle of its requests."""
        started = clock.monotonic()
        metadata = self.cluster_metadata()
        leaders = {
            TopicPartition(str(topic.topic), p.id): int(p.leader)
            for topic in metadata.topics.values()
            if topic.error is None
            for p in topic.partitions.values()
            if p.error is None and p.leader >= 0
        }
        log_end = self._offsets(leaders, OffsetSpec.LATEST)
        log_start = self._offsets(leaders, OffsetSpec.EARLIEST)
        log_dirs = self.log_dirs(sorted(metadata.brokers))
        sizes = {tp: log_dirs.size_on(tp, leader) for tp, leader in leaders.items()}
        committed = self._committed_offsets()
        finished = clock.monotonic()
        return RateSample(
            at=(started + finished) / 2,
            log_end=log_end,
            log_start=log_start,
            leader_bytes={tp: size for tp, size in sizes.items() if size is not None},
            committed=committed,
        )

    def _offsets(
        self, partitions: Iterable[TopicPartition], spec: OffsetSpec
    ) -> dict[TopicPartition, int]:
        """``ListOffsets`` of ``partitions`` at ``spec`` (latest: the high watermark)."""
        request = {kafka.TopicPartition(tp.topic, tp.partition): spec for tp in partitions}
        if not request:
            return {}
        with self._translated("list offsets"):
            found = self._call(
                "list_partition_offsets", request, timeout_ms=int(self.timeout * 1000)
            )
        return {
            TopicPartition(ktp.topic, ktp.partition): int(answer.offset)
            for ktp, answer in found.items()
            if answer.offset >= 0
        }

    def _committed_offsets(self) -> dict[str, dict[TopicPartition, int]]:
        """Per consumer group (classic or KIP-848 protocol), the offsets it committed.

        Groups of other kinds (Connect workers, share groups) commit no offsets to read here.
        """
        with self._translated("list groups"):
            groups = self._call("list_groups")
        names = sorted(
            {str(g["group_id"]) for g in groups if g.get("protocol_type", "") in ("consumer", "")}
        )
        committed: dict[str, dict[TopicPartition, int]] = {}
        for start in range(0, len(names), 500):
            batch = names[start : start + 500]
            with self._translated("list group offsets"):
                found = self._call("list_group_offsets", dict.fromkeys(batch))
            for group, offsets in found.items():
                committed[str(group)] = {
                    TopicPartition(ktp.topic, ktp.partition): int(answer.offset)
                    for ktp, answer in offsets.items()
                    if answer.offset >= 0
                }
        return committed

    def _describe_default(self, keys: Sequence[str]) -> dict[str, Any]:
        """The cluster-wide dynamic broker default (the empty broker resource).

        Kafka lists no synonyms for the replication throttle rates, so a broker's own
        description hides the default layer when a per-broker value is set; and both clients'
        public APIs refuse the empty broker name, so kafka-python's request builder is used.
        """
        python = self._kafka_python()
        with self._translated("describe the broker default"):
            return describe_broker_default(python, keys)

    def broker_configs(
        self, brokers: Iterable[int], names: Iterable[str]
    ) -> Mapping[int, Mapping[str, Sequence[ConfigSetting]]]:
        """Per broker and name, the dynamic, cluster-default and static layers that set it.

        The static layer is known only when no dynamic layer hides it (Kafka reports no
        synonyms for the throttle rates); it is never changed here, so nothing depends on it.
        """
        wanted = tuple(names)
        ids = sorted(set(brokers))
        self._check_brokers(ids)
        described = self._describe_brokers(ids, wanted)
        default = self._describe_default(wanted)
        order = {source: rank for rank, source in enumerate(_BROKER_LAYERS)}
        result: dict[int, dict[str, list[ConfigSetting]]] = {}
        for broker in ids:
            values = described.get(broker, {})
            result[broker] = {}
            for name in wanted:
                entry = values.get(name) or {}
                found: dict[ConfigSource, ConfigSetting] = {}
                candidates = [(s.get("value"), s.get("source")) for s in entry.get("synonyms", ())]
                candidates.append((entry.get("value"), entry.get("config_source")))
                default_entry = default.get(name) or {}
                candidates.append((default_entry.get("value"), default_entry.get("config_source")))
                for value, source_name in candidates:
                    source = ConfigSource.parse(str(source_name))
                    if value is None or source not in order or source in found:
                        continue
                    found[source] = ConfigSetting(name, str(value), source)
                result[broker][name] = sorted(found.values(), key=lambda s: order[s.source])
        return result

    def topic_configs(
        self, topics: Iterable[str], names: Iterable[str]
    ) -> Mapping[str, Mapping[str, ConfigSetting | None]]:
        """Per topic, the dynamic topic-level value of each name (None when not set there)."""
        wanted = tuple(names)
        listed = sorted(set(topics))
        self._check_topics(listed)
        described = self._describe_topics(listed, wanted)
        result: dict[str, dict[str, ConfigSetting | None]] = {}
        for topic in listed:
            values = described.get(topic, {})
            result[topic] = {}
            for name in wanted:
                entry = values.get(name)
                source = ConfigSource.parse(str(entry["config_source"])) if entry else None
                result[topic][name] = (
                    ConfigSetting(name, str(entry["value"] or ""), source)
                    if entry and source is ConfigSource.DYNAMIC_TOPIC_CONFIG
                    else None
                )
        return result

    # -- act -------------------------------------------------------------------------------

    def _check_brokers(self, ids: Iterable[int]) -> None:
        known = set(self.cluster_metadata().brokers)
        for broker in ids:
            if broker not in known:
                raise UnknownBroker(broker, "the cluster has no such live broker")

    def _metadata_with(self, topics: Iterable[str]) -> Any:
        """Metadata that lists ``topics`` if any broker does within a moment.

        Brokers apply topic creations from the metadata log one by one, so the broker that
        answers may not know a topic created a moment ago through another; a few reads, a
        second apart at most, keep "unknown topic" for topics that really are unknown.
        """
        wanted = set(topics)
        seen: list[Any] = []

        def look() -> Check[Any]:
            seen.append(self.cluster_metadata())
            return Check(wanted <= set(seen[-1].topics), seen[-1])

        # topics that stay unknown are reported by the caller, by name
        with contextlib.suppress(WaitTimedOut):
            wait_for(look, policy=self._policy(1.0, interval=0.2), what="topics to be known")
        return seen[-1]

    def _check_topics(self, topics: Iterable[str]) -> None:
        listed = list(topics)
        known = set(self._metadata_with(listed).topics)
        for topic in listed:
            if topic not in known:
                raise InvalidInput(f"unknown topic {topic!r}: the cluster has no such topic")

    def alter_broker_configs(
        self, changes: Mapping[int, ConfigChange], *, default: ConfigChange | None = None
    ) -> None:
        """Incremental changes per broker, and to the cluster-wide dynamic default."""
        self._check_brokers(changes)
        resources = [
            ConfigResource(ConfigResourceType.BROKER, str(broker), configs=_ops(change))
            for broker, change in changes.items()
            if change
        ]
        python = self._kafka_python()
        with self._translated("alter broker configs"):
            results = (
                self._call("alter_configs", resources, raise_on_unknown=False, incremental=True)
                if resources
                else {}
            )
            if default:
                # The empty broker name is the cluster default, which kafka-python's public
                # alter_configs refuses (it insists on an integer id).
                results = _merge(results, alter_broker_default(python, _ops(default)))
        _check_results("alter broker configs", results)
        self._wait(lambda: self._brokers_show(changes, default), "broker config changes to apply")

    def _brokers_show(
        self, changes: Mapping[int, ConfigChange], default: ConfigChange | None
    ) -> bool:
        """Whether every broker reports the changes (they apply them from the metadata log)."""
        names = sorted({n for c in changes.values() for n in (*c.set, *c.delete)})
        if names:
            described = self._describe_brokers(list(changes), names)
            for broker, change in changes.items():
                values = described.get(broker, {})
                if not _shows(change, values, ConfigSource.DYNAMIC_BROKER_CONFIG):
                    return False
        if default:
            values = self._describe_default(sorted({*default.set, *default.delete}))
            if not _shows(default, values, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG):
                return False
        return True

    def alter_topic_configs(self, changes: Mapping[str, ConfigChange]) -> None:
        """Incremental changes per topic."""
        self._check_topics(changes)
        resources = [
            ConfigResource(ConfigResourceType.TOPIC, topic, configs=_ops(change))
            for topic, change in changes.items()
            if change
        ]
        if not resources:
            return
        with self._translated("alter topic configs"):
            results = self._call(
                "alter_configs", resources, raise_on_unknown=False, incremental=True
            )
        _check_results("alter topic configs", results)

        def applied() -> bool:
            names = sorted({n for c in changes.values() for n in (*c.set, *c.delete)})
            described = self._describe_topics(sorted(changes), names)
            return all(
                _shows(change, described.get(topic, {}), ConfigSource.DYNAMIC_TOPIC_CONFIG)
                for topic, change in changes.items()
            )

        self._wait(applied, "topic config changes to apply")

    def alter_reassignments(
        self, targets: Mapping[TopicPartition, Sequence[int] | None]
    ) -> Mapping[TopicPartition, str | None]:
        """Start or cancel reassignments; per partition None (accepted) or the cluster's reason.

        Every partition and target broker is checked against the cluster before anything is
        sent, so a plan naming something that does not exist changes nothing.
        """
        if not targets:
            return {}
        metadata = self._metadata_with(tp.topic for tp in targets)
        for tp, replicas in targets.items():
            topic = metadata.topics.get(tp.topic)
            if topic is None or tp.partition not in topic.partitions:
                raise UnknownPartition(str(tp), "the cluster has no such partition")
            if replicas is None:
                continue
            if not replicas:
                raise InvalidInput(f"partition {tp}: a reassignment must leave replicas")
            if len(set(replicas)) != len(replicas):
                raise InvalidInput(f"partition {tp}: a broker is listed twice")
            for broker in replicas:
                if broker not in metadata.brokers:
                    raise UnknownBroker(broker, f"partition {tp} would be placed there")
        request = {
            kafka.TopicPartition(tp.topic, tp.partition): (
                None if replicas is None else list(replicas)
            )
            for tp, replicas in targets.items()
        }
        with self._translated("alter partition reassignments"):
            results = self._call(
                "alter_partition_reassignments", request, timeout_ms=int(self.timeout * 1000)
            )
        outcome: dict[TopicPartition, str | None] = {}
        for tp in targets:
            error = results.get(kafka.TopicPartition(tp.topic, tp.partition), "no answer")
            outcome[tp] = _error_text(error)
        return outcome

    def alter_replica_log_dirs(
        self, assignments: Mapping[tuple[TopicPartition, int], str]
    ) -> frozenset[tuple[TopicPartition, int]]:
        """Place replicas in log directories of their brokers; return those not hosted yet.

        Every partition, broker and directory is checked first (the directories against what
        each broker reports, online or not), so a bad entry changes nothing. A broker answers
        ``REPLICA_NOT_AVAILABLE`` for a replica it does not host yet, having noted the directory
        to create it in: those come back. kafka-python's public ``alter_replica_log_dirs``
        sends the request (AlterReplicaLogDirs; confluent-kafka's Python API lacks it).
        """
        if not assignments:
            return frozenset()
        metadata = self._metadata_with(tp.topic for tp, _ in assignments)
        wanted: dict[str, set[int]] = defaultdict(set)
        for (tp, broker), path in assignments.items():
            topic = metadata.topics.get(tp.topic)
            if topic is None or tp.partition not in topic.partitions:
                raise UnknownPartition(str(tp), "the cluster has no such partition")
            if broker not in metadata.brokers:
                raise UnknownBroker(broker, f"a replica of {tp} would be placed in {path} there")
            problem = "is not a directory" if path == ANY_LOG_DIR else log_dir_problem(path)
            if problem is not None:
                raise InvalidInput(f"partition {tp} on broker {broker}: the log dir {problem}")
            wanted[tp.topic].add(tp.partition)
        described = self._described_log_dirs(
            sorted({b for _, b in assignments}), {t: sorted(p) for t, p in wanted.items()}
        )
        for (tp, broker), path in sorted(assignments.items(), key=_replica_order):
            dirs = {d.path: d for d in described.dirs_of(broker)}
            found = dirs.get(path)
            if found is None:
                raise LogDirUnavailable(
                    str(tp),
                    broker,
                    path,
                    f"broker {broker} has no such log dir (it has {', '.join(sorted(dirs))})",
                )
            if not found.online:
                raise LogDirUnavailable(
                    str(tp), broker, path, f"it is offline on broker {broker} ({found.error})"
                )
        request = {
            kafka.TopicPartitionReplica(tp.topic, tp.partition, broker): path
            for (tp, broker), path in assignments.items()
        }
        with self._translated("alter replica log dirs"):
            results = self._call("alter_replica_log_dirs", request)
        pending: set[tuple[TopicPartition, int]] = set()
        failed: list[str] = []
        for (tp, broker), path in sorted(assignments.items(), key=_replica_order):
            error = results.get(kafka.TopicPartitionReplica(tp.topic, tp.partition, broker))
            if error is kafka.errors.NoError:
                continue
            if error is kafka.errors.ReplicaNotAvailableError:
                pending.add((tp, broker))
                continue
            if error is kafka.errors.ClusterAuthorizationFailedError:
                raise AuthorizationFailed(
                    "alter replica log dirs",
                    _DENIED_BY_CLASS[kafka.errors.ClusterAuthorizationFailedError],
                    error.__name__,
                )
            failed.append(f"{tp} on broker {broker} to {path}: {_log_dir_refusal(error)}")
        if failed:
            raise ClusterRequestFailed("alter replica log dirs", "; ".join(failed))
        return frozenset(pending)

    def elect_preferred_leaders(
        self, partitions: Iterable[TopicPartition] | None = None
    ) -> Mapping[TopicPartition, str | None]:
        """Preferred leader election; per partition None (done or not needed) or the reason."""
        chosen = None if partitions is None else sorted(set(partitions))
        if chosen is not None:
            metadata = self._metadata_with(tp.topic for tp in chosen)
            for tp in chosen:
                topic = metadata.topics.get(tp.topic)
                if topic is None or tp.partition not in topic.partitions:
                    raise UnknownPartition(str(tp), "the cluster has no such partition")
        arg = (
            None
            if chosen is None
            else [confluent_kafka.TopicPartition(tp.topic, tp.partition) for tp in chosen]
        )
        with self._translated("elect leaders"):
            # No keyword arguments: confluent-kafka 2.16's binding fails on any
            # (SystemError "more argument specifiers than keyword list entries"); the
            # future's own timeout bounds the call instead.
            future = self._admin.elect_leaders(confluent_kafka.ElectionType.PREFERRED, arg)
            result = future.result(timeout=self.timeout * 2)
        outcome: dict[TopicPartition, str | None] = {}
        for ctp, error in result.items():
            tp = TopicPartition(ctp.topic, ctp.partition)
            if error is None or error.code() == KafkaError.ELECTION_NOT_NEEDED:
                outcome[tp] = None
            else:
                outcome[tp] = _scrub(error.str())
        return outcome

    def create_topic(
        self,
        name: str,
        *,
        partitions: int = 1,
        replication_factor: int = 1,
        configs: Mapping[str, str] | None = None,
        assignment: Sequence[Sequence[int]] | None = None,
    ) -> None:
        """Create a topic and wait (within the timeout) until every partition has a leader.

        ``assignment`` places each partition's replicas explicitly (checked against the live
        brokers first), as ``kafka-topics --replica-assignment`` does.
        """
        TopicPartition(name, 0)  # validates the name before anything is sent
        live = set(self.cluster_metadata().brokers)
        config = dict(configs or {})
        if assignment is not None:
            for replicas in assignment:
                unknown = sorted(set(replicas) - live)
                if not replicas or unknown or len(set(replicas)) != len(replicas):
                    raise InvalidInput(
                        f"replica list {list(replicas)} must name distinct live brokers of "
                        f"{sorted(live)}"
                    )
            partitions = len(assignment)
            topic = NewTopic(
                name,
                num_partitions=partitions,  # librdkafka wants the count with an assignment
                replica_assignment=[list(r) for r in assignment],
                config=config,
            )
        else:
            if partitions < 1 or replication_factor < 1:
                raise InvalidInput("a topic needs at least one partition and one replica")
            if replication_factor > len(live):
                raise InvalidInput(
                    f"replication factor {replication_factor} exceeds the {len(live)} live "
                    "broker(s)"
                )
            topic = NewTopic(name, partitions, replication_factor, config=config)
        if partitions < 1:
            raise InvalidInput("a topic needs at least one partition")
        with self._translated("create topic"):
            futures = self._admin.create_topics([topic], request_timeout=self.timeout)
            futures[name].result(timeout=self.timeout * 2)
        self._wait(
            lambda: _has_leaders(self.cluster_metadata(), name, partitions),
            f"topic {name} to have leaders",
        )

    def delete_topic(self, name: str) -> None:
        """Delete a topic and wait until the cluster no longer lists it."""
        self._check_topics([name])
        with self._translated("delete topic"):
            futures = self._admin.delete_topics([name], request_timeout=self.timeout)
            futures[name].result(timeout=self.timeout * 2)
        self._wait(lambda: name not in self.cluster_metadata().topics, f"topic {name} to disappear")

    def update_feature(self, name: str, level: int) -> None:
        """Raise finalized feature ``name`` to ``level`` (checked against what brokers support)."""
        with self._translated("describe features"):
            described = self._call("describe_features")
        info = described.get(name)
        if not isinstance(info, dict) or not info.get("supported"):
            raise InvalidInput(f"the cluster does not support feature {name!r}")
        low, high = info["supported"]
        finalized = info.get("finalized")
        if not low <= level <= high:
            raise InvalidInput(
                f"{name} level {level} is outside what brokers support ({low}-{high})"
            )
        if finalized and level < finalized[1]:
            raise InvalidInput(
                f"{name} is finalized at {finalized[1]}; lowering it to {level} is a downgrade"
            )
        with self._translated("update features"):
            results = self._call("update_features", {name: level})
        outcome = results.get(name)
        if outcome != "OK":
            raise ClusterRequestFailed(f"update feature {name}", _scrub(str(outcome)))

    def update_metadata_version(self, level: int) -> None:
        """Finalize ``metadata.version`` at ``level`` once every node runs the new release."""
        self.update_feature("metadata.version", level)

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        """Wait until the cluster shows a change it accepted (brokers apply the metadata log)."""
        wait_until(done, policy=self._policy(self.timeout * 3), what=what)


def _shows(change: ConfigChange, values: Mapping[str, Any], layer: ConfigSource) -> bool:
    """Whether described ``values`` reflect ``change`` at ``layer`` (set there, or gone from it)."""
    for name, value in change.set.items():
        entry = values.get(name) or {}
        if str(entry.get("value")) != value:
            return False
    for name in change.delete:
        entry = values.get(name) or {}
        layers = [entry.get("config_source")] + [s.get("source") for s in entry.get("synonyms", ())]
        if any(ConfigSource.parse(str(source)) is layer for source in layers if source):
            return False
    return True


def _replica_order(item: tuple[tuple[TopicPartition, int], str]) -> tuple[str, int, int]:
    (tp, broker), _ = item
    return tp.topic, tp.partition, broker


def _log_dir_refusal(error: object) -> str:
    """A broker's refusal of one replica's directory, in words (the directory was checked
    just before: a refusal here means it changed since, or the topic is gone)."""
    if error is None:
        return "no answer from the broker"
    if error is kafka.errors.LogDirNotFoundError:
        return "the broker has no such log dir (LogDirNotFoundError)"
    if error is kafka.errors.KafkaStorageError:
        return "the log dir, or the replica's current one, is offline (KafkaStorageError)"
    return _error_text(error) or "refused"


def _controller_id(cluster: Any) -> int | None:
    controller = getattr(cluster, "controller", None)
    return None if controller is None else int(controller.id)


def _capacity(value: object) -> int | None:
    """A log dir's byte count; brokers before 3.3 report -1 (unknown)."""
    return int(value) if isinstance(value, int) and value >= 0 else None


def _timestamp(value: object) -> int | None:
    return int(value) if isinstance(value, int) and value >= 0 else None


def _ops(change: ConfigChange) -> dict[str, tuple[str, str | None]]:
    ops: dict[str, tuple[str, str | None]] = {k: ("SET", v) for k, v in change.set.items()}
    ops.update({k: ("DELETE", None) for k in change.delete})
    return ops


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = defaultdict(dict)
    for part in (a, b):
        for kind, values in part.items():
            merged[kind].update(values)
    return dict(merged)


def _check_results(operation: str, results: Mapping[str, Mapping[str, Any]]) -> None:
    failed = {
        f"{kind} {name or '<default>'}": str(outcome)
        for kind, values in results.items()
        for name, outcome in values.items()
        if outcome != "OK"
    }
    for what, why in sorted(failed.items()):
        if "AuthorizationFailed" in why or "AUTHORIZATION_FAILED" in why:
            raise AuthorizationFailed(operation, what.upper(), _scrub(why))
    if failed:
        raise ClusterRequestFailed(
            operation, "; ".join(f"{what}: {_scrub(why)}" for what, why in sorted(failed.items()))
        )


def _error_text(error: object) -> str | None:
    if error is None:
        return None
    if isinstance(error, type) and issubclass(error, kafka.errors.KafkaError):
        if error is kafka.errors.NoError:
            return None
        return error.__name__
    if isinstance(error, kafka.errors.KafkaError):
        return type(error).__name__ + (f": {error}" if str(error) else "")
    return _scrub(str(error))


def _has_leaders(metadata: Any, name: str, partitions: int) -> bool:
    topic = metadata.topics.get(name)
    if topic is None or topic.error is not None or len(topic.partitions) < partitions:
        return False
    return all(p.leader >= 0 for p in topic.partitions.values())


def _client_error_text(exc: BaseException) -> str:
    """What a client library said when it refused its configuration, scrubbed."""
    first = exc.args[0] if exc.args else exc
    text = first.str() if isinstance(first, KafkaError) else str(first)
    return _scrub(text.removeprefix("Failed to create admin client: "))


def _scrub(text: str) -> str:
    """Keep a client's message to one line and drop anything that looks like a credential."""
    words = []
    for word in " ".join(text.split()).split(" "):
        lowered = word.lower()
        secret = any(key in lowered for key in ("password=", "secret=", "token="))
        words.append(word.split("=", 1)[0] + "=***" if secret else word)
    return " ".join(words)[:500]
