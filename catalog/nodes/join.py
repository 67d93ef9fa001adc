from catalog.nodes.base import JSONDict, NodeResult, NodeType, StepContext, choices, literal, obj
from catalog.nodes.registry import register


@register
class Join(NodeType):
    type = "join"
    title = "Join"
    category = "Flow"
    inline = True
    description = "Waits for its incoming branches: all of the taken ones, or the first one."
    config_schema = obj(
        {"mode": literal(choices({"all": "All the taken branches", "any": "The first branch to arrive"}, title="Wait for"))},
        required=("mode",),
    )
    default_config = {"mode": "all"}

    @classmethod
    def ready_on_first(cls, config: JSONDict) -> bool:
        return config.get("mode") == "any"

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        # The outputs of the branches that arrived, by node id.
        return NodeResult(output=dict(ctx.inputs))
