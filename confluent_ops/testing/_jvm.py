"""How the testbed runs a JVM on a small, shared machine: heap, collector, logging, properties.

Kafka's own scripts ask for a 1 GB heap and G1 tuned for throughput. A test cluster needs far
less: a few hundred megabytes of heap, the serial collector (no GC threads fighting the other
JVMs for two cores) and the C1 compiler only (a JVM that is up in seconds rather than one that
is fast after minutes). Every process logs to its standard output, which the testbed sends to
that process's own log file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from confluent_ops._files import PRIVATE, PUBLIC, write_atomically
from confluent_ops.model.java_properties import java_properties_text

__all__ = ["jvm_options", "write_logging_configs", "write_properties"]

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
