"""The node catalog as the API shows it: each type with the package it comes from, and the
installed plugins' entry points, loaded or skipped (catalog/nodes/plugins.py)."""

from __future__ import annotations

from typing import Any

from catalog.nodes import registry
from catalog.nodes.base import NodeType
from core.version import __version__

# What the built-in types say they come from.
BUILTIN_PACKAGE = "stepwise"


def node_type_describe(cls: type[NodeType]) -> dict[str, Any]:
    where = registry.origin(cls.type)
    return {
        **cls.describe(),
        "package": where.package if where else BUILTIN_PACKAGE,
        "version": where.version if where else __version__,
        "builtin": where is None,
    }


def node_type_list() -> list[dict[str, Any]]:
    return [node_type_describe(cls) for cls in registry.all_types()]


def node_plugin_list() -> list[dict[str, Any]]:
    """One entry per plugin entry point, in load order: the types it added, or the error
    that kept it out."""
    loaded: dict[tuple[str, str, str], list[str]] = {}
    for cls in registry.all_types():
        where = registry.origin(cls.type)
        if where is not None:
            loaded.setdefault((where.package, where.version, where.entry_point), []).append(cls.type)
    entries: list[dict[str, Any]] = [
        {"package": package, "version": version, "entry_point": entry_point, "types": types, "error": None}
        for (package, version, entry_point), types in loaded.items()
    ]
    entries += [{**error.as_dict(), "types": []} for error in registry.plugin_errors()]
    return sorted(entries, key=lambda entry: (entry["package"].lower(), entry["entry_point"]))
