"""Pure functions over a graph and the states of its steps: which nodes are ready, which
are skipped (dead-path elimination), and how the run ends. No ORM."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from catalog.expressions import find_expressions, has_template, reads_steps
from catalog.nodes import registry
from catalog.nodes.base import NodeType
from engine.store.records import StepState

# Statuses after which a step's output ports are known.
_RESOLVED = {"succeeded", "failed", "skipped", "cancelled", "compensated"}
_DEAD = {"skipped", "cancelled"}


@dataclass(frozen=True)
class Edge:
    id: str
    source: str
    port: str
    target: str


@dataclass
class Plan:
    ready: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class Graph:
    """A validated graph, indexed once per version (versions are immutable)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.nodes: dict[str, dict[str, Any]] = {n["id"]: n for n in data["nodes"]}
        self.vars: dict[str, Any] = dict(data.get("vars") or {})
        self.edges = [Edge(e["id"], e["source"], e.get("source_port", "out"), e["target"]) for e in data["edges"]]
        self.inbound: dict[str, list[Edge]] = defaultdict(list)
        self.outbound: dict[str, list[Edge]] = defaultdict(list)
        for edge in self.edges:
            self.inbound[edge.target].append(edge)
            self.outbound[edge.source].append(edge)
        self.types: dict[str, type[NodeType] | None] = {nid: registry.get(str(n["type"])) for nid, n in self.nodes.items()}
        self.triggers = [nid for nid, cls in self.types.items() if cls is not None and cls.is_trigger]
        # Nodes ready as soon as one inbound edge is taken (their node type's join policy).
        self.ready_on_first = {nid for nid, cls in self.types.items() if cls is not None and cls.ready_on_first(self.config(nid))}
        # Nodes with no inbound edge that are not triggers are only reached as compensations.
        self.flow_nodes = [nid for nid in self.nodes if nid not in self.triggers and self.inbound.get(nid)]
        self._needs_data: dict[str, bool] = {}
        self._templated: dict[str, bool] = {}

    def needs_data(self, node_id: str) -> bool:
        """Whether executing the node needs the outputs of every step (expressions may read
        any `steps.<id>.output`), or only its predecessors' outputs (its inputs)."""
        cached = self._needs_data.get(node_id)
        if cached is None:
            node = self.nodes[node_id]
            cls = self.types[node_id]
            # Its config's expressions, found in the config's JSON text: an expression there
            # that is not a plain path (escaped quotes included) counts as reading steps.
            sources = find_expressions(json.dumps(node.get("config") or {}))
            cached = bool(cls and cls.evaluates_expressions) or any(reads_steps(source) for source in sources)
            self._needs_data[node_id] = cached
        return cached

    def templated(self, node_id: str) -> bool:
        """Whether the node's config holds a `{{ }}`: only then can its rendered config
        differ from the literal one validated with the version."""
        cached = self._templated.get(node_id)
        if cached is None:
            cached = self._templated[node_id] = has_template(json.dumps(self.nodes[node_id].get("config") or {}))
        return cached

    def node_type(self, node_id: str) -> str:
        return str(self.nodes[node_id]["type"])

    def config(self, node_id: str) -> dict[str, Any]:
        return dict(self.nodes[node_id].get("config") or {})


def edge_state(edge: Edge, states: dict[str, StepState]) -> str:
    """'taken', 'dead' or 'pending' for one edge."""
    source = states.get(edge.source)
    if source is None or source.status not in _RESOLVED:
        return "pending"
    if source.status in _DEAD:
        return "dead"
    if edge.port in source.ports:
        return "taken"
    if source.status == "failed" and not source.ports:
        return "pending"  # an unhandled failure: the run fails, nothing downstream resolves
    return "dead"


def plan(graph: Graph, states: dict[str, StepState]) -> Plan:
    """Nodes to start and nodes to skip now. A node is ready when every inbound edge is
    resolved and at least one was taken; skipped when all are resolved and none was taken
    (and its own edges then become dead, so skips cascade). A node whose type's join policy
    says so (a `join` in mode `any`) is ready as soon as one inbound edge is taken. A node already started never appears again."""
    result = Plan()
    current = dict(states)
    changed = True
    while changed:
        changed = False
        for node_id in graph.flow_nodes:
            if node_id in current:
                continue
            verdicts = [edge_state(e, current) for e in graph.inbound[node_id]]
            if node_id in graph.ready_on_first and "taken" in verdicts:
                result.ready.append(node_id)
                current[node_id] = StepState("queued")
            elif "pending" in verdicts:
                continue
            elif "taken" in verdicts:
                result.ready.append(node_id)
                current[node_id] = StepState("queued")
            else:
                result.skipped.append(node_id)
                current[node_id] = StepState("skipped")
                changed = True
    return result


def outcome(graph: Graph, states: dict[str, StepState]) -> str | None:
    """'succeeded' or 'failed' when nothing more can happen, else None."""
    if any(s.status not in _RESOLVED for s in states.values()):
        return None
    pending = plan(graph, states)
    if pending.ready or pending.skipped:
        return None
    if any(s.status == "failed" and not s.ports for s in states.values()):
        return "failed"
    if any(node_id not in states for node_id in graph.flow_nodes):
        return "failed"  # blocked behind an unhandled failure
    return "succeeded"


def sinks(graph: Graph, states: dict[str, StepState]) -> list[str]:
    """Succeeded nodes none of whose outgoing edges was taken: the run's output comes from them."""
    return [
        node_id
        for node_id, state in states.items()
        if node_id in graph.nodes
        and state.status == "succeeded"
        and not any(edge_state(e, states) == "taken" for e in graph.outbound.get(node_id, []))
    ]
