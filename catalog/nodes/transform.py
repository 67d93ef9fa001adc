from catalog.nodes.base import NodeResult, NodeType, StepContext, literal, obj
from catalog.nodes.registry import register


@register
class Transform(NodeType):
    type = "transform"
    evaluates_expressions = True
    title = "Transform (JSONata)"
    category = "Data"
    inline = True
    description = "Computes new data with a JSONata expression over trigger, steps.<id>.output, vars and run."
    config_schema = obj(
        {"expression": literal({"type": "string", "title": "JSONata expression", "minLength": 1, "x-jsonata": True})},
        required=("expression",),
    )
    default_config = {"expression": "trigger"}

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        return NodeResult(output=ctx.evaluate(ctx.config["expression"]))
