"""The local testbed's costs: start to a ready 3-broker KRaft cluster, resolution, memory.

- *ready*: from ``LocalKafkaCluster(3)`` entering to every broker answering metadata listing
  itself (jars cached; storage formatted by Kafka's tool included), per pinned version; the
  target on this 2-core machine is 20 s.
- *rss*: the resident memory of the whole cluster (3 brokers + 1 controller), read from
  ``/proc/<pid>/status`` once ready and again after 5000 messages of a workload.
- *cached resolution*: the lookup of a version already in the cache (the cold one is in
  ``bench_setup.py``).
- *ZooKeeper*: a 3-server ensemble until every server answers ``srvr`` with a mode.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from confluent_ops.testing import (
    SUPPORTED_KAFKA_VERSIONS,
    LocalKafkaCluster,
    Workload,
    ZooKeeperEnsemble,
    resolve_kafka,
)


def _rss_mb(pids: tuple[int, ...]) -> float:
    total_kb = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return round(total_kb / 1024, 1)


def _cluster_figures(version: str, rounds: int) -> dict[str, object]:
    ready: list[float] = []
    figures: dict[str, object] = {}
    for round_ in range(rounds):
        started = time.perf_counter()
        with LocalKafkaCluster(3, version=version, racks=3) as cluster:
            ready.append(round(time.perf_counter() - started, 2))
            if round_ == 0:
                figures["rss_ready_mb"] = _rss_mb(cluster.pids())
                cluster.create_topic("bench", partitions=6, replication_factor=3)
                with Workload(cluster.bootstrap_servers, "bench", rate=500) as workload:
                    workload.wait_for_acknowledged(5000, timeout=120)
                figures["rss_after_5000_messages_mb"] = _rss_mb(cluster.pids())
                assert workload.verdict is not None
                figures["workload"] = workload.verdict.summary()
            stop_started = time.perf_counter()
        figures.setdefault("stop_s", round(time.perf_counter() - stop_started, 2))
    figures["ready_s"] = ready
    figures["ready_median_s"] = statistics.median(ready)
    figures["ready_max_s"] = max(ready)
    return figures


def run(quick: bool) -> dict[str, object]:
    """Figures per version; ``quick`` starts each cluster once and skips the cold resolution."""
    rounds = 1 if quick else 3
    figures: dict[str, object] = {}
    for version in SUPPORTED_KAFKA_VERSIONS:
        started = time.perf_counter()
        resolve_kafka(version)
        figures[f"resolve_{version}_cached_s"] = round(time.perf_counter() - started, 4)
        result = _cluster_figures(version, rounds)
        figures[f"kraft_3_brokers_{version}"] = result
        print(
            f"Kafka {version}: 3 brokers + 1 controller ready in {result['ready_s']} s "
            f"(median {result['ready_median_s']} s, target 20 s); RSS {result['rss_ready_mb']} MB "
            f"ready, {result['rss_after_5000_messages_mb']} MB after 5000 messages; "
            f"stopped in {result['stop_s']} s",
            flush=True,
        )
    started = time.perf_counter()
    with ZooKeeperEnsemble(3) as ensemble:
        figures["zookeeper_3_servers_ready_s"] = round(time.perf_counter() - started, 2)
        figures["zookeeper_3_servers_rss_mb"] = _rss_mb(ensemble.pids())
    print(
        f"ZooKeeper: 3 servers ready in {figures['zookeeper_3_servers_ready_s']} s, "
        f"RSS {figures['zookeeper_3_servers_rss_mb']} MB",
        flush=True,
    )
    return figures
