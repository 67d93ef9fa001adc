"""The node-type contract shared by the catalog (designer), the canvas and the engine."""

from __future__ import annotations

from typing import Any, ClassVar

JSONDict = dict[str, Any]

# Port every non-trigger node has for incoming edges.
INPUT_PORT = "in"
# Extra output port a node gets when its `on_error` is `route`.
ERROR_PORT = "error"


class NodeType:
    """One kind of node. Subclasses set the class attributes; the engine's executors add
    behaviour to the same classes.

    `config_schema` is JSON Schema (draft 2020-12). Custom keywords understood by the
    validator and the editor:
      - `x-expression: false` on a property: the value must be literal, never `{{ }}`.
      - `x-jsonata: true` on a string property: the whole value is a JSONata expression.
    """

    type: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[str]
    description: ClassVar[str]
    config_schema: ClassVar[JSONDict] = {"type": "object", "properties": {}, "additionalProperties": False}
    default_config: ClassVar[JSONDict] = {}
    output_ports: ClassVar[tuple[str, ...]] = ("out",)
    # Declarative rule for ports derived from config, so the editor derives them too:
    # {"from": "/cases", "key": "port"} = one port per item of config.cases, named by .port.
    dynamic_ports: ClassVar[JSONDict | None] = None
    is_trigger: ClassVar[bool] = False

    @classmethod
    def ports(cls, config: JSONDict) -> list[str]:
        """Output ports for this config (without the `error` port of on_error=route)."""
        ports = list(cls.output_ports)
        rule = cls.dynamic_ports
        if rule:
            items = config.get(rule["from"].strip("/"), []) if isinstance(config, dict) else []
            if isinstance(items, list):
                dynamic = [item[rule["key"]] for item in items if isinstance(item, dict) and isinstance(item.get(rule["key"]), str)]
                ports = dynamic + ports
        return ports

    @classmethod
    def check_config(cls, config: JSONDict) -> list[tuple[str, str]]:
        """Checks beyond the JSON Schema: (JSON Pointer within config, message) pairs.
        Called only when the config already matches the schema."""
        return []

    @classmethod
    def referenced_workflow_ids(cls, config: JSONDict) -> list[tuple[str, Any]]:
        """(pointer, id) of workflows this config names; validation checks they are the owner's."""
        return []

    @classmethod
    def describe(cls) -> JSONDict:
        return {
            "type": cls.type,
            "title": cls.title,
            "category": cls.category,
            "description": cls.description,
            "is_trigger": cls.is_trigger,
            "config_schema": cls.config_schema,
            "default_config": cls.default_config,
            "output_ports": list(cls.output_ports),
            "dynamic_ports": cls.dynamic_ports,
            "has_input": not cls.is_trigger,
        }


def literal(schema: JSONDict) -> JSONDict:
    """Mark a property as literal-only (no `{{ }}` expressions)."""
    return {**schema, "x-expression": False}


def obj(properties: JSONDict, *, required: tuple[str, ...] = (), **extra: Any) -> JSONDict:
    schema: JSONDict = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema
