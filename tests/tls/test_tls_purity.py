"""confluent_ops.tls is pure: only its files module touches the disk, and no module a network."""

from __future__ import annotations

import ast
from pathlib import Path

from confluent_ops import tls


def test_only_files_module_touches_the_disk() -> None:
    folder = Path(tls.__file__).parent
    for module in folder.glob("*.py"):
        tree = ast.parse(module.read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (
                node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
            )
        }
        assert not imported & {"subprocess", "socket", "kazoo", "kafka", "confluent_kafka"}, module
        if module.name != "files.py":
            assert "os" not in imported, module
