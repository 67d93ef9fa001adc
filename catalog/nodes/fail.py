from catalog.nodes.base import NodeResult, NodeType, StepContext, StepFailed, obj
from catalog.nodes.registry import register


@register
class Fail(NodeType):
    type = "fail"
    title = "Fail"
    category = "Flow"
    description = "Fails the step (and so the run, unless on_error handles it) with a message."
    output_ports = ()
    config_schema = obj(
        {"message": {"type": "string", "title": "Error message", "minLength": 1}, "code": {"type": "string", "title": "Error code"}},
        required=("message",),
    )
    default_config = {"message": "Failed"}

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        raise StepFailed(str(ctx.config["message"]), code=str(ctx.config.get("code") or "fail"), retryable=False)
