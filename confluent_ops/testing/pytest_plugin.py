"""pytest fixtures for real local Kafka and ZooKeeper, for this project's tests and yours.

Installed with confluent-ops, the plugin registers itself (entry point ``pytest11``). It offers:

- ``kafka_cluster``: one 3-broker KRaft cluster for the whole session, for tests that produce,
  consume and create topics but never stop a broker (options ``--kafka-version``,
  ``--kafka-brokers``);
- ``kafka_cluster_factory``: ``make(**options)`` starts a :class:`LocalKafkaCluster` that is
  stopped when the test ends, for tests that stop, kill or upgrade brokers;
- ``zookeeper_ensemble`` (one server, per session) and ``zookeeper_ensemble_factory``;
- :func:`require_testbed`: what a test calls when it needs Java, Maven or ZooKeeper. On a
  user's machine a missing tool skips the test with the reason; with ``CI=true`` it fails it,
  so that CI never passes by skipping the very tests it exists for.

When a test fails, the last lines of every process log of the clusters it used are added to
its report.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from confluent_ops.errors import TestbedError
from confluent_ops.testing._kafka import LocalKafkaCluster
from confluent_ops.testing._kube_build import control_plane_binaries
from confluent_ops.testing._processes import find_java
from confluent_ops.testing._resolve import DEFAULT_KAFKA_VERSION, resolve_kafka
from confluent_ops.testing._zookeeper import ZOOKEEPER_FROM_KAFKA, ZooKeeperEnsemble

__all__ = [
    "kafka_cluster",
    "kafka_cluster_factory",
    "missing_tools",
    "require_testbed",
    "zookeeper_ensemble",
    "zookeeper_ensemble_factory",
]

_LOGS_KEY = pytest.StashKey[list[Callable[[], str]]]()
_SESSION_LOGS_KEY = pytest.StashKey[dict[str, Callable[[], str]]]()


_UNRESOLVABLE: dict[str, str] = {}
"""The versions this session could not resolve, and why."""


def missing_tools(
    *, kafka_versions: tuple[str, ...] = (), zookeeper: bool = False, kube: bool = False
) -> list[str]:
    """What this machine lacks for a testbed: a Java runtime, the jars of each version (a
    version not cached yet is resolved here, once: without jgo or a reachable repository it
    is missing, with the reason; ZooKeeper comes from Kafka 3.9's jars), the Kubernetes
    control plane (built by ``tools/install_test_deps.py``)."""
    missing = []
    try:
        find_java()
    except TestbedError as exc:
        missing.append(str(exc))
    wanted = (*kafka_versions, *((ZOOKEEPER_FROM_KAFKA,) if zookeeper else ()))
    for version in sorted(set(wanted)):
        if version not in _UNRESOLVABLE:
            try:
                resolve_kafka(version)  # a cached version: a look at one marker file
                continue
            except TestbedError as exc:  # remembered: every test would ask again otherwise
                _UNRESOLVABLE[version] = str(exc)
        missing.append(_UNRESOLVABLE[version])
    if kube:
        try:
            control_plane_binaries(build=False)
        except TestbedError as exc:
            missing.append(str(exc))
    return missing


def require_testbed(
    *, kafka_versions: tuple[str, ...] = (), zookeeper: bool = False, kube: bool = False
) -> None:
    """Skip the calling test when a tool is missing, or fail it when ``CI=true``.

    The one place that rule lives: users running tests without Java see a skip with the reason;
    CI, whose job is to run these tests, sees a failure.
    """
    missing = missing_tools(kafka_versions=kafka_versions, zookeeper=zookeeper, kube=kube)
    if not missing:
        return
    reason = f"the local testbed needs {', '.join(missing)}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: missing tools fail instead of skipping)", pytrace=False)
    pytest.skip(reason)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("confluent-ops", "confluent_ops local testbed")
    group.addoption(
        "--kafka-version",
        default=DEFAULT_KAFKA_VERSION,
        help=f"Kafka version of the kafka_cluster fixture (default {DEFAULT_KAFKA_VERSION})",
    )
    group.addoption(
        "--kafka-brokers", type=int, default=3, help="brokers of the kafka_cluster fixture"
    )


@pytest.fixture(scope="session")
def kafka_cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalKafkaCluster]:
    """A KRaft cluster shared by the session: do not stop its brokers (use the factory)."""
    version = str(request.config.getoption("--kafka-version"))
    require_testbed(kafka_versions=(version,))
    brokers = int(request.config.getoption("--kafka-brokers"))
    workdir = tmp_path_factory.mktemp("kafka-cluster")
    with LocalKafkaCluster(brokers, version=version, racks=min(3, brokers), workdir=workdir) as c:
        request.config.stash.setdefault(_SESSION_LOGS_KEY, {})["kafka_cluster"] = c.log_tails
        yield c


@pytest.fixture
def kafka_cluster_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., LocalKafkaCluster]]:
    """``make(brokers=3, **options)``: a started cluster, stopped when the test ends."""
    started: list[LocalKafkaCluster] = []

    def make(brokers: int = 3, **options: Any) -> LocalKafkaCluster:
        options.setdefault("workdir", tmp_path / f"kafka-{len(started)}")
        cluster = LocalKafkaCluster(brokers, **options)  # validates; starts nothing yet
        own_ensemble = options.get("zookeeper") is True
        require_testbed(kafka_versions=(str(cluster.version),), zookeeper=own_ensemble)
        started.append(cluster)
        _remember_logs(request, cluster.log_tails)
        cluster.start()
        return cluster

    yield make
    for cluster in reversed(started):
        cluster.close(keep_files=True)


@pytest.fixture(scope="session")
def zookeeper_ensemble(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ZooKeeperEnsemble]:
    """One ZooKeeper server shared by the session (Kafka clusters use their own chroot)."""
    require_testbed(zookeeper=True)
    with ZooKeeperEnsemble(1, workdir=tmp_path_factory.mktemp("zookeeper")) as ensemble:
        shared = request.config.stash.setdefault(_SESSION_LOGS_KEY, {})
        shared["zookeeper_ensemble"] = ensemble.log_tails
        yield ensemble


@pytest.fixture
def zookeeper_ensemble_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., ZooKeeperEnsemble]]:
    """``make(servers=1, **options)``: a started ensemble, stopped when the test ends."""
    started: list[ZooKeeperEnsemble] = []

    def make(servers: int = 1, **options: Any) -> ZooKeeperEnsemble:
        require_testbed(zookeeper=True)
        options.setdefault("workdir", tmp_path / f"zookeeper-{len(started)}")
        ensemble = ZooKeeperEnsemble(servers, **options)
        started.append(ensemble)
        _remember_logs(request, ensemble.log_tails)
        ensemble.start()
        return ensemble

    yield make
    for ensemble in reversed(started):
        ensemble.close(keep_files=True)


def _remember_logs(request: pytest.FixtureRequest, tails: Callable[[], str]) -> None:
    request.node.stash.setdefault(_LOGS_KEY, []).append(tails)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the process logs of the clusters a failing test used to its report."""
    report = yield
    if report.failed:
        shared = item.config.stash.get(_SESSION_LOGS_KEY, {})
        used = getattr(item, "fixturenames", ())
        sources = item.stash.get(_LOGS_KEY, []) + [
            tails for name, tails in shared.items() if name in used
        ]
        text = "\n".join(tails() for tails in sources)
        if text.strip():
            report.sections.append(("confluent-ops testbed logs", text))
    return report
