"""Set up ``.venv`` with confluent-ops and everything its commands and tests need.

Run with any ``python3`` of 3.11 or newer, the distribution's own included: Debian and Ubuntu
mark theirs "externally managed" (PEP 668) and refuse ``pip install`` into it, so everything
goes into a virtual environment of the project's own, ``.venv``. Where the distribution ships
``venv`` without ``ensurepip`` (Debian without ``python3-venv``), pip is fetched from PyPI and
installed into the new environment from its wheel. Needs only the standard library.

Usage (the README's two commands start with it)::

    python3 tools/bootstrap.py && .venv/bin/confluent-ops demo
    python3 tools/bootstrap.py && .venv/bin/nox -s tests

It is idempotent: a second run checks a stamp and returns in well under a second when
``pyproject.toml`` has not changed since the last install. Downloads are cached by pip (its
own cache) and by this script (``~/.cache/confluent-ops/bootstrap``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".confluent-ops-bootstrap"
MINIMUM = (3, 11)
CANDIDATES = ("python3.13", "python3.12", "python3.11", "python3")
INSTALL = ["-e", ".[test,demo]", "nox>=2024.4"]
PIP_INDEX = "https://pypi.org/pypi/pip/json"


def say(text: str) -> None:
    print(f"bootstrap: {text}", flush=True)


def python_fit_for_us() -> str:
    """This interpreter when it is new enough, else another on PATH, else a clear error."""
    if sys.version_info >= MINIMUM:
        return sys.executable
    for name in CANDIDATES:
        found = shutil.which(name)
        if not found:
            continue
        probe = subprocess.run(
            [found, "-c", "import sys; print(sys.version_info >= (3, 11))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.stdout.strip() == "True":
            return found
    raise SystemExit(
        "bootstrap: confluent-ops needs Python 3.11 or newer; this is "
        f"{sys.version.split()[0]} and no python3.11+ is on PATH (apt-get install python3.11, "
        "brew install python@3.12, or pyenv install 3.12)"
    )


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base, "confluent-ops", "bootstrap")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pip_wheel() -> Path:
    """The newest pip wheel from PyPI (cached, and checked against PyPI's sha256)."""
    try:
        with urllib.request.urlopen(PIP_INDEX, timeout=60) as response:
            release = json.load(response)
            base = response.geturl()
    except OSError as exc:
        raise SystemExit(
            f"bootstrap: this Python has no ensurepip and PyPI did not answer ({exc}); install "
            "python3-venv (apt-get install python3-venv) and run again"
        ) from exc
    wheel = next(f for f in release["urls"] if f["filename"].endswith(".whl"))
    target = cache_dir() / wheel["filename"]
    if not target.exists():
        say(f"fetching {wheel['filename']} from PyPI (this Python has no ensurepip)")
        url = urllib.parse.urljoin(base, wheel["url"])  # mirrors answer with relative URLs
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - https join
            data = response.read()
        if hashlib.sha256(data).hexdigest() != wheel["digests"]["sha256"]:
            raise SystemExit(f"bootstrap: {wheel['filename']} does not match PyPI's checksum")
        partial = target.with_suffix(".partial")
        partial.write_bytes(data)
        partial.replace(target)
    return target


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def has_pip(python: Path) -> bool:
    probe = [str(python), "-m", "pip", "--version"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def create_venv(python: str) -> None:
    """``.venv`` with pip, through ensurepip where there is one, from PyPI's wheel otherwise."""
    if venv_python().exists() and has_pip(venv_python()):
        return
    say(f"creating {VENV} with {python}")
    shutil.rmtree(VENV, ignore_errors=True)
    probe = subprocess.run([python, "-c", "import ensurepip"], capture_output=True, check=False)
    forced = os.environ.get("CONFLUENT_OPS_BOOTSTRAP_WITHOUT_ENSUREPIP") == "1"
    with_pip = probe.returncode == 0 and not forced
    options = [] if with_pip else ["--without-pip"]
    subprocess.run([python, "-m", "venv", *options, str(VENV)], check=True)
    if not has_pip(venv_python()):
        wheel = pip_wheel()
        subprocess.run(
            [str(venv_python()), f"{wheel}/pip", "install", "--quiet", str(wheel)], check=True
        )


def fingerprint() -> str:
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    return hashlib.sha256(pyproject + " ".join(INSTALL).encode()).hexdigest()


def install() -> None:
    if STAMP.exists() and STAMP.read_text() == fingerprint():
        return
    say("installing confluent-ops and its test tools into .venv (pip, cached)")
    subprocess.run(
        [str(venv_python()), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        check=True,
        cwd=ROOT,
    )
    subprocess.run(
        [str(venv_python()), "-m", "pip", "install", "--quiet", *INSTALL], check=True, cwd=ROOT
    )
    STAMP.write_text(fingerprint())


def main() -> int:
    python = python_fit_for_us()
    create_venv(python)
    install()
    say(f"ready: {VENV}/bin/confluent-ops, {VENV}/bin/nox")
    return 0


if __name__ == "__main__":
    sys.exit(main())
