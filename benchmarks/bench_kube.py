"""Provisioning on a real Kubernetes API: build, start, provision, and a roll by pod deletion.

- *build*: the control plane's programs from the cache (what every run after the first sees),
  a rebuild with the Go build cache warm (binaries removed: a relink), and, with
  ``CONFLUENT_OPS_BENCH_COLD=1``, a build with an empty Go build cache (the first run on a
  machine; the module download, about a minute, is not in it). Sizes of the three programs.
- *start*: the control plane from nothing to serving (``/readyz`` and the controller manager's
  first ServiceAccount).
- *provision*: ``Provision.run`` of 1 KRaft controller and 3 brokers, from the first apply to
  every StatefulSet ready, with the test kubelet running real brokers behind the pods.
- *roll*: the roll step over 3 brokers through :class:`KubeBrokerLifecycle` (pod deletion, the
  StatefulSet making the pod again, the broker back in every ISR) under a workload, against the
  same roll on the local testbed directly (:class:`LocalBrokerLifecycle`), same sizes, same
  topic. Both report lost messages and samples under min ISR.

Run with ``python -m benchmarks kube [--quick]``; ``--quick`` skips the testbed comparison.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from confluent_ops.adapters import KafkaAdapter, KubeAdapter, KubeBrokerLifecycle
from confluent_ops.provision import load_spec, render
from confluent_ops.steps import Provision, Roll
from confluent_ops.testing import (
    ClusterSampler,
    KubeControlPlane,
    LocalBrokerLifecycle,
    LocalKafkaCluster,
    TestKubelet,
    Workload,
    control_plane_binaries,
)
from confluent_ops.testing._kube_build import _build
from confluent_ops.testing._processes import free_node_ports, free_port

VERSION = "3.9.1"


def _build_figures() -> dict[str, object]:
    started = time.perf_counter()
    binaries = control_plane_binaries()
    cached = time.perf_counter() - started
    figures: dict[str, object] = {
        "cached_s": round(cached, 3),
        "sizes_mb": {k: round(v / 1e6, 1) for k, v in binaries.sizes().items()},
    }
    root = binaries.folder.parents[1]
    with tempfile.TemporaryDirectory(prefix="bench-kube-build-") as scratch:
        scratch_root = Path(scratch)
        (scratch_root / "gomod").symlink_to(root / "gomod")
        warm = scratch_root / "gocache"
        if os.environ.get("CONFLUENT_OPS_BENCH_COLD") != "1":
            warm.symlink_to(root / "gocache")
        started = time.perf_counter()
        _build(scratch_root, scratch_root / "bin")
        key = "cold_s" if not warm.is_symlink() else "warm_build_cache_s"
        figures[key] = round(time.perf_counter() - started, 1)
    print(f"build: cached {cached:.3f} s; {figures}")
    return figures


def _roll_on_kube(workdir: Path) -> dict[str, object]:
    figures: dict[str, object] = {}
    started = time.perf_counter()
    with KubeControlPlane(workdir=workdir / "plane") as plane:
        figures["control_plane_start_s"] = round(time.perf_counter() - started, 2)
        kubelet = TestKubelet(plane.kubeconfig, workdir=workdir / "kubelet", version=VERSION)
        kubelet.start()
        kube = KubeAdapter.from_kubeconfig(plane.kubeconfig)
        try:
            offset = free_node_ports(4)
            spec = load_spec(
                "name: bench\nnamespace: bench\nmetrics: {enabled: false}\n"
                f"kraft: {{replicas: 1, port: {free_port()}}}\n"
                "kafka:\n  replicas: 3\n  rack: {}\n  listeners:\n"
                f"    internal: {{port: {free_port()}}}\n"
                f"    replication: {{port: {free_port()}}}\n"
                f"    external: {{type: nodeport, host: localhost, node_port_offset: {offset},"
                f" port: {free_port()}}}\n"
            )
            started = time.perf_counter()
            Provision(kube, render(spec)).run()
            figures["provision_to_ready_s"] = round(time.perf_counter() - started, 1)
            figures.update(_roll(f"localhost:{offset}", KubeBrokerLifecycle(kube, "bench")))
        finally:
            kube.close()
            kubelet.close()
    print(f"kube: {figures}")
    return figures


def _roll(bootstrap: str, lifecycle: object) -> dict[str, object]:
    with KafkaAdapter.connect(bootstrap) as admin:
        admin.create_topic(
            "orders", partitions=24, replication_factor=3, configs={"min.insync.replicas": "2"}
        )
        with Workload(bootstrap, "orders", rate=300) as load, ClusterSampler(bootstrap) as sampler:
            load.wait_for_acknowledged(100)
            started = time.perf_counter()
            result = Roll(admin, lifecycle, nodes=[0, 1, 2]).run()  # type: ignore[arg-type]
            seconds = time.perf_counter() - started
            load.wait_for_acknowledged(100)
    seen = sampler.report()
    verdict = load.verdict
    return {
        "roll_s": round(seconds, 1),
        "per_broker_s": {str(k): round(v, 1) for k, v in result.node_seconds.items()},
        "lost": len(verdict.lost) if verdict is not None else None,
        "under_min_isr_samples": seen.under_min_isr_samples,
        "samples": seen.samples,
    }


def _roll_on_testbed() -> dict[str, object]:
    with LocalKafkaCluster(3, controllers=1, racks=3, version=VERSION) as cluster:
        figures = _roll(cluster.bootstrap_servers, LocalBrokerLifecycle(cluster))
    print(f"testbed: {figures}")
    return figures


def run(quick: bool) -> dict[str, object]:
    figures: dict[str, object] = {"build": _build_figures()}
    with tempfile.TemporaryDirectory(prefix="bench-kube-") as scratch:
        figures["kube"] = _roll_on_kube(Path(scratch))
        shutil.rmtree(Path(scratch) / "kubelet", ignore_errors=True)
    if not quick:
        figures["testbed"] = _roll_on_testbed()
        kube_roll = figures["kube"]["roll_s"]  # type: ignore[index]
        testbed_roll = figures["testbed"]["roll_s"]  # type: ignore[index]
        figures["kube_over_testbed"] = round(kube_roll / testbed_roll, 2)
        print(f"roll through pod deletion / roll on the testbed: {figures['kube_over_testbed']}")
    return figures
