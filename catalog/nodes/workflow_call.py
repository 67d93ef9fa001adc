from typing import Any

from catalog.nodes.base import ChildPolicy, ChildRuns, JSONDict, NodeResult, NodeType, StepContext, literal, obj, whole_number
from catalog.nodes.registry import register


@register
class WorkflowCall(NodeType):
    type = "workflow.call"
    title = "Call workflow"
    category = "Flow"
    description = "Runs another workflow as a child run and waits for its output."
    config_schema = obj(
        {
            "workflow_id": literal({"type": "integer", "minimum": 1, "title": "Workflow"}),
            "input": {"title": "Input", "description": "The child run's trigger payload."},
        },
        required=("workflow_id",),
    )
    default_config = {"input": {}}

    @classmethod
    def check_config(cls, config: JSONDict) -> list[tuple[str, str]]:
        return whole_number(config, "workflow_id", "Workflow")

    @classmethod
    def referenced_workflow_ids(cls, config: JSONDict) -> list[tuple[str, Any]]:
        return [("/workflow_id", config.get("workflow_id"))]

    @classmethod
    def child_policy(cls, config: JSONDict) -> ChildPolicy:
        return ChildPolicy(max_concurrency=1, failure_policy="fail", single=True)

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        child_input = ctx.config.get("input", {})
        return NodeResult(children=ChildRuns(workflow_id=int(ctx.config["workflow_id"]), inputs=[child_input], single=True))
