"""The real Kubernetes control plane for tests, built from Go modules into the user's cache.

``k8s.io/kubernetes`` is published as a Go module whose own go.mod points its staging modules
at local folders, so ``go install k8s.io/kubernetes/cmd/kube-apiserver@v1.34.4`` refuses. The
module in ``_kube/`` (go.mod, go.sum, tools.go) requires it and replaces each staging module with
its published version; building ``k8s.io/kubernetes/cmd/kube-apiserver``, ``.../kube-controller-
manager`` and ``go.etcd.io/etcd/server/v3`` from it gives the three programs a control plane
needs. They are built once: the binaries, the module cache and the Go build cache all live under
``cache_root()/kube``, so a second run (a fresh clone on the same machine too) builds nothing.

``CONFLUENT_OPS_KUBE_BIN`` names a folder that already holds the three programs (of the same
version) and skips the build.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import attrs

from confluent_ops.errors import TestbedError
from confluent_ops.testing._resolve import cache_root

__all__ = ["KUBERNETES_VERSION", "ControlPlaneBinaries", "control_plane_binaries"]

KUBERNETES_VERSION = "1.34.4"
"""The Kubernetes the tests run (and whose API schema rendered objects are checked against)."""

_PROGRAMS = {
    "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
    "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
    "etcd": "go.etcd.io/etcd/server/v3",
}
_MODULE_FILES = ("go.mod", "go.sum", "tools.go")


@attrs.frozen
class ControlPlaneBinaries:
    """Where the three programs are, and how long getting them took (0 when cached)."""

    folder: Path
    built_seconds: float = 0.0

    @property
    def apiserver(self) -> Path:
        return self.folder / "kube-apiserver"

    @property
    def controller_manager(self) -> Path:
        return self.folder / "kube-controller-manager"

    @property
    def etcd(self) -> Path:
        return self.folder / "etcd"

    def sizes(self) -> dict[str, int]:
        """Bytes of each program."""
        return {name: (self.folder / name).stat().st_size for name in _PROGRAMS}


def _kube_cache(cache: Path | None) -> Path:
    return (cache or cache_root()) / "kube"


def _present(folder: Path) -> bool:
    return all(os.access(folder / name, os.X_OK) for name in _PROGRAMS)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One build at a time per cache, across processes (two test sessions, CI and a user)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _go() -> str:
    found = shutil.which("go")
    if found is None:
        raise TestbedError(
            "building the Kubernetes control plane needs Go 1.24 or newer (go.dev/dl), or "
            "CONFLUENT_OPS_KUBE_BIN naming a folder with kube-apiserver, "
            "kube-controller-manager and etcd"
        )
    return found


def control_plane_binaries(
    *, cache: Path | None = None, build: bool = True
) -> ControlPlaneBinaries:
    """The control plane's programs: from ``CONFLUENT_OPS_KUBE_BIN``, the cache, or a build.

    With ``build=False`` a missing build raises :class:`TestbedError` instead of starting one
    (a first build takes about 4 minutes on two cores, plus a minute to download modules).
    """
    given = os.environ.get("CONFLUENT_OPS_KUBE_BIN")
    if given:
        folder = Path(given)
        if not _present(folder):
            raise TestbedError(
                f"CONFLUENT_OPS_KUBE_BIN={given} lacks one of {', '.join(_PROGRAMS)}"
            )
        return ControlPlaneBinaries(folder)
    root = _kube_cache(cache)
    folder = root / f"v{KUBERNETES_VERSION}" / "bin"
    if _present(folder):
        return ControlPlaneBinaries(folder)
    if not build:
        raise TestbedError(
            f"the Kubernetes control plane {KUBERNETES_VERSION} is not built yet "
            "(python tools/install_test_deps.py builds it)"
        )
    with _locked(root / "build.lock"):
        if _present(folder):  # another process built it while we waited
            return ControlPlaneBinaries(folder)
        started = time.monotonic()
        _build(root, folder)
        return ControlPlaneBinaries(folder, built_seconds=time.monotonic() - started)


def _build(root: Path, folder: Path) -> None:
    go = _go()
    source = root / f"v{KUBERNETES_VERSION}" / "src"
    source.mkdir(parents=True, exist_ok=True)
    module = resources.files("confluent_ops.testing") / "_kube"
    for name in _MODULE_FILES:
        (source / name).write_bytes((module / name).read_bytes())
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "GOMODCACHE": str(root / "gomod"),
        "GOCACHE": str(root / "gocache"),
        "GOFLAGS": "-mod=mod -buildvcs=false",
        "CGO_ENABLED": "0",
    }
    major, minor, _ = KUBERNETES_VERSION.split(".")
    stamp = "k8s.io/component-base/version"
    ldflags = " ".join(
        [
            f"-X {stamp}.gitVersion=v{KUBERNETES_VERSION}",
            f"-X {stamp}.gitMajor={major}",
            f"-X {stamp}.gitMinor={minor}",
            f"-X {stamp}.gitTreeState=clean",
        ]
    )  # what Kubernetes' own release build stamps, so /version tells the truth
    for name, package in _PROGRAMS.items():
        partial = folder / f".{name}.partial"
        command = [go, "build", "-trimpath", "-ldflags", ldflags, "-o", str(partial), package]
        result = subprocess.run(
            command, cwd=source, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
            raise TestbedError(f"go build of {package} failed:\n{tail}")
        partial.replace(folder / name)
