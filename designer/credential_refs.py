"""Credentials in exported workflows: an export names each credential its graph uses by
name and type (never its id, which means nothing on another server or to another user, and
never its values); an import maps each to one of the importer's credentials of that name
and type, or drops the reference and reports a problem naming the node."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from catalog.nodes import registry
from core.problems import Problem
from credentials.selectors import credential_by_name, credential_names

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _references(graph: Any) -> list[tuple[dict[str, Any], str, str]]:
    """(the node's config, the credential field, the node id) for each credential field set."""
    found: list[tuple[dict[str, Any], str, str]] = []
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
        return found
    for node in graph["nodes"]:
        if not isinstance(node, dict) or not isinstance(node.get("config"), dict):
            continue
        cls = registry.get(str(node.get("type")))
        if cls is None:
            continue
        for pointer, _, _ in cls.referenced_credentials(node["config"]):
            found.append((node["config"], pointer.lstrip("/"), str(node.get("id"))))
    return found


def graph_for_export(graph: Any, *, owner: User) -> Any:
    exported = copy.deepcopy(graph)
    references = _references(exported)
    names = credential_names(user=owner, ids=[config[field] for config, field, _ in references])
    for config, field, _ in references:
        named = names.get(config[field]) if isinstance(config[field], int) else None
        if named is None:
            del config[field]  # not the owner's (or gone): nothing to name
        else:
            config[field] = {"name": named[0], "type": named[1]}
    return exported


def graph_from_import(graph: Any, *, owner: User) -> tuple[Any, list[Problem]]:
    imported = copy.deepcopy(graph)
    problems = []
    for config, field, node_id in _references(imported):
        reference = config[field]
        if not isinstance(reference, dict):
            del config[field]  # an id from another server means nothing here
            continue
        name, kind = reference.get("name"), reference.get("type")
        match = credential_by_name(user=owner, name=name, type=kind) if isinstance(name, str) and isinstance(kind, str) else None
        if match is None:
            del config[field]
            problems.append(
                Problem(
                    "unknown_credential",
                    f"The workflow used a {kind} credential named {name!r}; you have none of that name and type. "
                    "Create it, then choose it in this node.",
                    node_id=node_id,
                    field=f"/config/{field}",
                )
            )
        else:
            config[field] = match.pk
    return imported, problems
