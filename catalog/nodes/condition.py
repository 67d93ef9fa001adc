from catalog.nodes.base import NodeResult, NodeType, StepContext, literal, obj
from catalog.nodes.registry import register


@register
class Condition(NodeType):
    type = "condition"
    evaluates_expressions = True
    title = "Condition"
    category = "Flow"
    inline = True
    description = "Takes the true or the false port depending on a JSONata expression."
    output_ports = ("true", "false")
    config_schema = obj(
        {"expression": literal({"type": "string", "title": "Condition (JSONata)", "minLength": 1, "x-jsonata": True})},
        required=("expression",),
    )
    default_config = {"expression": "true"}

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        value = bool(ctx.evaluate(ctx.config["expression"]))
        return NodeResult(output={"result": value}, ports=("true",) if value else ("false",))
