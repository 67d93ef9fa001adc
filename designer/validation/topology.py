"""Edges, ports, cycles, triggers and reachability, over plain data."""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

from catalog.nodes import registry
from catalog.nodes.base import ERROR_PORT, INPUT_PORT, NodeType
from core.problems import Problem


def node_ports(node: dict[str, Any], cls: type[NodeType]) -> list[str]:
    config = node.get("config")
    if not isinstance(config, dict):
        config = {}
    ports = cls.ports(config)
    if node.get("on_error") == "route":
        ports.append(ERROR_PORT)
    return ports


def _label(node_id: str, cls: type[NodeType] | None) -> str:
    return f"{node_id!r} ({cls.title})" if cls else repr(node_id)


def check_topology(graph: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    nodes: dict[str, dict[str, Any]] = {}
    for node in graph["nodes"]:
        if isinstance(node, dict) and isinstance(node.get("id"), str) and node["id"] not in nodes:
            nodes[node["id"]] = node
    types = {node_id: registry.get(n["type"]) if isinstance(n.get("type"), str) else None for node_id, n in nodes.items()}

    adjacency: dict[str, list[tuple[str, str]]] = defaultdict(list)  # source -> [(target, edge id)]
    connections: set[tuple[str, str, str]] = set()
    for edge in graph["edges"]:
        if not isinstance(edge, dict):
            continue
        edge_id = edge.get("id") if isinstance(edge.get("id"), str) else None
        source, target = edge.get("source"), edge.get("target")
        if not isinstance(source, str) or not isinstance(target, str):
            continue  # reported by the envelope check
        usable = True
        if source not in nodes:
            problems.append(
                Problem("dangling_edge", f"The connection starts at {source!r}, which is not a node.", edge_id=edge_id, field="/source")
            )
            usable = False
        if target not in nodes:
            problems.append(
                Problem("dangling_edge", f"The connection ends at {target!r}, which is not a node.", edge_id=edge_id, field="/target")
            )
            usable = False
        if not usable:
            continue
        source_port = edge.get("source_port", "out")
        target_port = edge.get("target_port", INPUT_PORT)
        source_cls, target_cls = types[source], types[target]
        if source_cls is not None and isinstance(source_port, str):
            ports = node_ports(nodes[source], source_cls)
            if source_port not in ports:
                hint = " Set its on_error to route to use the error port." if source_port == ERROR_PORT else ""
                available = ", ".join(dict.fromkeys(ports)) or "none"
                problems.append(
                    Problem(
                        "unknown_port",
                        f"Node {_label(source, source_cls)} has no output port {source_port!r} (its ports: {available}).{hint}",
                        edge_id=edge_id,
                        node_id=source,
                        field="/source_port",
                    )
                )
                usable = False
        if target_cls is not None and target_cls.is_trigger:
            problems.append(
                Problem(
                    "unknown_port",
                    f"Trigger {_label(target, target_cls)} cannot have incoming connections.",
                    edge_id=edge_id,
                    node_id=target,
                    field="/target",
                )
            )
            usable = False
        elif target_port != INPUT_PORT:
            problems.append(
                Problem(
                    "unknown_port",
                    f"Node {_label(target, target_cls)} has no input port {target_port!r} (use 'in').",
                    edge_id=edge_id,
                    node_id=target,
                    field="/target_port",
                )
            )
            usable = False
        key = (source, str(source_port), target)
        if usable and key in connections:
            problems.append(
                Problem(
                    "duplicate_edge",
                    f"{source!r} port {source_port!r} is already connected to {target!r}.",
                    edge_id=edge_id,
                    field="/target",
                )
            )
            usable = False
        if usable:
            connections.add(key)
            adjacency[source].append((target, edge_id or ""))

    problems += _check_cycles(nodes, adjacency)

    compensations = {n.get("compensation") for n in nodes.values() if isinstance(n.get("compensation"), str)}
    triggers = [node_id for node_id, cls in types.items() if cls is not None and cls.is_trigger]
    if not triggers:
        problems.append(Problem("no_trigger", "The workflow has no trigger: add a Manual, Webhook or Schedule trigger.", field="/nodes"))
    else:
        reached = _reachable(triggers, adjacency)
        for node_id in nodes:
            if node_id not in reached and node_id not in compensations:
                problems.append(
                    Problem("unreachable", f"Node {node_id!r} is not connected to any trigger, so it would never run.", node_id=node_id)
                )

    problems += _check_references(nodes, types)
    return problems


def _check_cycles(nodes: dict[str, Any], adjacency: dict[str, list[tuple[str, str]]]) -> list[Problem]:
    """Report each edge that closes a loop (a back edge of a depth-first search)."""
    problems = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in nodes:
        if root in state:
            continue
        path: list[str] = [root]
        state[root] = 1
        stack = [(root, iter(adjacency.get(root, ())))]
        while stack:
            node, children = stack[-1]
            advanced = False
            for child, edge_id in children:
                if state.get(child) == 1:
                    loop = [*path[path.index(child) :], child]
                    problems.append(
                        Problem(
                            "cycle",
                            f"This connection closes a loop: {' -> '.join(loop)}. Workflows must not loop; use a Map node to repeat work.",
                            edge_id=edge_id or None,
                            node_id=node,
                        )
                    )
                elif child not in state:
                    state[child] = 1
                    path.append(child)
                    stack.append((child, iter(adjacency.get(child, ()))))
                    advanced = True
                    break
            if not advanced:
                state[node] = 2
                path.pop()
                stack.pop()
    return problems


def _reachable(starts: list[str], adjacency: dict[str, list[tuple[str, str]]]) -> set[str]:
    seen = set(starts)
    queue = deque(starts)
    while queue:
        for child, _ in adjacency.get(queue.popleft(), ()):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return seen


def _check_references(nodes: dict[str, dict[str, Any]], types: dict[str, type[NodeType] | None]) -> list[Problem]:
    problems = []
    for node_id, node in nodes.items():
        compensation = node.get("compensation")
        if isinstance(compensation, str):
            if compensation not in nodes:
                problems.append(
                    Problem("unknown_node", f"Compensation node {compensation!r} does not exist.", node_id=node_id, field="/compensation")
                )
            elif compensation == node_id:
                problems.append(Problem("invalid_compensation", "A node cannot compensate itself.", node_id=node_id, field="/compensation"))
            elif (cls := types.get(compensation)) is not None and cls.is_trigger:
                problems.append(
                    Problem("invalid_compensation", "A trigger cannot be a compensation node.", node_id=node_id, field="/compensation")
                )
        config = node.get("config")
        if isinstance(config, dict) and isinstance(config.get("respond_with_node"), str) and (types.get(node_id) or NodeType).is_trigger:
            target = config["respond_with_node"]
            if target not in nodes:
                problems.append(
                    Problem("unknown_node", f"Node {target!r} does not exist.", node_id=node_id, field="/config/respond_with_node")
                )
    return problems
