"""Which expressions are cheap by construction, read from the parsed expression.

An expression is *bounded* when its cost is at most linear in the data it reads and its
result at most a small multiple of that data: paths, literals, arithmetic, comparisons,
string concatenation, conditions, array and object constructors, filters on the current
item, and a list of functions that walk their arguments once. What `{{ vars.base }}/x`,
`trigger.amount > 100` or `$count(steps.fetch.output.items)` need, and nothing more.

Everything else may be expensive: ranges (`[1..1e7]`), regular expressions, lambdas and
bindings (recursion), `$eval`, `$pad`, sorting, grouping, descendants (`**`), `$$` inside a
path (a quadratic walk), and any function not listed. Those are evaluated in an evaluator
process that a hard limit can stop (catalog.expressions.sandbox), never in the server or
under a database lock. The rule errs on the side of isolating: a cheap expression it
does not recognise only costs a round trip to the evaluator."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonata.parser import Parser

from catalog.expressions import ExpressionSyntaxError, compile_expression

# A bounded expression has at most this many parse nodes: `a & a & a ...` copies its
# operand once per `&`, so the node count bounds the result's size against the data's.
MAX_NODES = 64

_BINARY = frozenset({"+", "-", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=", "and", "or", "&", "in"})

# Functions that read each argument once and return at most a copy of it: linear in the
# data, bounded in size. Not here: anything with a regex, a picture string, a width or a
# count ($pad, $formatNumber, $split...), sorting, $eval, and every higher-order function.
_FUNCTIONS = frozenset(
    {
        "string", "length", "substring", "substringBefore", "substringAfter", "uppercase", "lowercase",
        "trim", "contains", "join", "number", "abs", "floor", "ceil", "round", "count", "sum", "max",
        "min", "average", "boolean", "not", "exists", "keys", "lookup", "append", "merge", "type",
        "now", "millis", "reverse", "base64encode", "base64decode", "encodeUrl", "encodeUrlComponent",
        "decodeUrl", "decodeUrlComponent",
    }
)  # fmt: skip


class _Unbounded(Exception):
    pass


class _Walk:
    def __init__(self) -> None:
        self.nodes = 0

    def node(self, symbol: Any) -> None:
        if not isinstance(symbol, Parser.Symbol):
            raise _Unbounded
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Unbounded
        kind, value = symbol.type, symbol.value
        if symbol.stages or symbol.predicate or symbol.group is not None:
            # Filters on a step: on the current item only (a name or `$`, never `$$`).
            for stage in list(symbol.stages or []) + list(symbol.predicate or []):
                if stage.type != "filter":
                    raise _Unbounded  # an index binding (`#$i`) or a focus (`@$v`)
                self.node(stage.expr)
            if symbol.group is not None:
                raise _Unbounded  # grouping (`a{k: v}`) builds its groups by repeated merges
        if kind in ("string", "number", "value", "name", "wildcard"):
            return
        if kind == "variable":
            if value != "":  # `$` (the current item) only: `$$` and bound variables reach outside it
                raise _Unbounded
            return
        if kind == "path":
            for step in symbol.steps or []:
                self.node(step)
            return
        if kind == "binary":
            if value not in _BINARY:
                raise _Unbounded  # `..` (a range) among them
            self.node(symbol.lhs)
            self.node(symbol.rhs)
            return
        if kind == "unary":
            if value == "-":
                self.node(symbol.expression)
            elif value == "[":
                for item in symbol.expressions or []:
                    self.node(item)
            elif value == "{":
                for pair in symbol.lhs_object or []:
                    for part in pair:
                        self.node(part)
            else:
                raise _Unbounded
            return
        if kind == "condition":
            self.node(symbol.condition)
            self.node(symbol.then)
            if symbol._else is not None:
                self.node(symbol._else)
            return
        if kind == "block":
            for item in symbol.expressions or []:
                self.node(item)
            return
        if kind == "function" and value == "(":
            procedure = symbol.procedure
            if not isinstance(procedure, Parser.Symbol) or procedure.type != "variable" or procedure.value not in _FUNCTIONS:
                raise _Unbounded
            self.nodes += 1
            for argument in symbol.arguments or []:
                self.node(argument)
            return
        raise _Unbounded  # regex, lambda, bind, sort, descendant, partial application, transform...


@lru_cache(maxsize=4096)
def bounded(source: str) -> bool:
    """Whether `source` is cheap by construction (see the module's docstring); False for an
    expression that does not parse (its evaluation reports the syntax error)."""
    try:
        ast = compile_expression(source).ast
    except ExpressionSyntaxError:
        return False
    try:
        _Walk().node(ast)
    except (_Unbounded, RecursionError):
        return False
    return True
