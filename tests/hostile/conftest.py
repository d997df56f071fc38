"""The hostile-input suite: every command and every file format under generated bad input.

``contract.py`` holds the contract and ``run``; ``mutations.py`` how inputs go bad. Two
hypothesis profiles: ``hostile-fast`` (the test command) and ``hostile-long`` (``nox -s fuzz``,
with ``CONFLUENT_OPS_FUZZ_REPORT=F``: the counts per command and class are written to F as
JSON, the figures the issue asks for).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from contract import OUTCOMES


def pytest_sessionfinish(session: pytest.Session) -> None:
    report = os.environ.get("CONFLUENT_OPS_FUZZ_REPORT")
    if report and OUTCOMES:
        counts = {command: dict(sorted(n.items())) for command, n in sorted(OUTCOMES.items())}
        Path(report).write_text(json.dumps(counts, indent=2) + "\n")
