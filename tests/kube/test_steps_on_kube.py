"""The steps, unchanged, on a provisioned platform: a roll by deleting pods and a scale-out.

The platform is provisioned from a spec onto the real API server; the test kubelet runs its
brokers. A Python client reaches them from outside through their external listener, served on
node ports by the kubelet (advertised as ``localhost:<nodePort>``), as a client outside a
cluster would. The roll step restarts each broker through :class:`KubeBrokerLifecycle`: a pod
deletion, the StatefulSet making the pod again, the broker rejoining; the workload checker and
the sampler prove no acknowledged message was lost and no partition went below min ISR.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest

from confluent_ops.adapters import KafkaAdapter, KubeAdapter, KubeBrokerLifecycle
from confluent_ops.planners.health import throttles_in_force
from confluent_ops.provision import RenderedPlatform, load_spec, render
from confluent_ops.steps import Provision, Roll, ScaleOut
from confluent_ops.testing import ClusterSampler, KubeControlPlane, TestKubelet, Workload
from confluent_ops.testing._processes import free_node_ports, free_port


@pytest.fixture
def kube(control_plane: KubeControlPlane) -> Iterator[KubeAdapter]:
    adapter = KubeAdapter.from_kubeconfig(control_plane.kubeconfig)
    yield adapter
    adapter.close()


@pytest.mark.parametrize(
    "full",
    [
        pytest.param(False, id="one-broker"),
        pytest.param(True, id="three-brokers-and-a-scale-out", marks=pytest.mark.slow),
    ],
)
def test_a_roll_by_pod_deletion_then_a_scale_out_through_the_steps_port_lose_nothing(
    kube: KubeAdapter, kubelet: TestKubelet, full: bool
) -> None:
    """The test command rolls one broker (the fast version); ``nox -s slow`` rolls all three
    and scales out to four."""
    namespace = "steps-full" if full else "steps-one"
    offset = free_node_ports(5)
    spec = load_spec(
        f"name: steps\nnamespace: {namespace}\nmetrics: {{enabled: false}}\n"
        f"kraft: {{replicas: 1, port: {free_port()}}}\n"
        "kafka:\n  replicas: 3\n  rack: {}\n  listeners:\n"
        f"    internal: {{port: {free_port()}}}\n    replication: {{port: {free_port()}}}\n"
        f"    external: {{type: nodeport, host: localhost, node_port_offset: {offset},"
        f" port: {free_port()}}}\n"
    )
    Provision(kube, render(spec)).run()
    bootstrap = f"localhost:{offset}"

    def platform(brokers: int) -> RenderedPlatform:
        return render(attrs.evolve(spec, kafka=attrs.evolve(spec.kafka, replicas=brokers)))

    lifecycle = KubeBrokerLifecycle(kube, namespace, platform=platform)
    rolled = [0, 1, 2] if full else [1]
    before = {n: lifecycle.status(n).progress for n in lifecycle.brokers()}

    with KafkaAdapter.connect(bootstrap) as admin:
        admin.create_topic(
            "orders", partitions=6, replication_factor=3, configs={"min.insync.replicas": "2"}
        )
        with Workload(bootstrap, "orders", rate=100) as load, ClusterSampler(bootstrap) as sampler:
            load.wait_for_acknowledged(50)
            result = Roll(admin, lifecycle, nodes=rolled).run()
            load.wait_for_acknowledged(50)
            scaled = (
                ScaleOut(admin, lifecycle, count=1, throttle=20_000_000).run() if full else None
            )
            load.wait_for_acknowledged(50)
        after_scale = admin.snapshot(sizes=False)
        racks = {b.id: b.rack for b in after_scale.brokers}

    seen = sampler.report()
    after = {n: lifecycle.status(n).progress for n in lifecycle.brokers()}
    assert all((before[n][0] != after[n][0]) == (n in rolled) for n in before)  # new pods
    assert sorted(result.nodes) == rolled
    assert not throttles_in_force(after_scale)
    if full:
        assert racks == {0: "zone-a", 1: "zone-b", 2: "zone-c", 3: "zone-a"}
        assert scaled is not None
        assert scaled.brokers == (3,)
        assert scaled.replica_moves == scaled.lower_bound_moves > 0
        assert after_scale.partitions_on(3)
    else:
        assert racks == {0: "zone-a", 1: "zone-b", 2: "zone-c"}
    assert load.verdict is not None
    assert load.verdict.ok, load.verdict.summary()
    assert seen.under_min_isr_samples == 0, seen
