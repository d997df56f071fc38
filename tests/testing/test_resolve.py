"""Resolving a pinned Kafka version: cached once per machine, atomic, and clear when it fails."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from confluent_ops.errors import KafkaVersionUnavailable
from confluent_ops.testing import KafkaVersion, cache_root, resolve_kafka
from confluent_ops.testing.pytest_plugin import require_testbed

FAKE_MVN = """#!/bin/sh
# Stands in for Maven: records each call, takes a while, writes one jar where it is told.
echo call >> "{calls}"
sleep 1
for arg in "$@"; do
  case "$arg" in -DoutputDirectory=*) out="${{arg#-DoutputDirectory=}}";; esac
done
mkdir -p "$out" && echo jar > "$out/kafka_2.13-9.8.7.jar"
"""


def test_a_version_reads_major_minor_patch_and_says_what_it_can_run() -> None:
    assert KafkaVersion.parse("3.9.1").supports_zookeeper
    assert not KafkaVersion.parse("4.1.1").supports_zookeeper
    assert KafkaVersion.parse("4.1.1").uses_log4j2
    assert KafkaVersion.parse("3.9.1") < KafkaVersion.parse("4.1.1")
    with pytest.raises(KafkaVersionUnavailable, match=r"MAJOR\.MINOR\.PATCH"):
        KafkaVersion.parse("latest")


def test_cache_lives_under_the_override_or_the_user_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CONFLUENT_OPS_CACHE", str(tmp_path))
    assert cache_root() == tmp_path
    monkeypatch.delenv("CONFLUENT_OPS_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "confluent-ops"


def test_two_processes_resolving_at_once_call_maven_once_and_share_one_copy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = tmp_path / "calls"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    mvn = bin_dir / "mvn"
    mvn.write_text(FAKE_MVN.format(calls=calls))
    mvn.chmod(mvn.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("KAFKA_HOME", raising=False)
    cache = tmp_path / "cache"
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(resolve_kafka("9.8.7", cache=cache)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls.read_text().count("call") == 1
    assert results[0] == results[1]
    assert (results[0].libs / "kafka_2.13-9.8.7.jar").exists()
    assert not list((cache / "kafka").glob(".9.8.7.partial-*"))
    started = time.perf_counter()
    resolve_kafka("9.8.7", cache=cache)
    assert time.perf_counter() - started < 0.5
    assert calls.read_text().count("call") == 1


def test_kafka_home_holding_the_version_is_used_as_it_is(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    libs = tmp_path / "kafka_2.13-3.9.1" / "libs"
    libs.mkdir(parents=True)
    (libs / "kafka_2.13-3.9.1.jar").write_text("jar")
    monkeypatch.setenv("KAFKA_HOME", str(libs.parent))
    distribution = resolve_kafka("3.9.1", cache=tmp_path / "unused")
    assert distribution.from_kafka_home
    assert distribution.libs == libs
    assert not (tmp_path / "unused").exists()


def test_an_unknown_version_is_one_error_naming_it_and_kafka_home(tmp_path: Path) -> None:
    require_testbed(kafka_versions=("0.0.0-needs-maven",))
    started = time.perf_counter()
    with pytest.raises(KafkaVersionUnavailable) as raised:
        resolve_kafka("3.9.99", cache=tmp_path)
    message = str(raised.value)
    assert "3.9.99" in message
    assert "KAFKA_HOME" in message
    assert "\n" not in message
    assert time.perf_counter() - started < 60
    assert not (tmp_path / "kafka" / "3.9.99").exists()
