from typing import Any

from catalog.nodes.base import (
    ChildPolicy,
    ChildRuns,
    JSONDict,
    NodeResult,
    NodeType,
    StepContext,
    StepFailed,
    choices,
    literal,
    obj,
    whole_number,
)
from catalog.nodes.registry import register

MAX_ITEMS = 10_000

_INPUT_SCHEMA: JSONDict = {
    "title": "Input per item",
    "description": "Defaults to the item itself; `item` and `index` are available here.",
    "x-per-item": True,
}


@register
class Map(NodeType):
    type = "map"
    evaluates_expressions = True
    title = "Map (for each)"
    category = "Flow"
    description = "Runs a sub-workflow once per item of a list, with bounded concurrency; output is in item order."
    config_schema = obj(
        {
            "workflow_id": literal({"type": "integer", "minimum": 1, "title": "Sub-workflow"}),
            "items": {"type": "array", "title": "Items", "description": "Usually an expression, e.g. {{ steps.fetch.output.json.items }}"},
            "input": _INPUT_SCHEMA,
            "max_concurrency": literal({"type": "integer", "minimum": 1, "maximum": 100, "title": "Max concurrency"}),
            "failure_policy": literal(
                {
                    **choices({"fail": "Fail the map step", "continue": "Continue (the error is in the output)"}),
                    "title": "When an item fails",
                    "description": "fail: the map step fails. continue: the item's error is in the output.",
                }
            ),
        },
        required=("workflow_id", "items"),
    )
    default_config = {"items": [], "max_concurrency": 4, "failure_policy": "fail"}

    @classmethod
    def check_config(cls, config: JSONDict) -> list[tuple[str, str]]:
        return whole_number(config, "workflow_id", "Sub-workflow")

    @classmethod
    def referenced_workflow_ids(cls, config: JSONDict) -> list[tuple[str, Any]]:
        return [("/workflow_id", config.get("workflow_id"))]

    @classmethod
    def child_policy(cls, config: JSONDict) -> ChildPolicy:
        return ChildPolicy(int(config.get("max_concurrency", 4)), str(config.get("failure_policy", "fail")), single=False)

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        items = ctx.config.get("items")
        if not isinstance(items, list):
            raise StepFailed(f"Items must be a list; the expression gave {type(items).__name__}.", code="invalid_items", retryable=False)
        if len(items) > MAX_ITEMS:
            raise StepFailed(f"{len(items)} items; a map takes at most {MAX_ITEMS}.", code="too_many_items", retryable=False)
        if "input" in ctx.config:
            inputs = [ctx.render(ctx.config["input"], {"item": item, "index": i}) for i, item in enumerate(items)]
        else:
            inputs = list(items)
        return NodeResult(
            children=ChildRuns(
                workflow_id=int(ctx.config["workflow_id"]),
                inputs=inputs,
                max_concurrency=int(ctx.config.get("max_concurrency", 4)),
                failure_policy=str(ctx.config.get("failure_policy", "fail")),
            )
        )
