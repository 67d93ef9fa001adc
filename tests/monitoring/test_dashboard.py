"""deploy/grafana/stepwise.json asks only for series Stepwise exports, by labels they have,
and shows every one of them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client.metrics import MetricWrapperBase

from monitoring import metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "stepwise.json"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def _exported() -> dict[str, tuple[str, set[str]]]:
    """Every series name the registry exports: its metric's name and its labels."""
    found = {}
    for metric in vars(metrics).values():
        if isinstance(metric, MetricWrapperBase):
            labels = set(metric._labelnames) | ({"le"} if metric._type == "histogram" else set())
            for suffix in SUFFIXES[metric._type]:
                found[metric._name + suffix] = (metric._name, labels)
    return found


def _expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def test_every_series_the_dashboard_uses_is_exported_with_those_labels():
    exported = _exported()
    assert len(_expressions()) >= 20
    for expr in _expressions():
        assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}"), expr
        names = set(re.findall(r"\bstepwise_[a-z_]+", expr))
        assert names, expr
        unknown = names - exported.keys()
        assert not unknown, (expr, unknown)
        labels = set().union(*(exported[name][1] for name in names))
        grouped = {label.strip() for group in re.findall(r"\bby \(([^)]*)\)", expr) for label in group.split(",")}
        matched = set(re.findall(r"[{,]\s*([a-z_]+)\s*=~?", expr))
        assert grouped | matched <= labels, (expr, (grouped | matched) - labels)


def test_the_dashboard_shows_every_metric():
    used = {name for expr in _expressions() for name in re.findall(r"\bstepwise_[a-z_]+", expr)}
    shown = {_exported()[name][0] for name in used}
    defined = {metric._name for metric in vars(metrics).values() if isinstance(metric, MetricWrapperBase)}
    assert shown == defined
