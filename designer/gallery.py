"""The template gallery: workflows shipped with the product, one JSON file each in
designer/templates_gallery/ (the file's name is the slug). A template carries no credential
id: the nodes that want one are listed, and the person chooses theirs after creating it. A
template may bring helper workflows (`subworkflows`) that its nodes call: a node's
`workflow_id` of `"$WF:<key>"` becomes the id of the helper made from it."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

GALLERY_DIR = Path(__file__).parent / "templates_gallery"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
WF_REF = re.compile(r"^\$WF:([a-z_][a-z0-9_]*)$")


@dataclass(frozen=True)
class Template:
    slug: str
    name: str
    description: str
    category: str
    tags: tuple[str, ...]
    credentials: tuple[str, ...]
    graph: dict[str, Any]
    subworkflows: dict[str, dict[str, Any]]

    def summary(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "tags": list(self.tags),
            "node_types": [n["type"] for n in self.graph["nodes"]],
            "credentials": list(self.credentials),
            "subworkflows": len(self.subworkflows),
            "graph": copy.deepcopy(self.graph),
        }


def _load(path: Path) -> Template:
    data = json.loads(path.read_text())
    return Template(
        slug=path.stem,
        name=data["name"],
        description=data["description"],
        category=data["category"],
        tags=tuple(data.get("tags", [])),
        credentials=tuple(data.get("credentials", [])),
        graph=data["graph"],
        subworkflows=data.get("subworkflows", {}),
    )


@cache
def templates() -> tuple[Template, ...]:
    """Every template, by category then name (read once per process)."""
    found = [_load(p) for p in sorted(GALLERY_DIR.glob("*.json")) if SLUG.match(p.stem)]
    return tuple(sorted(found, key=lambda t: (t.category, t.name)))


def template_get(slug: str) -> Template | None:
    return next((t for t in templates() if t.slug == slug), None)


def graph_with_workflow_ids(graph: dict[str, Any], ids: dict[str, int]) -> dict[str, Any]:
    """A copy of the graph with each `"$WF:<key>"` workflow_id replaced by ids[key]."""
    graph = copy.deepcopy(graph)
    for node in graph["nodes"]:
        config = node.get("config") or {}
        ref = WF_REF.match(str(config.get("workflow_id", "")))
        if ref:
            config["workflow_id"] = ids[ref.group(1)]
    return graph
