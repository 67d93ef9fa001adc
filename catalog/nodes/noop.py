from catalog.nodes.base import NodeResult, NodeType, StepContext
from catalog.nodes.registry import register


@register
class Noop(NodeType):
    type = "noop"
    title = "No operation"
    category = "Flow"
    inline = True
    description = "Passes through; useful to group or to reconverge branches."

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        # Pass through what arrived: one predecessor's output as is, several as a map.
        if len(ctx.inputs) == 1:
            return NodeResult(output=next(iter(ctx.inputs.values())))
        return NodeResult(output=ctx.inputs or None)
