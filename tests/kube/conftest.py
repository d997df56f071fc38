"""One real control plane and test kubelet for the Kube tests (they take seconds to start)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from confluent_ops.testing import KubeControlPlane, TestKubelet
from confluent_ops.testing._processes import live_processes
from confluent_ops.testing.pytest_plugin import require_testbed

VERSION = "3.9.1"  # the Kafka of Confluent Platform 7.9, which the specs here name


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeControlPlane]:
    require_testbed(kube=True, kafka_versions=(VERSION,))
    with KubeControlPlane(workdir=tmp_path_factory.mktemp("kube")) as plane:
        yield plane
        pids = plane.pids()
    assert not {p.pid for p in live_processes()} & set(pids)


@pytest.fixture(scope="session")
def kubelet(
    control_plane: KubeControlPlane, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestKubelet]:
    node = TestKubelet(
        control_plane.kubeconfig, workdir=tmp_path_factory.mktemp("kubelet"), version=VERSION
    )
    node.start()
    yield node
    node.close()
