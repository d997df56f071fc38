"""What every test directory shares: the testbed's pytest plugin and the adapter over it.

Installed, the plugin registers itself through its ``pytest11`` entry point, under its module
name; in a plain checkout this loads it. ``admin`` is one KafkaAdmin adapter per test module
over the session's 3-broker KRaft cluster; ``topic_name`` keeps tests sharing that cluster
apart.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator

import pytest

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.testing import LocalKafkaCluster

PLUGIN = "confluent_ops.testing.pytest_plugin"
_counter = itertools.count()


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.import_plugin(PLUGIN)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run in which no test passed is no evidence: fail it (pytest alone would exit 0).

    Every test skipping (a missing tool on a machine, a marker that deselects all) otherwise
    looks like success to the README's test command and to CI.
    """
    if session.config.option.collectonly or exitstatus != pytest.ExitCode.OK:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    passed = len(reporter.stats.get("passed", [])) if reporter is not None else 1
    if passed == 0:
        if reporter is not None:
            reporter.write_line("no test passed (all skipped or deselected): failing the run")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="module")
def admin(kafka_cluster: LocalKafkaCluster) -> Iterator[KafkaAdapter]:
    """The KafkaAdmin adapter over the session's 3-broker KRaft cluster."""
    with KafkaAdapter.connect(kafka_cluster.bootstrap_servers) as adapter:
        yield adapter


@pytest.fixture
def topic_name() -> Callable[[str], str]:
    """Unique topic names, so tests sharing the session cluster never collide."""
    run = uuid.uuid4().hex[:6]
    return lambda prefix: f"{prefix}-{run}-{next(_counter)}"
