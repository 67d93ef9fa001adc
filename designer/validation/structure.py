"""Shape of the graph document itself: lists, ids, the node and edge envelopes, size."""

from __future__ import annotations

import json
import re
from typing import Any, cast

from catalog.schemas import describe_error, schema_validator
from core.problems import Problem
from designer.validation.limits import Limits

NODE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
GRAPH_KEYS = {"nodes", "edges", "vars", "viewport", "notes"}
NOTE_COLORS = ["yellow", "blue", "green", "pink", "purple", "gray"]

RETRY_SCHEMA = {
    "type": "object",
    "title": "Retry",
    "properties": {
        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 100, "title": "Max attempts"},
        "backoff": {"enum": ["exponential", "fixed"], "title": "Backoff"},
        "initial_s": {"type": "number", "minimum": 0, "maximum": 86400, "title": "First delay (s)"},
        "max_s": {"type": "number", "minimum": 0, "maximum": 86400, "title": "Longest delay (s)"},
        "jitter": {"type": "boolean", "title": "Jitter"},
    },
    "additionalProperties": False,
}

NODE_ENVELOPE = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "type": {"type": "string", "minLength": 1, "title": "Type"},
        "name": {"type": "string", "maxLength": 200, "title": "Name"},
        "notes": {"type": "string", "maxLength": 10_000, "title": "Notes"},
        "position": {
            "type": "object",
            "title": "Position",
            "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
            "required": ["x", "y"],
            "additionalProperties": False,
        },
        "config": {"type": "object", "title": "Config"},
        "retry": RETRY_SCHEMA,
        "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 86400, "title": "Timeout (s)"},
        "on_error": {"enum": ["fail", "continue", "route"], "title": "On error"},
        "compensation": {"type": ["string", "null"], "title": "Compensation node"},
        "delivery": {"enum": ["at_least_once", "at_most_once"], "title": "Delivery"},
        # Editor-only data (docs/architecture.md#pinned-data): previews and step tests read it,
        # runs never do. Any JSON value as the output, with nothing else beside it.
        "pinned": {
            "type": "object",
            "title": "Pinned data",
            "properties": {"output": {"title": "Pinned output"}},
            "required": ["output"],
            "additionalProperties": False,
        },
    },
    "required": ["id", "type"],
    "additionalProperties": False,
}

EDGE_ENVELOPE = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 200},
        "source": {"type": "string", "minLength": 1, "title": "Source"},
        "source_port": {"type": "string", "minLength": 1, "title": "Source port"},
        "target": {"type": "string", "minLength": 1, "title": "Target"},
        "target_port": {"type": "string", "minLength": 1, "title": "Target port"},
    },
    "required": ["id", "source", "target"],
    "additionalProperties": False,
}

# A sticky note on the canvas: the editor's only, never run (the engine reads `nodes` and
# `edges`). Markdown text, a box and a colour.
NOTE_ENVELOPE = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 200, "title": "Id"},
        "text": {"type": "string", "maxLength": 10_000, "title": "Text"},
        "position": cast(dict[str, Any], NODE_ENVELOPE["properties"])["position"],
        "width": {"type": "number", "minimum": 80, "maximum": 4000, "title": "Width"},
        "height": {"type": "number", "minimum": 40, "maximum": 4000, "title": "Height"},
        "color": {"enum": NOTE_COLORS, "title": "Colour"},
    },
    "required": ["id", "text", "position"],
    "additionalProperties": False,
}

_NODE_VALIDATOR = schema_validator(NODE_ENVELOPE)
_NOTE_VALIDATOR = schema_validator(NOTE_ENVELOPE)
_EDGE_VALIDATOR = schema_validator(EDGE_ENVELOPE)


def check_envelope(graph: Any) -> list[Problem]:
    if not isinstance(graph, dict):
        return [Problem("invalid_graph", "The graph must be a JSON object with `nodes` and `edges` lists.", field="")]
    problems: list[Problem] = []
    for key in graph:
        if key not in GRAPH_KEYS:
            problems.append(Problem("unknown_field", f"Unknown graph field {key!r}.", field=f"/{key}"))
    for key in ("nodes", "edges"):
        if key not in graph:
            problems.append(Problem("invalid_graph", f"The graph has no `{key}` list.", field=f"/{key}"))
        elif not isinstance(graph[key], list):
            problems.append(Problem("invalid_graph", f"`{key}` must be a list.", field=f"/{key}"))
    if "vars" in graph and not isinstance(graph["vars"], dict):
        problems.append(Problem("invalid_graph", "`vars` must be an object.", field="/vars"))
    if problems and any(p.code == "invalid_graph" for p in problems):
        return problems
    problems += _check_nodes(graph["nodes"])
    problems += _check_edges(graph["edges"])
    return problems + check_notes(graph)


