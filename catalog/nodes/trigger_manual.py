from catalog.nodes.base import JSONDict, NodeType, literal, obj
from catalog.nodes.registry import register
from catalog.schemas import schema_problems


@register
class ManualTrigger(NodeType):
    type = "trigger.manual"
    starts_on = "manual"
    title = "Manual / API trigger"
    category = "Triggers"
    description = "Starts a run from the editor's Run button or POST /api/workflows/{id}/runs/."
    is_trigger = True
    config_schema = obj(
        {
            "input_schema": literal(
                {
                    "type": "object",
                    "title": "Input schema",
                    "description": "JSON Schema the run input must match (422 otherwise). Empty accepts any object.",
                }
            ),
            "sample_input": literal({"title": "Sample input", "description": "Prefills the Run dialog."}),
        }
    )
    default_config = {"input_schema": {}, "sample_input": {}}

    @classmethod
    def check_config(cls, config: JSONDict) -> list[tuple[str, str]]:
        schema = config.get("input_schema")
        if not schema:
            return []
        # The field is the whole schema (the editor shows it as one); where inside it, in the message.
        return [
            ("/input_schema", f"Input schema is not valid JSON Schema{f' at {pointer}' if pointer else ''}: {message}")
            for pointer, message in schema_problems(schema)
        ]
