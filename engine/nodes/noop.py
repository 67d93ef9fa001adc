from engine.nodes.base import NodeType
from engine.nodes.registry import register


@register
class Noop(NodeType):
    type = "noop"
    title = "No operation"
    category = "Flow"
    description = "Passes through; useful to group or to reconverge branches."
