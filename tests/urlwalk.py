"""Every URL pattern of the project, with the methods its view allows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str | None
    route: str
    params: tuple[str, ...]
    callback: object


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            pattern = entry.pattern
            params = tuple(pattern.converters.keys()) if hasattr(pattern, "converters") else ()
            if not params and hasattr(pattern, "regex"):
                params = tuple(pattern.regex.groupindex.keys())
            yield Route(entry.name, prefix + str(pattern), params, entry.callback)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def api_routes() -> list[Route]:
    return [r for r in all_routes() if r.route.startswith("api/")]


VALUES = {
    "pk": "1",
    "workflow_id": "1",
    "number": "1",
    "node_type": "noop",
    "format": "json",
    "run_id": "1",
    "node_id": "approve",
    "token_id": "1",
    "slug": "approval-flow",
}


def fill(route: str, values: dict[str, str] | None = None) -> str:
    """A concrete path for a route, with each parameter replaced by its value."""
    values = {**VALUES, **(values or {})}
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return "/" + path


def allowed_methods(route: Route) -> list[str]:
    callback = route.callback
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    actions = getattr(callback, "actions", None)
    if actions:
        # DRF adds `head` to a viewset's actions on first use: leave HEAD/OPTIONS out, they have no body.
        return sorted(m.upper() for m in actions if m not in {"head", "options"})
    if view_class is not None:
        return sorted(m.upper() for m in view_class.http_method_names if hasattr(view_class, m) and m not in {"options", "head"})
    return ["GET"]
