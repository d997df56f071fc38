"""``python -m confluent_ops`` runs the ``confluent-ops`` command."""

from __future__ import annotations

from confluent_ops.cli.main import main

raise SystemExit(main())
