"""Install what the tests need beyond Python packages, on a fresh machine (run by ``nox -s tests``).

- Debian's ``zookeeper`` (and Java 17 and Maven, should the machine lack them) with apt-get,
  when running as root; otherwise it says what is missing and the tests that need it skip
  (or fail, with ``CI=true``).
- The jars of every Kafka version the tests pin, resolved once into the user's cache.
- The Kubernetes control plane (kube-apiserver, kube-controller-manager, etcd) built with Go
  from Go modules, once, into the user's cache (about 4 minutes on two cores the first time,
  plus a minute to download the modules; seconds afterwards).

Usage: ``python tools/install_test_deps.py`` (idempotent; seconds when everything is there).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from confluent_ops.errors import TestbedError
from confluent_ops.testing import (
    KUBERNETES_VERSION,
    SUPPORTED_KAFKA_VERSIONS,
    control_plane_binaries,
    resolve_kafka,
)

DEBIAN_PACKAGES = {
    "zookeeper": lambda: Path("/usr/share/java/zookeeper.jar").exists(),
    "openjdk-17-jre-headless": lambda: shutil.which("java") is not None,
    "maven": lambda: shutil.which("mvn") is not None,
}


def install_debian_packages() -> None:
    missing = [name for name, present in DEBIAN_PACKAGES.items() if not present()]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"install-test-deps: missing {missing}; install them (apt-get) or tests will skip")
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    print(f"install-test-deps: {' '.join(command)}", flush=True)
    if subprocess.run(command, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)  # lists may be absent
        subprocess.run(command, env=env, check=True)


def resolve_versions() -> None:
    for version in SUPPORTED_KAFKA_VERSIONS:
        started = time.perf_counter()
        distribution = resolve_kafka(version)
        took = time.perf_counter() - started
        print(f"install-test-deps: Kafka {version} in {distribution.libs} ({took:.1f} s)")


def build_control_plane() -> None:
    """The Kubernetes control plane the Kube tests run, built once from Go modules (cached)."""
    try:
        binaries = control_plane_binaries(build=False)
    except TestbedError:
        if shutil.which("go") is None:
            print(
                "install-test-deps: no go (1.24+): the control plane is not built; "
                "the Kubernetes tests skip (CI=true: they fail)"
            )
            return
        print(
            f"install-test-deps: building the Kubernetes {KUBERNETES_VERSION} control plane "
            "(about 4 minutes on two cores the first time)",
            flush=True,
        )
        binaries = control_plane_binaries()
    sizes = ", ".join(f"{name} {size / 1e6:.0f} MB" for name, size in binaries.sizes().items())
    how = f"built in {binaries.built_seconds:.0f} s" if binaries.built_seconds else "cached"
    print(f"install-test-deps: {binaries.folder} ({sizes}; {how})")


def main() -> int:
    install_debian_packages()
    build_control_plane()
    if shutil.which("mvn") is None and not os.environ.get("KAFKA_HOME"):
        print("install-test-deps: no mvn: Kafka jars not resolved; tests needing them will skip")
        return 0
    resolve_versions()
    return 0


if __name__ == "__main__":
    sys.exit(main())
