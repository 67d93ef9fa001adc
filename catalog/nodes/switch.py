from catalog.nodes.base import ERROR_PORT, INPUT_PORT, JSONDict, NodeResult, NodeType, StepContext, choices, literal, obj
from catalog.nodes.registry import register

_PORT_NAME = "^[a-z][a-z0-9_]{0,39}$"


@register
class Switch(NodeType):
    type = "switch"
    evaluates_expressions = True
    title = "Switch"
    category = "Flow"
    inline = True
    description = "Takes the port of the first case whose expression is true, or the default port."
    output_ports = ("default",)
    dynamic_ports = {"from": "/cases", "key": "port"}
    config_schema = obj(
        {
            "cases": literal(
                {
                    "type": "array",
                    "title": "Cases",
                    "minItems": 1,
                    "maxItems": 50,
                    "items": obj(
                        {
                            "port": {"type": "string", "title": "Port", "pattern": _PORT_NAME},
                            "expression": {"type": "string", "title": "When (JSONata)", "minLength": 1, "x-jsonata": True},
                        },
                        required=("port", "expression"),
                    ),
                }
            ),
            "mode": literal(
                choices(
                    {"first": "The first matching case", "all": "Every matching case"},
                    title="Match",
                    description="first: one port. all: every matching port.",
                )
            ),
        },
        required=("cases",),
    )
    default_config = {"cases": [{"port": "case_1", "expression": "true"}], "mode": "first"}

    @classmethod
    def check_config(cls, config: JSONDict) -> list[tuple[str, str]]:
        problems, seen = [], set()
        for index, case in enumerate(config["cases"]):
            port = case["port"]
            if port in seen:
                problems.append((f"/cases/{index}/port", f"Port {port!r} is used by two cases."))
            if port in {"default", ERROR_PORT, INPUT_PORT}:
                problems.append((f"/cases/{index}/port", f"Port name {port!r} is reserved."))
            seen.add(port)
        return problems

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        matched = []
        for case in ctx.config["cases"]:
            if ctx.evaluate(case["expression"]):
                matched.append(case["port"])
                if ctx.config.get("mode", "first") == "first":
                    break
        ports = tuple(matched) or ("default",)
        return NodeResult(output={"ports": list(ports)}, ports=ports)
