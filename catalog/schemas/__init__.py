"""JSON Schema for what users write and what expressions produce.

jsonschema runs `pattern`, `patternProperties` (and the keys it covers, for
`additionalProperties` and `unevaluatedProperties`) and `format: "regex"` with Python's `re`,
which backtracks: `"pattern": "^(a+)+$"` against `"aaaa…a!"` takes exponential time and
holds the GIL. `SchemaValidator` (draft 2020-12) runs them with RE2 instead, in time linear
in the input; a pattern RE2 cannot compile (a backreference, a lookaround) is refused when
the schema is checked (`schema_problems`) and fails validation if it is met anyway. Every
schema a user writes (a trigger's `input_schema`) and every node config is checked with it.

`ConfigValidator` reads a node's config as written, where a whole `{{ }}` stands for any
value; `rendered_problems` checks the config an expression produced, before the node uses it.
"""

from catalog.schemas.configs import ConfigValidator, problem_code, problems_code, problems_message, rendered_problems
from catalog.schemas.keywords import FORMAT_CHECKER, SchemaValidator, compile_pattern, schema_validator
from catalog.schemas.problems import describe_error, instance_problems, pointer_of, schema_problems

__all__ = [
    "FORMAT_CHECKER",
    "ConfigValidator",
    "SchemaValidator",
    "compile_pattern",
    "describe_error",
    "instance_problems",
    "pointer_of",
    "problem_code",
    "problems_code",
    "problems_message",
    "rendered_problems",
    "schema_problems",
    "schema_validator",
]
