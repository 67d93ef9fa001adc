"""Node types shipped as Python packages (docs/nodes.md#packaging-and-registering).

A distribution declares entry points in the group `stepwise.nodes`; each names a NodeType
subclass, or a callable returning one or a list of them. `discover` loads them all, checks
each type and decides which may join the catalog: a broken entry point (it fails to import,
names the wrong kind of object, a type fails its checks, a type name is taken) is reported
and skipped as a whole, never raised, so that no plugin takes a process down. The registry
(catalog.nodes.registry) calls it once per process, after the built-in types, and registers
what it accepts.

Entry points are read in the order of (distribution, entry point) names, so that every
process of an installation (web, workers, tick) makes the same choices.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from catalog.nodes.base import NodeType
from catalog.schemas import pointer_of, schema_problems, schema_validator

GROUP = "stepwise.nodes"

logger = logging.getLogger(__name__)

# A plugin's type is namespaced (`acme.slugify`): the built-in names stay free for Stepwise.
TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")


@dataclass(frozen=True)
class Origin:
    """Where a plugin's node type comes from: its distribution and the entry point."""

    package: str
    version: str
    entry_point: str


@dataclass(frozen=True)
class PluginError:
    """An entry point that was skipped, and why (one line a person can act on)."""

    package: str
    version: str
    entry_point: str
    error: str

    def as_dict(self) -> dict[str, str]:
        return {"package": self.package, "version": self.version, "entry_point": self.entry_point, "error": self.error}


@dataclass
class Discovery:
    """What `discover` found: the types to register, with their origins, and the skipped."""

    accepted: list[tuple[type[NodeType], Origin]] = field(default_factory=list)
    errors: list[PluginError] = field(default_factory=list)


class _Refused(Exception):
    pass


def _origin(ep: EntryPoint) -> Origin:
    dist = ep.dist
    package = dist.name if dist is not None else "unknown"
    version = dist.version if dist is not None else "unknown"
    return Origin(package=package, version=version, entry_point=f"{ep.name} = {ep.value}")


def _sort_key(ep: EntryPoint) -> tuple[str, str]:
    return ((ep.dist.name if ep.dist is not None else "").lower(), ep.name)


def discover(taken: Mapping[str, str], found: Iterable[EntryPoint] | None = None) -> Discovery:
    """Load the entry points of GROUP (or `found`) and check their node types. `taken`
    maps the type names already in the catalog to who defines them ("built-in", or a
    package's name), so that none is overridden."""
    names = dict(taken)
    result = Discovery()
    for ep in sorted(entry_points(group=GROUP) if found is None else found, key=_sort_key):
        origin = _origin(ep)
        try:
            types = _node_types(ep)
            for cls in types:
                name = getattr(cls, "type", None)
                owner = names.get(name) if isinstance(name, str) else None
                if owner == "built-in":
                    raise _Refused(f"node type {name!r} is built in and cannot be overridden")
                if owner is not None:
                    raise _Refused(f"node type {name!r} is already defined by {owner}")
                problems = node_type_problems(cls)
                if problems:
                    raise _Refused(f"node type {_label(cls)}: " + "; ".join(problems))
            if len({cls.type for cls in types}) < len(types):
                raise _Refused("the entry point gives the same node type twice")
        except _Refused as exc:
            _skip(result, origin, str(exc))
            continue
        except (Exception, SystemExit) as exc:  # whatever a plugin raises, the process carries on
            _skip(result, origin, f"{type(exc).__name__}: {exc}")
            continue
        for cls in types:
            names[cls.type] = origin.package
            result.accepted.append((cls, origin))
        logger.info(
            "node plugin %s %s (entry point %r) loaded: %s",
            origin.package,
            origin.version,
            origin.entry_point,
            ", ".join(cls.type for cls in types),
        )
    return result


def _skip(result: Discovery, origin: Origin, error: str) -> None:
    result.errors.append(PluginError(origin.package, origin.version, origin.entry_point, error))
    logger.error("node plugin %s %s (entry point %r) skipped: %s", origin.package, origin.version, origin.entry_point, error)


