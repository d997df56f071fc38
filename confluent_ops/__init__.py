"""confluent_ops: typed operational primitives for Apache Kafka and Confluent Platform.

The package is layered (see ``docs/architecture.md``): pure values in :mod:`confluent_ops.model`,
pure planners in :mod:`confluent_ops.planners`, and the command line in :mod:`confluent_ops.cli`.
Import from the subpackages; this top level only carries the version.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
