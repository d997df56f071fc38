"""Resolving a pinned Kafka version: cached once per machine, atomic, and clear when it fails."""

from __future__ import annotations

import http.server
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from confluent_ops.errors import KafkaVersionUnavailable
from confluent_ops.testing import resolve_kafka
from confluent_ops.testing._processes import free_port
from confluent_ops.testing._resolve import resolve_artifacts
from confluent_ops.testing.pytest_plugin import require_testbed

POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>test.confluentops</groupId>
  <artifactId>tiny</artifactId>
  <version>1.0</version>
</project>
"""


class _Repository(http.server.BaseHTTPRequestHandler):
    """A Maven repository of one artifact that takes a second per jar: counts its downloads."""

    jar_downloads = 0

    def do_GET(self) -> None:
        if self.path.endswith("/test/confluentops/tiny/1.0/tiny-1.0.pom"):
            body = POM.encode()
        elif self.path.endswith("/test/confluentops/tiny/1.0/tiny-1.0.jar"):
            type(self).jar_downloads += 1
            time.sleep(1)
            body = b"PK\x05\x06" + bytes(18)  # an empty zip
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def repository(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Repository]]:
    """The repository on an ephemeral port of 127.0.0.1, named by CONFLUENT_OPS_MAVEN_REPOSITORY."""
    handler = type("Repository", (_Repository,), {"jar_downloads": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(
        "CONFLUENT_OPS_MAVEN_REPOSITORY", f"http://127.0.0.1:{server.server_port}/m2"
    )
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_two_processes_resolving_at_once_download_once_and_share_one_copy(
    repository: type[_Repository], tmp_path: Path
) -> None:
    folder = tmp_path / "cache" / "tiny"
    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                resolve_artifacts(
                    [("test.confluentops", "tiny", "1.0")], folder, maven_repository=tmp_path / "m2"
                )
            )
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert repository.jar_downloads == 1
    assert results[0] == results[1] == folder / "libs"
    assert [jar.name for jar in (folder / "libs").iterdir()] == ["tiny-1.0.jar"]
    assert not list(folder.parent.glob(".tiny.partial-*"))
    started = time.perf_counter()
    resolve_artifacts([("test.confluentops", "tiny", "1.0")], folder)  # cached: no network
    assert time.perf_counter() - started < 0.5
    assert repository.jar_downloads == 1


def test_an_unreachable_repository_is_one_error_naming_the_variable_to_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CONFLUENT_OPS_MAVEN_REPOSITORY", f"http://127.0.0.1:{free_port()}/m2")
    monkeypatch.delenv("KAFKA_HOME", raising=False)
    with pytest.raises(KafkaVersionUnavailable) as raised:
        resolve_kafka("4.1.1", cache=tmp_path / "cache")
    message = str(raised.value)
    assert "did not answer" in message
    assert "CONFLUENT_OPS_MAVEN_REPOSITORY" in message
    assert "KAFKA_HOME" in message
    assert not (tmp_path / "cache" / "kafka" / "4.1.1").exists()


def test_without_jgo_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "jgo.maven", None)
    monkeypatch.delenv("KAFKA_HOME", raising=False)
    with pytest.raises(KafkaVersionUnavailable, match=r"confluent-ops\[local\]"):
        resolve_kafka("4.1.1", cache=tmp_path / "cache")


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
    require_testbed(kafka_versions=("4.1.1",))  # the resolver and its repository answer
    started = time.perf_counter()
    with pytest.raises(KafkaVersionUnavailable) as raised:
        resolve_kafka("3.9.99", cache=tmp_path)
    message = str(raised.value)
    assert "3.9.99" in message
    assert "KAFKA_HOME" in message
    assert "\n" not in message
    assert time.perf_counter() - started < 60
    assert not (tmp_path / "kafka" / "3.9.99").exists()