def _label(cls: Any) -> str:
    name = getattr(cls, "type", None)
    return repr(name) if isinstance(name, str) else repr(getattr(cls, "__qualname__", cls))


def _is_node_type(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, NodeType) and value is not NodeType


def _node_types(ep: EntryPoint) -> list[type[NodeType]]:
    """The node types an entry point gives: the class it names, or what the callable it
    names returns (one class or a list of them)."""
    value = ep.load()
    if not _is_node_type(value):
        if not callable(value):
            raise _Refused(f"the entry point names {_kind(value)}, not a NodeType subclass or a callable returning some")
        value = value()
    values = list(value) if isinstance(value, list | tuple) else [value]
    wrong = [item for item in values if not _is_node_type(item)]
    if wrong or not values:
        raise _Refused(f"the entry point gives {_kind(wrong[0]) if wrong else 'no node type'}, not a NodeType subclass")
    return values


def _kind(value: Any) -> str:
    if isinstance(value, type):
        return f"the class {value.__module__}.{value.__qualname__}"
    return f"a {type(value).__name__}"


def node_type_problems(cls: type[NodeType]) -> list[str]:
    """What keeps a plugin's node type out of the catalog: what the editor, validation and
    the engine rely on of every type (docs/nodes.md#the-nodetype-fields)."""
    problems: list[str] = []
    name = getattr(cls, "type", None)
    if not isinstance(name, str) or not TYPE_PATTERN.match(name):
        problems.append(f"`type` must be a namespaced name such as 'acme.slugify' (lower case, dotted), not {name!r}")
    for attribute in ("title", "category", "description"):
        value = getattr(cls, attribute, None)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"`{attribute}` must be a non-empty string")
    schema = cls.config_schema
    if not isinstance(schema, dict) or schema.get("type") != "object":
        problems.append("`config_schema` must be a JSON Schema of type object")
    else:
        for pointer, message in schema_problems(schema):
            problems.append(f"`config_schema` is not valid JSON Schema at {pointer or '/'}: {message}")
    if not isinstance(cls.default_config, dict):
        problems.append("`default_config` must be an object")
    elif not problems:
        for pointer, message in _default_problems(schema, cls.default_config):
            problems.append(f"`default_config` does not match `config_schema` at {pointer or '/'}: {message}")
    output_schema = cls.output_schema
    if output_schema is not None:
        if not isinstance(output_schema, dict):
            problems.append("`output_schema` must be None or a JSON Schema object")
        else:
            for pointer, message in schema_problems(output_schema):
                problems.append(f"`output_schema` is not valid JSON Schema at {pointer or '/'}: {message}")
    ports = cls.output_ports
    if not isinstance(ports, tuple | list) or not all(isinstance(port, str) and port for port in ports):
        problems.append("`output_ports` must be a tuple of port names")
    rule = cls.dynamic_ports
    if rule is not None and not (isinstance(rule, dict) and isinstance(rule.get("from"), str) and isinstance(rule.get("key"), str)):
        problems.append('`dynamic_ports` must be None or {"from": "/pointer", "key": "name"}')
    if not cls.is_trigger and getattr(cls.execute, "__func__", None) is getattr(NodeType.execute, "__func__", None):
        problems.append("it does not implement `execute`")
    if problems:
        return problems
    try:
        json.dumps(cls.describe())
        checked = cls.check_config(dict(cls.default_config))
        if not isinstance(checked, list):
            problems.append("`check_config` must return a list")
    except Exception as exc:
        problems.append(f"describing it or checking its default config raised {type(exc).__name__}: {exc}")
    return problems


# What a default may leave for the person to fill: a required field, an empty list of recipients.
_TO_FILL = frozenset({"required", "minItems", "minLength", "minProperties"})


def _default_problems(schema: dict[str, Any], default: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        errors = list(schema_validator(schema).iter_errors(default))
    except Exception as exc:  # a reference leading nowhere, one looping on itself
        return [("", f"the schema cannot be applied ({type(exc).__name__})")]
    return [(pointer_of(error.absolute_path), error.message) for error in errors if error.validator not in _TO_FILL]
