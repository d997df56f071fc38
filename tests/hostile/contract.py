"""The contract every hostile input is held to, checked by ``run``, and the outcome counts.

The contract (CLI.md, docs/errors.md): a one-line reason on stderr, a documented exit code,
no traceback, no file left behind (no partial and no output when the command failed), and
nothing changed on a cluster.
"""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, settings

from confluent_ops.cli._app import EXIT_CODES
from confluent_ops.cli.main import main

_QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile(
    "hostile-fast", max_examples=25, deadline=None, suppress_health_check=_QUIET
)
settings.register_profile(
    "hostile-long", max_examples=400, deadline=None, suppress_health_check=_QUIET
)
PROFILE = os.environ.get("CONFLUENT_OPS_HOSTILE_PROFILE", "hostile-fast")
SETTINGS = settings(settings.get_profile(PROFILE))

DOCUMENTED = frozenset({0, 1, 2} | {row.code for row in EXIT_CODES}) - {70}
"""The codes a command may end with: its own verdicts (0, 1, 2) and the table's, but 70 (a bug)."""

HANG_LIMIT = 30.0
"""No input may keep a command longer than this (its documented timeouts are far shorter)."""

OUTCOMES: dict[str, Counter[str]] = defaultdict(Counter)


@attrs.frozen
class Outcome:
    code: int
    stderr: str
    stdout: str
    seconds: float


def _leftovers(folder: Path) -> list[str]:
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.name.endswith((".partial", ".previous"))
    )


def run(
    command: str,
    argv: Sequence[str],
    capsys: pytest.CaptureFixture[str],
    *,
    workdir: Path,
    outputs: Sequence[Path] = (),
    expect: Sequence[int] | None = None,
) -> Outcome:
    """Run one input through ``main`` and hold it to the contract; count what happened."""
    existed = {path: path.exists() for path in outputs}
    started = time.monotonic()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # --help and --version only
        code = int(exc.code or 0)
    seconds = time.monotonic() - started
    captured = capsys.readouterr()
    counts = OUTCOMES[command]
    counts["inputs"] += 1
    counts[f"exit {code}"] += 1
    problems = []
    if "Traceback" in captured.err:
        counts["tracebacks"] += 1
        problems.append("a traceback on stderr")
    if code not in DOCUMENTED:
        counts["undocumented codes"] += 1
        problems.append(f"undocumented exit code {code}")
    if code != 0 and captured.err.count("\n") != 1:
        counts["not one line"] += 1
        problems.append(f"{captured.err.count(chr(10))} lines on stderr")
    left = _leftovers(workdir)
    if left:
        counts["partial files"] += 1
        problems.append(f"files left behind: {left}")
    if code != 0:
        written = [str(p) for p in outputs if p.exists() and not existed[p]]
        if written:
            counts["outputs of a failed command"] += 1
            problems.append(f"a failed command wrote {written}")
    if seconds > HANG_LIMIT:
        counts["hangs"] += 1
        problems.append(f"took {seconds:.0f} s")
    if expect is not None and code not in expect:
        problems.append(f"exit {code}, expected one of {list(expect)}")
    assert not problems, f"{command} {list(argv)}: {'; '.join(problems)}\n{captured.err}"
    return Outcome(code, captured.err, captured.out, seconds)
