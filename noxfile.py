"""Project automation: ``nox -s lint typecheck tests docs`` must be clean before a change lands.

Every session runs on the Python that runs nox (3.11 or newer: ``tools/bootstrap.py`` makes
``.venv`` with one), so a machine without some pinned interpreter cannot "skip" the tests and
pass. The README's test command is ``python3 tools/bootstrap.py && .venv/bin/nox -s tests``.

Sessions:
    lint       ruff (lint and format) and the import-linter layer contracts
    typecheck  mypy --strict over the package
    tests      the whole test command of the README (what .ci/run runs)
    slow       the long scenarios that the test command leaves out
    docs       mkdocs build --strict
    bench      the benchmarks whose figures the issues ask for
    fuzz       the long hostile-input run (its counts in bench-results/fuzz.json)
    demo       ``confluent-ops demo``
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

PYTHON = None  # the interpreter running nox: whatever 3.11+ the machine has
PACKAGE_WITH_EVERYTHING = ".[test]"


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and the architecture contracts of import-linter."""
    session.install("ruff>=0.6", "import-linter>=2.1")
    session.install("-e", ".")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over confluent_ops."""
    session.install("mypy>=1.11", "types-PyYAML")
    session.install("-e", PACKAGE_WITH_EVERYTHING)
    session.run("mypy", "--strict", "confluent_ops")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The README's test command: installs what the tests need, then runs them (not `slow`).

    Beyond Python packages the tests run real Kafka and ZooKeeper: tools/install_test_deps.py
    apt-installs Debian's zookeeper (Java and Maven too, if absent) and resolves the pinned
    Kafka versions' jars into the cache before pytest starts.
    """
    session.install("-e", PACKAGE_WITH_EVERYTHING)
    session.run("python", "tools/install_test_deps.py")
    session.run("pytest", "-m", "not slow", *session.posargs)


@nox.session(python=PYTHON)
def slow(session: nox.Session) -> None:
    """The long scenarios kept out of the test command (e.g. a whole 3.9 -> 4.1 rolling upgrade)."""
    session.install("-e", PACKAGE_WITH_EVERYTHING)
    session.run("python", "tools/install_test_deps.py")
    session.run("pytest", "-m", "slow", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """The documentation site, built strictly (broken links and missing pages fail)."""
    session.install("mkdocs>=1.6", "mkdocs-material>=9.5")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """The benchmarks behind every figure in the docs and the issues' notes.

    ``nox -s bench`` runs them all; ``nox -s bench -- planner`` runs one group. The testbed,
    snapshot and steps groups run real Kafka: the test dependencies are installed first.
    """
    session.install("-e", PACKAGE_WITH_EVERYTHING)
    session.run("python", "tools/install_test_deps.py")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """The hostile-input suite with its long profile; outcome counts per command and class.

    Every generated input must end in a documented exit code with one line on stderr, no
    traceback, no file left and nothing changed on the cluster; the counts (inputs, exit codes,
    and zero for each broken promise) go to ``bench-results/fuzz.json``.
    """
    session.install("-e", PACKAGE_WITH_EVERYTHING)
    session.run("python", "tools/install_test_deps.py")
    report = "bench-results/fuzz.json"
    session.run("mkdir", "-p", "bench-results", external=True)
    session.run(
        "pytest",
        "tests/hostile",
        *session.posargs,
        env={"CONFLUENT_OPS_HOSTILE_PROFILE": "hostile-long", "CONFLUENT_OPS_FUZZ_REPORT": report},
    )
    session.run("python", "-c", f"print(open({report!r}).read())")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """``confluent-ops demo``: the main job, on what the library embeds (no cluster needed)."""
    session.install("-e", ".")
    session.run("confluent-ops", "demo")
