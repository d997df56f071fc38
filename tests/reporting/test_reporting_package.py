"""The package imports without its optional extra and without any Kafka client library."""

from __future__ import annotations

import subprocess
import sys

WITHOUT_PROMETHEUS = """
import sys
sys.modules["prometheus_client"] = None  # as if it were not installed
import confluent_ops.reporting as reporting
try:
    reporting.PrometheusEvents()
except ImportError as error:
    print(error)
"""

CLIENT_LIBRARIES = """
import sys
import confluent_ops.reporting
clients = {"confluent_kafka", "kafka", "kazoo", "kubernetes"}
print(sorted({name.split(".")[0] for name in sys.modules} & clients))
"""


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout.strip()


def test_without_prometheus_client_the_package_imports_and_metrics_say_what_to_install():
    message = run_python(WITHOUT_PROMETHEUS)

    assert "pip install 'confluent-ops[metrics]'" in message


def test_the_package_imports_no_kafka_client_library():
    assert run_python(CLIENT_LIBRARIES) == "[]"
