"""The steps a node's expressions read (`steps.<id>`): each must be a node of the graph,
upstream of this one, or its output cannot exist when this node runs.

A compensation runs after the failure with every step's output in view
(engine.orchestration.evaluation.input_rows), so it may read any node but itself; a node
on an error route has the step that failed upstream, like any other."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from jsonata.parser import Parser

from catalog.expressions import ExpressionSyntaxError, compile_expression
from catalog.nodes import registry
from core.problems import Problem
from designer.validation.config import config_expressions
from designer.validation.limits import Limits

# Attributes of a parsed expression (jsonata's Symbol) that hold sub-expressions evaluated
# against the same context as the expression itself...
_SAME_CONTEXT = (
    "expression",
    "procedure",
    "arguments",
    "body",
    "lhs",
    "rhs",
    "condition",
    "then",
    "_else",
    "expressions",
    "lhs_object",
    "rhs_object",
    "expr",
)
# ...and those evaluated against each value the expression produced (a predicate, a sort or
# group-by term, a transform's pattern and update): there `steps` is a field of that value.
_EACH_VALUE = ("predicate", "stages", "group", "terms", "rhs_terms", "pattern", "update", "delete")


def steps_read(ast: Any) -> Iterator[str]:
    """The ids `<id>` of every `steps.<id>` an expression reads from its root (the data the
    engine gives it: trigger, steps, vars, run), in the order they appear. Paths read from
    another value (inside a predicate, after a path's first step) are not the root's."""
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(ast, True)]
    while stack:
        symbol, at_root = stack.pop()
        if isinstance(symbol, list | tuple):
            stack.extend((item, at_root) for item in reversed(symbol))
            continue
        if not isinstance(symbol, Parser.Symbol) or id(symbol) in seen:
            continue
        seen.add(id(symbol))
        children: list[tuple[Any, bool]] = []
        if symbol.type == "path" and isinstance(symbol.steps, list) and symbol.steps:
            steps = symbol.steps
            step = _step_named(steps, at_root)
            if step is not None:
                yield step
            # The first step reads the path's context; each later one, the previous step's values.
            for index, part in enumerate(steps):
                children.append((part, at_root and index == 0))
        for name in _SAME_CONTEXT:
            value = getattr(symbol, name, None)
            if value is not None:
                children.append((value, at_root))
        for name in _EACH_VALUE:
            value = getattr(symbol, name, None)
            if value is not None:
                children.append((value, False))
        stack.extend(reversed(children))


@lru_cache(maxsize=4096)
def steps_read_by(source: str) -> tuple[str, ...]:
    """`steps_read` of a JSONata source, once per source text (as its parse);
    ExpressionSyntaxError when it does not parse."""
    return tuple(dict.fromkeys(steps_read(compile_expression(source).ast)))


def _step_named(steps: list[Any], at_root: bool) -> str | None:
    """`<id>` when the path is `steps.<id>…` from the root (also `$$.steps.<id>`, and
    `$.steps.<id>` where `$` is the root)."""
    head = steps[0]
    start = 0
    if head.type == "variable" and (head.value == "$" or (head.value == "" and at_root)):
        start = 1  # `$$` (always the root) or `$` (the context, here the root)
    elif not at_root:
        return None
    if len(steps) < start + 2:
        return None
    named, step = steps[start], steps[start + 1]
    if named.type == "name" and named.value == "steps" and step.type == "name" and isinstance(step.value, str):
        return step.value
    return None


class _Upstream:
    """Which nodes are upstream of which, over the graph's edges between its nodes: bit sets
    built once in topological order (nodes on a cycle, already a problem, are searched)."""

    def __init__(self, node_ids: list[str], edges: list[Any]) -> None:
        self.index = {node_id: i for i, node_id in enumerate(node_ids)}
        self.parents: dict[str, set[str]] = defaultdict(set)
        children: dict[str, set[str]] = defaultdict(set)
        for edge in edges:
            source, target = (edge.get("source"), edge.get("target")) if isinstance(edge, dict) else (None, None)
            if isinstance(source, str) and isinstance(target, str) and source in self.index and target in self.index:
                self.parents[target].add(source)
                children[source].add(target)
        self.bits: dict[str, int] = {}
        waiting = {node_id: len(self.parents[node_id]) for node_id in node_ids}
        ready = deque(node_id for node_id, count in waiting.items() if count == 0)
        while ready:
            node_id = ready.popleft()
            bits = 0
            for parent in self.parents[node_id]:
                bits |= self.bits[parent] | (1 << self.index[parent])
            self.bits[node_id] = bits
            for child in children[node_id]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    ready.append(child)

    def of(self, node_id: str, other: str) -> bool:
        """Whether `other` is upstream of `node_id`."""
        if node_id not in self.bits:
            return self._searched(node_id, other)
        return bool(self.bits[node_id] >> self.index[other] & 1)

    def _searched(self, node_id: str, other: str) -> bool:
        seen, queue = {node_id}, deque([node_id])
        while queue:
            for parent in self.parents[queue.popleft()]:
                if parent == other:
                    return True
                if parent not in seen:
                    seen.add(parent)
                    queue.append(parent)
        return False


def check_step_references(graph: dict[str, Any], *, limits: Limits) -> list[Problem]:
    nodes: dict[str, dict[str, Any]] = {}
    for node in graph["nodes"]:
        if isinstance(node, dict) and isinstance(node.get("id"), str) and node["id"] not in nodes:
            nodes[node["id"]] = node
    compensations = {n["compensation"] for n in nodes.values() if isinstance(n.get("compensation"), str)}
    upstream: _Upstream | None = None
    problems: list[Problem] = []
    for node_id, node in nodes.items():
        cls = registry.get(node["type"]) if isinstance(node.get("type"), str) else None
        config = node.get("config")
        if cls is None or not isinstance(config, dict):
            continue  # reported by the config checks
        reported: set[tuple[str, str]] = set()
        for pointer, source in config_expressions(config, cls.config_schema):
            if len(source) > limits.max_expression_chars:
                continue  # reported by the config checks
            try:
                read = steps_read_by(source)
            except ExpressionSyntaxError:
                continue  # reported by the config checks
            field = "/config" + pointer
            for step in read:
                if (field, step) in reported:
                    continue
                reported.add((field, step))
                where = f"Node {node_id!r}, field {field}: steps.{step}"
                if step not in nodes:
                    problems.append(Problem("unknown_step", f"{where} names no node of this workflow.", node_id=node_id, field=field))
                elif step == node_id:
                    message = f"{where} is this node itself: its output cannot exist while it runs."
                    problems.append(Problem("step_not_upstream", message, node_id=node_id, field=field))
                elif node_id not in compensations:
                    upstream = upstream or _Upstream(list(nodes), graph["edges"])
                    if not upstream.of(node_id, step):
                        message = f"{where} is not upstream of {node_id!r}, so its output cannot exist when {node_id!r} runs."
                        problems.append(Problem("step_not_upstream", message, node_id=node_id, field=field))
    return problems
