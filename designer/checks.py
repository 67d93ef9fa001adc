"""System checks (`manage.py check`, and every command that runs them): a skipped node
plugin is a warning naming its package, entry point and error."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning, register

from catalog.nodes import registry


@register()
def node_plugins_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        Warning(
            f"Node plugin {error.package} {error.version} (entry point {error.entry_point!r}) was skipped: {error.error}",
            hint="Fix or uninstall the package; its node types are not in the catalog (docs/nodes.md#when-a-plugin-is-broken).",
            id="stepwise.W001",
        )
        for error in registry.plugin_errors()
    ]
