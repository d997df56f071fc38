"""A producer and a consumer over one topic, and the verdict on what they saw.

Rolls, drains and reassignments promise that nothing acknowledged is lost. The :class:`Workload`
checks that promise the way a user would notice a breach: a producer (``acks=all``, idempotent)
writes numbered messages at a steady rate and records each acknowledgement with its partition,
offset and latency; a consumer reads every partition from the beginning and records what it
reads. :func:`judge` compares the two records. It is a pure function, so its logic is tested on
crafted records as well as on a real cluster.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType

import attrs
from confluent_kafka import Consumer, KafkaError, Message, Producer, TopicPartition

from confluent_ops.errors import TestbedError, WaitTimedOut
from confluent_ops.testing._clients import QUIET_LOGGER, ClientConfig
from confluent_ops.waiting import WaitPolicy, wait_until

__all__ = ["Acknowledged", "Consumed", "Workload", "WorkloadVerdict", "judge"]


@attrs.frozen
class Acknowledged:
    """A message the cluster acknowledged: where it landed and how long the ack took.

    ``offset`` is None when the broker acknowledged without one: an idempotent producer's
    retry of a batch the broker had already stored (after a leader change) is answered as a
    duplicate sequence, which librdkafka reports as delivered with no offset.
    """

    sequence: int
    partition: int
    offset: int | None
    latency: float = 0.0


@attrs.frozen
class Consumed:
    """A message the consumer read."""

    sequence: int
    partition: int
    offset: int


@attrs.frozen
class WorkloadVerdict:
    """What the workload saw. ``ok`` is the promise: nothing acknowledged lost, duplicated or
    reordered. Produce errors are reported beside it: a message the cluster refused was never
    acknowledged, so it is not a loss, but a roll that makes producers fail is worth knowing.
    """

    acknowledged: int
    consumed: int
    lost: tuple[int, ...]
    duplicates: tuple[int, ...]
    reordered: tuple[tuple[int, int], ...]
    produce_errors: tuple[str, ...]
    max_produce_latency: float

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicates or self.reordered)

    def summary(self) -> str:
        """One line for a log or a failing assertion."""
        return (
            f"acknowledged {self.acknowledged}, consumed {self.consumed}, "
            f"lost {len(self.lost)} {list(self.lost[:10])}, "
            f"duplicated {len(self.duplicates)} {list(self.duplicates[:10])}, "
            f"reordered {len(self.reordered)} {list(self.reordered[:5])}, "
            f"produce errors {len(self.produce_errors)} {list(self.produce_errors[:3])}, "
            f"worst produce latency {self.max_produce_latency:.3f} s"
        )


def judge(
    acknowledged: Iterable[Acknowledged],
    consumed: Iterable[Consumed],
    produce_errors: Sequence[str] = (),
) -> WorkloadVerdict:
    """Compare what was acknowledged with what was read.

    - *lost*: acknowledged sequences never read;
    - *duplicates*: sequences stored at more than one offset (reading one offset twice, as a
      consumer does after a reconnect, is not a duplicate in the log);
    - *reordered*: ``(partition, offset)`` where a partition holds a smaller sequence after a
      larger one (the producer wrote each partition in increasing order).
    """
    acked = list(acknowledged)
    stored: dict[tuple[int, int], int] = {}
    for record in consumed:
        stored[(record.partition, record.offset)] = record.sequence
    read_sequences = Counter(stored.values())
    lost = sorted({record.sequence for record in acked} - set(read_sequences))
    duplicates = sorted(sequence for sequence, count in read_sequences.items() if count > 1)
    by_partition: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (partition, offset), sequence in stored.items():
        by_partition[partition].append((offset, sequence))
    reordered = []
    for partition, records in sorted(by_partition.items()):
        highest = -1
        for offset, sequence in sorted(records):
            if sequence < highest:
                reordered.append((partition, offset))
            highest = max(highest, sequence)
    return WorkloadVerdict(
        acknowledged=len(acked),
        consumed=len(stored),
        lost=tuple(lost),
        duplicates=tuple(duplicates),
        reordered=tuple(reordered),
        produce_errors=tuple(produce_errors),
        max_produce_latency=max((record.latency for record in acked), default=0.0),
    )


class Workload:
    """A producer and a consumer running in background threads over ``topic``.

    ``client`` is a bootstrap string or a confluent-kafka configuration (for TLS or SASL
    listeners, e.g. ``cluster.client_config("SSL")``). The topic must exist. Use it as a context
    manager around the disturbance, then read :attr:`verdict`; or call :meth:`stop` yourself.
    """

    def __init__(
        self,
        client: str | Mapping[str, str | int | float | bool],
        topic: str,
        *,
        rate: float = 200.0,
        drain_timeout: float = 60.0,
    ) -> None:
        self._config: ClientConfig = (
            {"bootstrap.servers": client} if isinstance(client, str) else dict(client)
        )
        self.topic = topic
        self._interval = 1.0 / rate
        self._drain_timeout = drain_timeout
        self._lock = threading.Lock()
        self._acknowledged: list[Acknowledged] = []
        self._consumed: list[Consumed] = []
        self._errors: list[str] = []
        self._stop_producing = threading.Event()
        self._stop_consuming = threading.Event()
        self._threads: list[threading.Thread] = []
        self._failure: BaseException | None = None
        self.verdict: WorkloadVerdict | None = None

    def __enter__(self) -> Workload:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def acknowledged_count(self) -> int:
        with self._lock:
            return len(self._acknowledged)

    def wait_for_acknowledged(self, count: int, *, timeout: float = 60.0) -> None:
        """Wait until ``count`` more messages than now are acknowledged (the cluster serves)."""
        target = self.acknowledged_count + count
        try:
            wait_until(
                lambda: self.acknowledged_count >= target,
                policy=WaitPolicy.bounded(timeout, interval=0.1),
                what="acknowledgements",
            )
        except WaitTimedOut:
            raise TestbedError(
                f"workload on {self.topic}: only {self.acknowledged_count} of {target} "
                f"messages acknowledged within {timeout:.0f} s"
            ) from None

    def start(self) -> None:
        partitions = self._partitions()
        consumer = threading.Thread(
            target=self._guard, args=(self._consume, partitions), name="workload-consumer"
        )
        producer = threading.Thread(
            target=self._guard, args=(self._produce,), name="workload-producer"
        )
        self._threads = [consumer, producer]
        for thread in self._threads:
            thread.daemon = True
            thread.start()

    def stop(self) -> WorkloadVerdict:
        """Stop producing, let the consumer catch up with every acknowledgement, judge."""
        if self.verdict is not None:
            return self.verdict
        if not self._threads:
            raise TestbedError(f"workload on {self.topic} was never started")
        self._stop_producing.set()
        self._threads[1].join(timeout=self._drain_timeout + 10)

        def caught_up() -> bool:
            with self._lock:
                read = {r.sequence for r in self._consumed}
                return all(a.sequence in read for a in self._acknowledged)

        with contextlib.suppress(WaitTimedOut):  # what never arrives is judged as lost
            wait_until(
                caught_up,
                policy=WaitPolicy.bounded(self._drain_timeout, interval=0.1),
                what="the consumer to read every acknowledged message",
            )
        self._stop_consuming.set()
        self._threads[0].join(timeout=30)
        if self._failure is not None:
            raise TestbedError(f"workload on {self.topic} failed: {self._failure}") from None
        with self._lock:
            self.verdict = judge(self._acknowledged, self._consumed, self._errors)
        return self.verdict

    # -- the threads ---------------------------------------------------------------------

    def _guard(self, target: Callable[..., None], *args: object) -> None:
        try:
            target(*args)
        except BaseException as failure:  # reported by stop()
            self._failure = failure
            self._stop_producing.set()

    def _partitions(self) -> list[int]:
        probe = Consumer(
            {**self._config, "group.id": f"workload-probe-{uuid.uuid4()}"}, logger=QUIET_LOGGER
        )
        try:
            metadata = probe.list_topics(self.topic, timeout=30)
        finally:
            probe.close()
        topic = metadata.topics.get(self.topic)
        if topic is None or topic.error is not None or not topic.partitions:
            raise TestbedError(f"topic {self.topic} does not exist; create it before the workload")
        return sorted(topic.partitions)

    def _produce(self) -> None:
        producer = Producer(
            {
                **self._config,
                "acks": "all",
                "enable.idempotence": True,
                "linger.ms": 5,
                "message.timeout.ms": 120_000,
            },
            logger=QUIET_LOGGER,
        )
        sequence = 0
        next_send = time.monotonic()
        while not self._stop_producing.is_set():
            sent_at = time.monotonic()
            try:
                producer.produce(
                    self.topic,
                    value=str(sequence).encode("ascii"),
                    on_delivery=self._on_delivery(sequence, sent_at),
                )
            except BufferError:
                producer.poll(0.1)
                continue
            sequence += 1
            next_send += self._interval
            producer.poll(max(0.0, next_send - time.monotonic()))
        remaining = producer.flush(self._drain_timeout)
        if remaining:
            with self._lock:
                self._errors.append(f"{remaining} messages still unacknowledged at stop")

    def _on_delivery(
        self, sequence: int, sent_at: float
    ) -> Callable[[KafkaError | None, Message], None]:
        def delivered(error: KafkaError | None, message: Message) -> None:
            latency = time.monotonic() - sent_at
            with self._lock:
                if error is not None:
                    self._errors.append(f"sequence {sequence}: {error.str()}")
                else:
                    partition = message.partition()
                    if partition is None:
                        self._errors.append(f"sequence {sequence}: delivered to no partition")
                        return
                    self._acknowledged.append(
                        Acknowledged(sequence, partition, message.offset(), latency)
                    )

        return delivered

    def _consume(self, partitions: list[int]) -> None:
        consumer = Consumer(
            {
                **self._config,
                "group.id": f"workload-{uuid.uuid4()}",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
            },
            logger=QUIET_LOGGER,
        )
        consumer.assign([TopicPartition(self.topic, p, 0) for p in partitions])
        try:
            while not self._stop_consuming.is_set():
                message = consumer.poll(0.2)
                if message is None or message.error() is not None:
                    continue
                value, partition, offset = message.value(), message.partition(), message.offset()
                if value is None or partition is None or offset is None:
                    continue
                record = Consumed(int(value), partition, offset)
                with self._lock:
                    self._consumed.append(record)
        finally:
            consumer.close()
