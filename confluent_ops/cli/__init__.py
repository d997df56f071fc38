"""The ``confluent-ops`` command: a thin shell that parses, calls the library and renders.

Nothing is computed here that the library does not offer to Python callers too.
"""

from __future__ import annotations

from confluent_ops.cli.main import main

__all__ = ["main"]
