"""Benchmarks whose figures the docs and the issues' notes quote. Run with ``nox -s bench``."""
