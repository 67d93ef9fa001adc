"""Maps node type strings to their classes. A duplicate type is refused at import.

The built-in types (CORE_MODULES) load first, then the installed plugins'
(catalog.nodes.plugins), once per process, on the first look-up: every web process,
worker and tick calls `load()` at start (designer's AppConfig, the Celery tasks module)."""

from __future__ import annotations

import importlib
import threading

from catalog.nodes import plugins
from catalog.nodes.base import NodeType
from catalog.nodes.plugins import Origin, PluginError

CORE_MODULES = (
    "trigger_manual",
    "trigger_webhook",
    "trigger_schedule",
    "http_request",
    "transform",
    "condition",
    "switch",
    "join",
    "map",
    "workflow_call",
    "wait",
    "approval",
    "email_send",
    "fail",
    "noop",
)

_REGISTRY: dict[str, type[NodeType]] = {}
_ORIGINS: dict[str, Origin] = {}
_PLUGIN_ERRORS: list[PluginError] = []
_loaded = False
_filling = False
# The in-process dispatcher's threads may ask first together; a module being loaded that
# looks a type up re-enters (and sees what is registered so far).
_loading = threading.RLock()


class DuplicateNodeType(RuntimeError):
    pass


def register[T: type[NodeType]](cls: T) -> T:
    existing = _REGISTRY.get(cls.type)
    if existing is not None and existing is not cls:
        raise DuplicateNodeType(f"node type {cls.type!r} is defined by both {existing.__module__} and {cls.__module__}")
    _REGISTRY[cls.type] = cls
    return cls


def unregister(node_type: str) -> None:
    """Forget a node type registered at run time (a plugin unloaded, a test's own type)."""
    _REGISTRY.pop(node_type, None)
    _ORIGINS.pop(node_type, None)


def _load() -> None:
    global _loaded, _filling
    if _loaded:
        return
    with _loading:
        if _loaded or _filling:
            return
        _filling = True
        try:
            for module in CORE_MODULES:
                importlib.import_module(f"catalog.nodes.{module}")
            before = set(_REGISTRY)
            found = plugins.discover({name: "built-in" for name in before})
            # A plugin's module that registers its own classes on import (@register) gets
            # in only through the entry point's checks, like any other.
            for name in set(_REGISTRY) - before:
                del _REGISTRY[name]
            for cls, where in found.accepted:
                _REGISTRY[cls.type] = cls
                _ORIGINS[cls.type] = where
            _PLUGIN_ERRORS.extend(found.errors)
            _loaded = True
        finally:
            _filling = False


def load() -> None:
    """Load the built-in types and the installed plugins now (at a process's start), so
    that a broken plugin is logged then, not at the first run."""
    _load()


def origin(node_type: str) -> Origin | None:
    """The package a plugin's node type comes from; None for a built-in type."""
    _load()
    return _ORIGINS.get(node_type)


def plugin_errors() -> list[PluginError]:
    """The plugins' entry points that were skipped, and why."""
    _load()
    return list(_PLUGIN_ERRORS)


def get(node_type: str) -> type[NodeType] | None:
    _load()
    return _REGISTRY.get(node_type)


def all_types() -> list[type[NodeType]]:
    _load()
    return list(_REGISTRY.values())
