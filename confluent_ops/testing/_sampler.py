"""A watcher of a cluster while a step runs: every partition's ISR, sampled, and brokers down.

The proof that a roll or a scale-out is safe is not that it ended: it is that no partition fell
below ``min.insync.replicas`` at any moment of it, that no more brokers were down at once than
the step allows, and that no acknowledged message was lost (:class:`Workload`). A
:class:`ClusterSampler` reads a snapshot every ``interval`` seconds in a thread of its own and
counts the samples where some partition was under its min ISR, how long some partition was
under-replicated, and the most brokers down at once; :meth:`ClusterSampler.timeline` keeps
every sample's counts, for a plot of the step over time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from types import TracebackType

import attrs

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.errors import ClusterError
from confluent_ops.planners.health import under_min_isr_partitions, under_replicated_partitions

__all__ = ["ClusterSampler", "SamplerPoint", "SamplerReport"]


@attrs.frozen
class SamplerPoint:
    """One sample: seconds since the sampler started, and what it counted then."""

    at: float
    under_replicated: int
    under_min_isr: int
    brokers: int


@attrs.frozen
class SamplerReport:
    """What the sampler saw: samples taken, the bad ones, and the worst moments."""

    samples: int
    under_min_isr_samples: int
    under_replicated_seconds: float
    max_brokers_down: int
    failed_reads: int
    examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return attrs.asdict(self)


class ClusterSampler:
    """Sample a cluster until stopped; ``report()`` says what it saw (see the module)."""

    def __init__(
        self,
        bootstrap: str,
        *,
        client: Mapping[str, str] | None = None,
        interval: float = 0.3,
        exempt_topics: frozenset[str] = frozenset(),
    ) -> None:
        self.bootstrap = bootstrap
        self.client = dict(client or {})
        self.interval = interval
        self.exempt_topics = exempt_topics
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._samples = 0
        self._under_min_isr = 0
        self._under_replicated = 0.0
        self._failed = 0
        self._max_down = 0
        self._known: set[int] = set()
        self._examples: list[str] = []
        self._points: list[SamplerPoint] = []
        self.started_at = 0.0

    def __enter__(self) -> ClusterSampler:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        self.started_at = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="cluster-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> SamplerReport:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        return self.report()

    def report(self) -> SamplerReport:
        with self._lock:
            return SamplerReport(
                self._samples,
                self._under_min_isr,
                round(self._under_replicated, 3),
                self._max_down,
                self._failed,
                tuple(self._examples[:5]),
            )

    def timeline(self) -> tuple[SamplerPoint, ...]:
        """Every sample taken so far, in order (``at`` counts from :meth:`start`)."""
        with self._lock:
            return tuple(self._points)

    def _run(self) -> None:
        adapter: KafkaAdapter | None = None
        last = time.monotonic()
        while not self._stop.is_set():
            try:
                if adapter is None:
                    adapter = KafkaAdapter.connect(self.bootstrap, self.client, timeout=5.0)
                snapshot = adapter.snapshot(sizes=False)
            except ClusterError:
                with self._lock:
                    self._failed += 1
                self._stop.wait(self.interval)
                continue
            now = time.monotonic()
            under_min = [
                tp
                for tp in under_min_isr_partitions(snapshot)
                if tp.topic not in self.exempt_topics
            ]
            under_replicated = under_replicated_partitions(snapshot)
            with self._lock:
                self._samples += 1
                self._known |= set(snapshot.broker_ids)
                self._max_down = max(self._max_down, len(self._known - set(snapshot.broker_ids)))
                if under_min:
                    self._under_min_isr += 1
                    self._examples.append(f"{len(under_min)} under min ISR: {under_min[:3]}")
                if under_replicated:
                    self._under_replicated += now - last
                self._points.append(
                    SamplerPoint(
                        round(now - self.started_at, 3),
                        len(under_replicated),
                        len(under_min),
                        len(snapshot.broker_ids),
                    )
                )
            last = now
            self._stop.wait(self.interval)
        if adapter is not None:
            adapter.close()
