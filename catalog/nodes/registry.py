"""Maps node type strings to their classes. A duplicate type is refused at import."""

from __future__ import annotations

import importlib

from catalog.nodes.base import NodeType

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
_loaded = False


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


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in CORE_MODULES:
            importlib.import_module(f"catalog.nodes.{module}")
        _loaded = True


def get(node_type: str) -> type[NodeType] | None:
    _load()
    return _REGISTRY.get(node_type)


def all_types() -> list[type[NodeType]]:
    _load()
    return list(_REGISTRY.values())
