"""Turning a pinned Kafka version into a folder of jars, once per machine.

Apache Kafka's broker, storage tool and command-line tools are published on Maven Central, so a
version is resolved by asking Maven to copy ``kafka_2.13`` and ``kafka-tools`` with all their
runtime dependencies (plus a logging backend, which the POMs leave out) into a cache folder. A
user who already has an unpacked distribution points ``KAFKA_HOME`` at it instead.

The cache is shared by every run and every process on the machine: resolution happens in a
private folder that is renamed into place only when complete, under a lock file, so two test
sessions resolving the same version at once end with one good copy and never a half one.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from confluent_ops.errors import JavaNotFound, KafkaVersionUnavailable

__all__ = [
    "DEFAULT_KAFKA_VERSION",
    "SUPPORTED_KAFKA_VERSIONS",
    "KafkaDistribution",
    "KafkaVersion",
    "cache_root",
    "resolve_kafka",
]

SUPPORTED_KAFKA_VERSIONS = ("3.9.1", "4.1.1")
"""The versions the tests, benchmarks and docs pin; any other released version resolves too."""

DEFAULT_KAFKA_VERSION = "4.1.1"

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies"
_COMPLETE_MARKER = ".complete"


@attrs.frozen(order=True)
class KafkaVersion:
    """A released Apache Kafka version such as ``3.9.1``: what it can run and how it logs."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> KafkaVersion:
        """Read ``X.Y.Z``; anything else is refused here rather than by Maven later."""
        match = _VERSION.match(text.strip())
        if match is None:
            raise KafkaVersionUnavailable(text, "a Kafka version reads MAJOR.MINOR.PATCH")
        major, minor, patch = (int(part) for part in match.groups())
        return cls(major, minor, patch)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def supports_zookeeper(self) -> bool:
        """ZooKeeper mode ended with 3.9; 4.0 runs KRaft only."""
        return self.major < 4

    @property
    def uses_log4j2(self) -> bool:
        """4.x logs through Log4j 2; 3.x through reload4j (the Log4j 1 API)."""
        return self.major >= 4

    def logging_artifacts(self) -> tuple[tuple[str, str, str], ...]:
        """The logging backend to add beside the broker: its POM carries none."""
        if not self.uses_log4j2:
            return (
                ("org.slf4j", "slf4j-reload4j", "1.7.36"),
                ("ch.qos.reload4j", "reload4j", "1.2.25"),
            )
        log4j = _log4j2_version(self)
        return (
            ("org.apache.logging.log4j", "log4j-slf4j-impl", log4j),
            ("org.apache.logging.log4j", "log4j-api", log4j),
            ("org.apache.logging.log4j", "log4j-core", log4j),
        )


def _log4j2_version(version: KafkaVersion) -> str:
    """The Log4j 2 release each 4.x line was built against (see KAFKA-FACTS.md)."""
    if (version.major, version.minor) in ((4, 0), (4, 1)) and version.patch <= 1:
        return "2.24.3"
    if (version.major, version.minor, version.patch) in ((4, 0, 2), (4, 1, 2), (4, 2, 0)):
        return "2.25.3"
    return "2.25.4"


@attrs.frozen
class KafkaDistribution:
    """A folder of jars that runs one Kafka version: ``java -cp '<libs>/*' kafka.Kafka ...``."""

    version: KafkaVersion
    libs: Path
    from_kafka_home: bool = False

    @property
    def classpath(self) -> str:
        return f"{self.libs}/*"


def cache_root() -> Path:
    """Where resolved versions live: ``$CONFLUENT_OPS_CACHE``, else the user's cache folder."""
    override = os.environ.get("CONFLUENT_OPS_CACHE")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "confluent-ops"


