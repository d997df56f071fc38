"""The one error hierarchy of confluent_ops.

Every failure the library reports is a :class:`ConfluentOpsError`. Adapters translate the
client libraries' exceptions into it (``raise ... from exc``), so that callers catch one tree
whatever the transport. Each class says what kind of problem it is, and each error carries what
the caller needs to act: the offending item, the partitions that block an operation, how to
resume. No error message ever holds a secret: values that may be secret are named, never shown.
"""

from __future__ import annotations

__all__ = [
    "ConfluentOpsError",
    "DuplicateReplica",
    "ImpossiblePlan",
    "InvalidInput",
    "MalformedFile",
    "UnknownBroker",
    "UnknownPartition",
    "UnsafeOperation",
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


class ImpossiblePlan(InvalidInput):
    """The request cannot be met by any placement (for example fewer brokers than replicas)."""


class UnsafeOperation(ConfluentOpsError):  # noqa: N818 - the name reads as the condition
    """An operation was refused because doing it would put data or availability at risk."""
