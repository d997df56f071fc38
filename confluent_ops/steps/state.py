"""Where steps keep their progress: implementations of the :class:`~confluent_ops.ports.StepState`
port that need nothing but the local machine.

- :class:`FileStepState`: a file (mode 0600, replaced atomically), the default of the commands:
  ``<plan>.state.json`` beside a reassignment plan.
- :class:`MemoryStepState`: a value in memory, for notebooks and tests that do not need to
  survive the process.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from confluent_ops._files import PRIVATE, read_input_text, write_atomically

__all__ = ["FileStepState", "MemoryStepState"]


class FileStepState:
    """A step's state in a file: written whole (mode 0600) or not at all, read strictly."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @property
    def location(self) -> str:
        return str(self.path)

    def load(self) -> str | None:
        if not self.path.exists() and not self.path.is_symlink():
            return None
        return read_input_text(self.path, what="step state file")

    def save(self, text: str) -> None:
        write_atomically(self.path, text, mode=PRIVATE)

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def __repr__(self) -> str:
        return f"FileStepState({str(self.path)!r})"


class MemoryStepState:
    """A step's state in memory (lost with the process)."""

    def __init__(self, text: str | None = None) -> None:
        self.text = text

    @property
    def location(self) -> str:
        return "memory"

    def load(self) -> str | None:
        return self.text

    def save(self, text: str) -> None:
        self.text = text

    def clear(self) -> None:
        self.text = None

    def __repr__(self) -> str:
        return f"MemoryStepState({'set' if self.text is not None else 'empty'})"