def resolve_kafka(
    version: str | KafkaVersion,
    *,
    cache: Path | None = None,
    kafka_home: str | os.PathLike[str] | None = None,
    maven_repository: Path | None = None,
) -> KafkaDistribution:
    """The jars of ``version``: from ``KAFKA_HOME`` when it holds that version, else the cache.

    A version missing from the cache is resolved with Maven (minutes on a cold machine, a few
    milliseconds once cached). ``maven_repository`` overrides Maven's local repository, which
    the benchmark uses to measure a truly cold resolution.
    """
    wanted = version if isinstance(version, KafkaVersion) else KafkaVersion.parse(version)
    home = kafka_home if kafka_home is not None else os.environ.get("KAFKA_HOME")
    if home:
        found = _from_kafka_home(Path(home))
        if found is not None and found.version == wanted:
            return found
    folder = (cache or cache_root()) / "kafka" / str(wanted)
    libs = folder / "libs"
    if (folder / _COMPLETE_MARKER).exists():
        return KafkaDistribution(wanted, libs)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(folder.parent / f".{wanted}.lock"):
        if not (folder / _COMPLETE_MARKER).exists():
            _resolve_with_maven(wanted, folder, maven_repository)
    return KafkaDistribution(wanted, libs)


def _from_kafka_home(home: Path) -> KafkaDistribution | None:
    """Read the version of an unpacked distribution from its broker jar's file name."""
    libs = home / "libs"
    for jar in sorted(libs.glob("kafka_2.*-*.jar")):
        match = re.fullmatch(r"kafka_2\.\d+-(\d+\.\d+\.\d+)\.jar", jar.name)
        if match:
            return KafkaDistribution(KafkaVersion.parse(match.group(1)), libs, from_kafka_home=True)
    return None


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock file, so that one process resolves while the others wait."""
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pom(version: KafkaVersion) -> str:
    artifacts = [
        ("org.apache.kafka", "kafka_2.13", str(version)),
        ("org.apache.kafka", "kafka-tools", str(version)),
        *version.logging_artifacts(),
    ]
    dependencies = "\n".join(
        f"    <dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"<version>{release}</version></dependency>"
        for group, artifact, release in artifacts
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>confluent-ops.testbed</groupId>
  <artifactId>kafka-{version}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
{dependencies}
  </dependencies>
</project>
"""


def _resolve_with_maven(version: KafkaVersion, folder: Path, repository: Path | None) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise JavaNotFound("mvn", "install Maven (apt-get install maven) or set KAFKA_HOME")
    partial = Path(tempfile.mkdtemp(prefix=f".{version}.partial-", dir=folder.parent))
    try:
        (partial / "pom.xml").write_text(_pom(version), encoding="utf-8")
        command = [
            mvn,
            "-B",
            "-q",
            "-Dstyle.color=never",
            "-f",
            str(partial / "pom.xml"),
            _DEPENDENCY_PLUGIN,
            "-DincludeScope=runtime",
            f"-DoutputDirectory={partial / 'libs'}",
        ]
        if repository is not None:
            command.append(f"-Dmaven.repo.local={repository}")
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise KafkaVersionUnavailable(
                str(version), _maven_reason(result.stdout + result.stderr)
            )
        (partial / _COMPLETE_MARKER).write_text(f"{version}\n", encoding="utf-8")
        if folder.exists():  # left by a copy made by hand or an older layout: never trusted
            shutil.rmtree(folder)
        partial.rename(folder)
    finally:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)


def _maven_reason(output: str) -> str:
    """The part of Maven's output that says why, without its pages of context."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", output)
    missing = re.search(r"Could not find artifact (\S+)", text)
    if missing:
        return f"Maven's repositories have no {missing.group(1)}"
    unresolved = re.search(r"The following artifacts could not be resolved: (.+?): ", text)
    if unresolved:
        return f"Maven's repositories have no {unresolved.group(1)}"
    lines = [line.removeprefix("[ERROR]").strip() for line in text.splitlines() if line.strip()]
    reason = next((line for line in lines if "Could not" in line), lines[-1] if lines else "")
    return reason[:300] or "Maven failed without saying why"
