"""Load the testbed's pytest plugin when confluent-ops is not installed (a plain checkout).

Installed, the plugin registers itself through its ``pytest11`` entry point, under its module
name, so this finds it there and does nothing.
"""

from __future__ import annotations

import pytest

PLUGIN = "confluent_ops.testing.pytest_plugin"


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.import_plugin(PLUGIN)
