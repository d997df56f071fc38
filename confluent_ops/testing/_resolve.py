"""Turning a pinned Kafka version into a folder of jars, once per machine, with nothing but pip.

Apache Kafka's broker, storage tool and command-line tools are published on Maven Central. A
version is resolved with jgo, a Maven resolver written in Python (no ``mvn``, no JDK needed):
``kafka_2.13`` and ``kafka-tools`` with all their runtime dependencies, plus a logging backend,
which the POMs leave out, are copied into a cache folder. The coordinates are resolved in jgo's
"raw" mode, which mediates versions as Maven does (nearest declaration wins); its default
"managed" mode imports the artifacts' dependency management and picks other versions (Kafka
4.1.1 came with ``kafka-clients`` 3.8.0). A user who already has an unpacked distribution
points ``KAFKA_HOME`` at it instead; ``CONFLUENT_OPS_MAVEN_REPOSITORY`` names a mirror of
Maven Central for machines that cannot reach it.

The cache is shared by every run and every process on the machine: resolution happens in a
private folder that is renamed into place only when complete, under a lock file, so two test
sessions resolving the same version at once end with one good copy and never a half one. Once
a version is there, nothing is asked of the network again (the cache works offline).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import attrs

from confluent_ops.errors import KafkaVersionUnavailable, TestbedError

__all__ = [
    "DEFAULT_KAFKA_VERSION",
    "MAVEN_CENTRAL",
    "SUPPORTED_KAFKA_VERSIONS",
    "KafkaDistribution",
    "KafkaVersion",
    "cache_root",
    "maven_repository_url",
    "resolve_artifacts",
    "resolve_kafka",
]

SUPPORTED_KAFKA_VERSIONS = ("3.9.1", "4.1.1")
"""The versions the tests, benchmarks and docs pin; any other released version resolves too."""

DEFAULT_KAFKA_VERSION = "4.1.1"

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_COMPLETE_MARKER = ".complete"
_DOWNLOADS_AT_ONCE = 8

MAVEN_CENTRAL = "https://repo.maven.apache.org/maven2"
_LOCAL_INSTALL = "pip install 'confluent-ops[local]'"


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


def maven_repository_url() -> str:
    """The Maven repository jars come from: ``$CONFLUENT_OPS_MAVEN_REPOSITORY``, else Central."""
    return os.environ.get("CONFLUENT_OPS_MAVEN_REPOSITORY") or MAVEN_CENTRAL


def resolve_kafka(
    version: str | KafkaVersion,
    *,
    cache: Path | None = None,
    kafka_home: str | os.PathLike[str] | None = None,
    maven_repository: Path | None = None,
) -> KafkaDistribution:
    """The jars of ``version``: from ``KAFKA_HOME`` when it holds that version, else the cache.

    A version missing from the cache is resolved from Maven (about a minute on a cold machine,
    a few milliseconds once cached). ``maven_repository`` overrides the local Maven repository
    the downloads go through (``<cache>/maven`` by default), which the benchmark uses to
    measure a truly cold resolution.
    """
    wanted = version if isinstance(version, KafkaVersion) else KafkaVersion.parse(version)
    home = kafka_home if kafka_home is not None else os.environ.get("KAFKA_HOME")
    if home:
        found = _from_kafka_home(Path(home))
        if found is not None and found.version == wanted:
            return found
    root = cache or cache_root()
    coordinates = [
        ("org.apache.kafka", "kafka_2.13", str(wanted)),
        ("org.apache.kafka", "kafka-tools", str(wanted)),
        *wanted.logging_artifacts(),
    ]
    try:
        libs = resolve_artifacts(
            coordinates,
            root / "kafka" / str(wanted),
            maven_repository=maven_repository or root / "maven",
        )
    except TestbedError as exc:
        raise KafkaVersionUnavailable(str(wanted), str(exc)) from exc
    return KafkaDistribution(wanted, libs)


def resolve_artifacts(
    coordinates: Sequence[tuple[str, str, str]],
    folder: Path,
    *,
    maven_repository: Path | None = None,
) -> Path:
    """``folder/libs`` holding ``coordinates`` (group, artifact, version) and their runtime
    dependencies, resolved once: a folder marked complete is returned without a look at the
    network. Raises :class:`TestbedError` naming what to install or which variable to set."""
    libs = folder / "libs"
    if (folder / _COMPLETE_MARKER).exists():
        return libs
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(folder.parent / f".{folder.name}.lock"):
        if not (folder / _COMPLETE_MARKER).exists():
            repository = maven_repository or cache_root() / "maven"
            _resolve_with_jgo(coordinates, folder, repository)
    return libs


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


def _resolve_with_jgo(
    coordinates: Sequence[tuple[str, str, str]], folder: Path, repository: Path
) -> None:
    """Resolve with jgo into ``repository``, then link (or copy) the jars into ``folder/libs``."""
    try:
        import requests  # noqa: PLC0415 - jgo's own HTTP client: its errors are translated
        from jgo.maven import MavenContext  # noqa: PLC0415 - an optional extra
        from jgo.parse import Endpoint  # noqa: PLC0415
    except ImportError as exc:
        raise TestbedError(
            f"resolving jars needs jgo ({exc.name} is missing): {_LOCAL_INSTALL}, "
            "or set KAFKA_HOME to an unpacked Kafka"
        ) from exc
    url = maven_repository_url()
    names = [f"{group}:{artifact}:{version}" for group, artifact, version in coordinates]
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        context = MavenContext(repo_cache=repository, remote_repos={"central": url})
        # "!" asks for raw resolution: Maven's nearest-wins mediation (see the module's doc)
        endpoint = Endpoint.parse("+".join(f"{name}!" for name in names))
        wanted = [context.create_dependency(c) for c in endpoint.coordinates]
        inputs, transitive = context.resolver.resolve(wanted)
        runtime = [*inputs, *(d for d in transitive if d.scope in ("compile", "runtime"))]
        with ThreadPoolExecutor(_DOWNLOADS_AT_ONCE) as pool:
            jars = list(pool.map(lambda dependency: dependency.artifact.resolve(), runtime))
        (partial / "libs").mkdir()
        for jar in jars:
            _link_or_copy(Path(jar), partial / "libs" / Path(jar).name)
        (partial / _COMPLETE_MARKER).write_text("\n".join(names) + "\n", encoding="utf-8")
        if folder.exists():  # left by a copy made by hand or an older layout: never trusted
            shutil.rmtree(folder)
        partial.rename(folder)
    except requests.exceptions.SSLError as exc:
        raise TestbedError(
            f"the Maven repository {url} presented a certificate this machine does not trust "
            "(SSLError); behind a proxy that re-signs TLS, set REQUESTS_CA_BUNDLE to its CA "
            "bundle, or CONFLUENT_OPS_MAVEN_REPOSITORY to a mirror of Maven Central"
        ) from exc
    except requests.RequestException as exc:
        raise TestbedError(
            f"the Maven repository {url} did not answer ({type(exc).__name__}); check the "
            "network, or set CONFLUENT_OPS_MAVEN_REPOSITORY to a mirror of Maven Central"
        ) from exc
    except (RuntimeError, ValueError, KeyError) as exc:  # jgo's words for "no such artifact"
        raise TestbedError(f"{url} could not resolve {', '.join(names)}: {exc}") from exc
    finally:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link where the cache and the repository share a file system, else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
