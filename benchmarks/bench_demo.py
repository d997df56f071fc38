"""``confluent-ops demo`` as a user runs it: wall time, cached and (optionally) cold.

- *cached*: the default story (3 brokers, 3 controllers, 120 MiB to move at 5 MiB/s, the
  roll of 7 nodes from 3.9.1 to 4.1.1, the scale-in) with the jars already in the cache; its
  JSON figures are kept (lost messages, moves against the lower bound, throttles left, ...).
- *cold* (``CONFLUENT_OPS_BENCH_COLD=1``): the same with an empty cache, so the first run's
  download of both Kafka versions is included, as on a fresh machine.

``--quick`` runs ``demo --quick`` (one controller, 12 MiB), the configuration the tests run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _demo(quick: bool, env: dict[str, str]) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as folder:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "confluent_ops", "demo", "--json", *(["--quick"] * quick)],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
            env={**os.environ, **env},
        )
        wall = round(time.perf_counter() - started, 1)
    if result.returncode != 0:
        raise RuntimeError(f"the demo failed: {result.stderr[-2000:]}")
    figures: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return {"wall_s": wall, **figures}


def run(quick: bool) -> dict[str, object]:
    figures: dict[str, object] = {"configuration": "--quick" if quick else "default"}
    cached = _demo(quick, {})
    figures["cached"] = cached
    print(
        f"demo ({figures['configuration']}, jars cached): {cached['wall_s']} s wall; "
        f"lost {cached['lost']} of {cached['acknowledged']}, throttles left "
        f"{cached['throttles_left']}, samples under min ISR {cached['under_min_isr_samples']}",
        flush=True,
    )
    if os.environ.get("CONFLUENT_OPS_BENCH_COLD") == "1":
        with tempfile.TemporaryDirectory(prefix="bench-demo-cache-") as cache:
            cold = _demo(quick, {"CONFLUENT_OPS_CACHE": str(Path(cache))})
        figures["cold"] = cold
        print(f"demo with an empty cache (jars downloaded first): {cold['wall_s']} s", flush=True)
    return figures
