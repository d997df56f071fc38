"""Reading a whole cluster: ``KafkaAdapter.snapshot()`` at 2,000 and 20,000 partitions.

Why: every health check, restart gate and reassignment step starts from a snapshot, and a gate
that polls must read one in well under its poll interval. Target: at most 2 s for 2,000
partitions on a local 3-broker cluster (KRaft, Kafka 4.1.1) on the 2-core machine; the 20,000
point shows how the cost grows.

How: one 3-broker cluster (1 GiB heap each, small index files), topics of 100 partitions at
replication factor 2 created until the partition count is reached, then the snapshot read 5
times on a warm adapter (median and worst reported), with log-dir sizes (``sizes=True``, the
full snapshot) and without. Each phase's figures are printed as it goes. ``--quick`` measures
200 and 2,000 partitions instead.

Why replication factor 2: this machine's hard limit is 20,000 open files per process, and at
RF 3 on 3 brokers every broker holds all 20,000 partitions, one open log file each, plus
sockets and segments: a broker dies at about 20,000 (measured: "connection reset", then
refused). RF 2 keeps each broker near 13,300 replicas. The snapshot's cost is dominated by
the partition count (metadata, configs) and the replica count (log dirs), both printed.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.testing import LocalKafkaCluster

_PER_TOPIC = 100
_REPLICATION_FACTOR = 2
_RUNS = 5


def _grow(admin: KafkaAdapter, partitions: int, have: int) -> int:
    """Create topics of 100 partitions until the cluster holds ``partitions`` of ours."""
    while have < partitions:
        name = f"bench-{have // _PER_TOPIC:04d}"
        admin.create_topic(
            name,
            partitions=_PER_TOPIC,
            replication_factor=_REPLICATION_FACTOR,
            configs={"segment.index.bytes": "65536", "segment.bytes": "1048576"},
        )
        have += _PER_TOPIC
    return have


def _measure(admin: KafkaAdapter, *, sizes: bool) -> dict[str, float]:
    admin.snapshot(sizes=sizes)  # warm the connections
    times = []
    for _ in range(_RUNS):
        started = time.perf_counter()
        snapshot = admin.snapshot(sizes=sizes)
        times.append(time.perf_counter() - started)
    return {
        "median_s": round(statistics.median(times), 3),
        "worst_s": round(max(times), 3),
        "partitions_seen": float(len(snapshot.partitions)),
    }


def run(quick: bool) -> dict[str, Any]:
    points = (200, 2_000) if quick else (2_000, 20_000)
    figures: dict[str, Any] = {
        "target_2000_s": 2.0,
        "replication_factor": _REPLICATION_FACTOR,
        "points": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-snapshot-") as workdir:
        started = time.perf_counter()
        with LocalKafkaCluster(
            3,
            racks=3,
            heap_mb=1024,
            workdir=Path(workdir),
            ready_timeout=180.0,
            broker_config={"num.replica.fetchers": 1, "log.cleaner.enable": "false"},
        ) as cluster:
            print(f"cluster ready in {time.perf_counter() - started:.1f} s", flush=True)
            with KafkaAdapter.connect(cluster.bootstrap_servers, timeout=60.0) as admin:
                have = 0
                for point in points:
                    grown = time.perf_counter()
                    have = _grow(admin, point, have)
                    print(
                        f"{point} partitions created in {time.perf_counter() - grown:.1f} s",
                        flush=True,
                    )
                    full = _measure(admin, sizes=True)
                    bare = _measure(admin, sizes=False)
                    figures["points"][str(point)] = {"with_sizes": full, "without_sizes": bare}
                    print(
                        f"snapshot of {point} partitions: median {full['median_s']} s "
                        f"(worst {full['worst_s']} s) with log-dir sizes, "
                        f"{bare['median_s']} s without",
                        flush=True,
                    )
    first = figures["points"].get("2000")
    if first is not None:
        figures["meets_2000_target"] = first["with_sizes"]["median_s"] <= 2.0
    return figures