def check_notes(graph: dict[str, Any]) -> list[Problem]:
    """The sticky notes' shapes (`invalid_note`, the field a JSON Pointer from the graph:
    `/notes/0/color`). A draft with a bad note is refused, not stored with a problem: nothing
    but the editor reads notes, so there is no run to stop and nothing to fix later."""
    if "notes" not in graph:
        return []
    notes = graph["notes"]
    if not isinstance(notes, list):
        return [Problem("invalid_note", "`notes` must be a list.", field="/notes")]
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, note in enumerate(notes):
        for error in _NOTE_VALIDATOR.iter_errors(note):
            pointer, message = describe_error(error, NOTE_ENVELOPE)
            problems.append(Problem("invalid_note", message, field=f"/notes/{index}{pointer}"))
        note_id = note.get("id") if isinstance(note, dict) else None
        if isinstance(note_id, str):
            if note_id in seen:
                problems.append(Problem("invalid_note", f"Two notes have the id {note_id!r}.", field=f"/notes/{index}/id"))
            seen.add(note_id)
    return problems


def check_size(graph: dict[str, Any], limits: Limits) -> list[Problem]:
    problems = []
    if len(graph["nodes"]) > limits.max_nodes:
        problems.append(
            Problem(
                "too_many_nodes",
                f"The graph has {len(graph['nodes'])} nodes; the limit is {limits.max_nodes}.",
                field="/nodes",
            )
        )
    if len(graph["edges"]) > limits.max_edges:
        problems.append(
            Problem(
                "too_many_edges",
                f"The graph has {len(graph['edges'])} edges; the limit is {limits.max_edges}.",
                field="/edges",
            )
        )
    return problems + _check_pinned(graph["nodes"], limits)


def pinned_bytes(node: Any) -> int:
    """The size of a node's pinned data as JSON, 0 when it has none."""
    pinned = node.get("pinned") if isinstance(node, dict) else None
    if not isinstance(pinned, dict) or "output" not in pinned:
        return 0
    return len(json.dumps(pinned["output"], separators=(",", ":"), ensure_ascii=False).encode())


def _check_pinned(nodes: list[Any], limits: Limits) -> list[Problem]:
    """Pinned data is stored in every version of the draft: all of a graph's together at
    most `max_pinned_bytes`, named on the node that passes the limit."""
    problems, total = [], 0
    for node in nodes:
        size = pinned_bytes(node)
        total += size
        if size and total > limits.max_pinned_bytes:
            named = node.get("id") if isinstance(node.get("id"), str) else None
            problems.append(
                Problem(
                    "pinned_too_large",
                    f"The pinned data comes to {total} bytes with this node's {size}; a workflow's pinned data is at most "
                    f"{limits.max_pinned_bytes} bytes. Pin less, or unpin another node.",
                    node_id=named,
                    field="/pinned",
                )
            )
            break
    return problems


def _check_nodes(nodes: list[Any]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, node in enumerate(nodes):
        if not isinstance(node, dict):
            problems.append(Problem("invalid_node", f"Node #{index + 1} must be an object.", field=f"/nodes/{index}"))
            continue
        node_id = node.get("id")
        named = node_id if isinstance(node_id, str) else None
        for error in _NODE_VALIDATOR.iter_errors(node):
            pointer, message = describe_error(error, NODE_ENVELOPE)
            if pointer == "/id" and error.validator == "type":
                message = "The node id must be a string."
            problems.append(Problem("invalid_node", message, node_id=named, field=pointer or f"/nodes/{index}"))
        if named is None:
            continue
        if not NODE_ID.match(named):
            problems.append(
                Problem(
                    "invalid_id",
                    f"Node id {named!r} must start with a letter or _ and contain only letters, digits and _ "
                    "(at most 64): it is used in expressions as steps.<id>.",
                    node_id=named,
                    field="/id",
                )
            )
        if named in seen:
            problems.append(Problem("duplicate_id", f"Two nodes have the id {named!r}.", node_id=named, field="/id"))
        seen.add(named)
    return problems


def _check_edges(edges: list[Any]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, edge in enumerate(edges):
        if not isinstance(edge, dict):
            problems.append(Problem("invalid_edge", f"Edge #{index + 1} must be an object.", field=f"/edges/{index}"))
            continue
        edge_id = edge.get("id") if isinstance(edge.get("id"), str) else None
        for error in _EDGE_VALIDATOR.iter_errors(edge):
            pointer, message = describe_error(error, EDGE_ENVELOPE)
            problems.append(Problem("invalid_edge", message, edge_id=edge_id, field=pointer or f"/edges/{index}"))
        if edge_id is not None:
            if edge_id in seen:
                problems.append(Problem("duplicate_id", f"Two edges have the id {edge_id!r}.", edge_id=edge_id, field="/id"))
            seen.add(edge_id)
    return problems
