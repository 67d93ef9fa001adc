"""How long validation takes on large graphs (it runs on every save and every run request).

    .venv/bin/python bench/validate_graph.py

Prints the median and p95 of `validate_graph` over repeated runs for graphs of 50, 500
(the editor's 500-node, 600-edge benchmark shape) and 2000 nodes, and the problems found
(0 expected: the generated graphs are valid)."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from designer.validation import Limits, validate_graph  # noqa: E402

KINDS = [
    ("http.request", {"method": "POST", "url": "https://api.example.com/{{ trigger.id }}", "json": {"n": "{{ steps.n1.output }}"}}),
    ("transform", {"expression": "$sum(trigger.items.price) * 2"}),
    ("condition", {"expression": "trigger.amount > 100"}),
    ("noop", {}),
]


def build(nodes: int, extra_edges: int) -> dict[str, Any]:
    graph: dict[str, Any] = {"nodes": [{"id": "start", "type": "trigger.manual", "config": {}}], "edges": []}
    for i in range(1, nodes):
        kind, config = KINDS[i % len(KINDS)]
        graph["nodes"].append({"id": f"n{i}", "type": kind, "config": config, "position": {"x": i * 10, "y": 0}})
        source = "start" if i == 1 else f"n{i - 1}"
        port = "true" if graph["nodes"][i - 1]["type"] == "condition" else "out"
        graph["edges"].append({"id": f"e{i}", "source": source, "source_port": port, "target": f"n{i}"})
    for j in range(extra_edges):
        a = 1 + (j * 7) % (nodes - 8)
        b = a + 2 + j % 5  # a forward skip: no cycle, never the chain edge a -> a+1
        port = "true" if graph["nodes"][a]["type"] == "condition" else "out"
        graph["edges"].append({"id": f"x{j}", "source": f"n{a}", "source_port": port, "target": f"n{b}"})
    return graph


def measure(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    limits = Limits(max_nodes=5000, max_edges=10000)
    print(f"{'graph':>22} {'problems':>8} {'median ms':>10} {'p95 ms':>8}")
    for nodes, extra in [(50, 10), (500, 100), (2000, 400)]:
        graph = build(nodes, extra)
        problems = validate_graph(graph, limits=limits)
        for problem in problems[:3]:
            print("  problem:", problem.as_dict())
        median, p95 = measure(partial(validate_graph, graph, limits=limits), 30 if nodes < 2000 else 10)
        label = f"{nodes} nodes/{len(graph['edges'])} edges"
        print(f"{label:>22} {len(problems):>8} {median:>10.2f} {p95:>8.2f}")


if __name__ == "__main__":
    main()
