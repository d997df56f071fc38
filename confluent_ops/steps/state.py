"""Where steps keep their progress: implementations of the :class:`~confluent_ops.ports.StepState`
port that need nothing but the local machine.

- :class:`FileStepState`: a file (mode 0600, replaced atomically), the default of the commands:
  ``<plan>.state.json`` beside a reassignment plan.
- :class:`MemoryStepState`: a value in memory, for notebooks and tests that do not need to
  survive the process.
- :class:`SubState`: one part of another state, for steps made of steps.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from confluent_ops._files import PRIVATE, check_output, read_input_text, write_atomically
from confluent_ops.errors import MalformedFile
from confluent_ops.model._json import load_json_object
from confluent_ops.ports import StepState

__all__ = ["FileStepState", "MemoryStepState", "SubState", "as_step_state"]


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

    def check(self, *, writing: bool = True) -> None:
        """Refuse, before any work, a location where the state cannot be read back (a folder,
        a symlink loop, an unreadable file) or, when ``writing``, cannot be written."""
        if writing:
            check_output(self.path, what="step state file")
        self.load()

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


class SubState:
    """One part of another state: a step made of steps keeps each part under its own key.

    A scale-out keeps its own record and its reassignment's in one place (one file, one
    ConfigMap): each is a :class:`SubState` of the same parent, whose text is a JSON object
    holding the parts. It implements :class:`~confluent_ops.ports.StepState` itself.
    """

    def __init__(self, parent: StepState, key: str) -> None:
        self.parent = parent
        self.key = key

    @property
    def location(self) -> str:
        return f"{self.parent.location}#{self.key}"

    def _parts(self) -> dict[str, str]:
        text = self.parent.load()
        if text is None:
            return {}
        document = load_json_object(text, source=self.parent.location, what="a step state")
        parts = {k: v for k, v in document.items() if isinstance(v, str)}
        if len(parts) != len(document):
            raise MalformedFile("a step state's parts must be strings", path=self.parent.location)
        return parts

    def load(self) -> str | None:
        return self._parts().get(self.key)

    def save(self, text: str) -> None:
        parts = self._parts()
        parts[self.key] = text
        self.parent.save(json.dumps(parts, indent=2, sort_keys=True) + "\n")

    def clear(self) -> None:
        parts = self._parts()
        parts.pop(self.key, None)
        if parts:
            self.parent.save(json.dumps(parts, indent=2, sort_keys=True) + "\n")
        else:
            self.parent.clear()

    def __repr__(self) -> str:
        return f"SubState({self.parent!r}, {self.key!r})"


def as_step_state(state: StepState | str | os.PathLike[str] | None) -> StepState:
    """A :class:`StepState` for what a step was given: one as is, a path as a file, or memory."""
    if state is None:
        return MemoryStepState()
    if isinstance(state, StepState):
        return state
    return FileStepState(state)
