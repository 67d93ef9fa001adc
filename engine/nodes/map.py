from typing import Any

from engine.nodes.base import JSONDict, NodeType, literal, obj
from engine.nodes.registry import register


@register
class Map(NodeType):
    type = "map"
    title = "Map (for each)"
    category = "Flow"
    description = "Runs a sub-workflow once per item of a list, with bounded concurrency; output is in item order."
    config_schema = obj(
        {
            "workflow_id": literal({"type": "integer", "minimum": 1, "title": "Sub-workflow"}),
            "items": {"type": "array", "title": "Items", "description": "Usually an expression, e.g. {{ steps.fetch.output.json.items }}"},
            "input": {"title": "Input per item", "description": "Defaults to the item itself; `item` is available here."},
            "max_concurrency": literal({"type": "integer", "minimum": 1, "maximum": 100, "title": "Max concurrency"}),
            "failure_policy": literal(
                {
                    "enum": ["fail", "continue"],
                    "title": "When an item fails",
                    "description": "fail: the map step fails. continue: the item's error is in the output.",
                }
            ),
        },
        required=("workflow_id", "items"),
    )
    default_config = {"items": [], "max_concurrency": 4, "failure_policy": "fail"}

    @classmethod
    def referenced_workflow_ids(cls, config: JSONDict) -> list[tuple[str, Any]]:
        return [("/workflow_id", config.get("workflow_id"))]
