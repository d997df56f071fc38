"""Run the benchmarks: ``python -m benchmarks [GROUP ...] [--quick]``.

Each group is a module ``benchmarks/bench_<group>.py`` with a ``run(quick: bool) -> dict``
function that prints its figures as it goes and returns them; the runner writes every group's
figures to ``bench-results/<group>.json`` so that runs can be compared.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import platform
import sys
import time
from pathlib import Path

import benchmarks


def _groups() -> list[str]:
    return sorted(
        info.name.removeprefix("bench_")
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("groups", nargs="*", help=f"groups to run (default: all of {_groups()})")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--results", default="bench-results", help="where to write JSON figures")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.groups) - set(_groups()))
    if unknown:
        parser.error(f"unknown benchmark group(s) {unknown}; known: {_groups()}")
    out = Path(args.results)
    out.mkdir(parents=True, exist_ok=True)
    for group in args.groups or _groups():
        print(f"== benchmark {group} ==", flush=True)
        module = importlib.import_module(f"benchmarks.bench_{group}")
        started = time.perf_counter()
        figures = module.run(quick=args.quick)
        record = {
            "group": group,
            "quick": args.quick,
            "seconds": round(time.perf_counter() - started, 3),
            "python": sys.version.split()[0],
            "machine": platform.machine(),
            "figures": figures,
        }
        (out / f"{group}.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
