"""Plugin distributions made on disk for the loader's tests: a dist-info directory (the
metadata and entry points importlib.metadata reads, as pip writes them) beside the
modules, on sys.path."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint, distributions
from pathlib import Path

import pytest

from catalog.nodes import plugins, registry
from catalog.nodes.plugins import GROUP

GOOD_MODULE = """
from catalog.nodes.base import NodeResult, NodeType, StepContext, obj


class Upper(NodeType):
    type = "acme.upper"
    title = "Upper case"
    category = "Data"
    description = "The text in upper case."
    inline = True
    config_schema = obj({"text": {"type": "string"}}, required=("text",))
    default_config = {"text": "{{ trigger.text }}"}
    output_schema = obj({"text": {"type": "string"}})

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        return NodeResult(output={"text": str(ctx.config["text"]).upper()})


class Lower(Upper):
    type = "acme.lower"
    title = "Lower case"

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        return NodeResult(output={"text": str(ctx.config["text"]).lower()})


def both():
    return [Upper, Lower]
"""


class Dists:
    def __init__(self, root: Path, monkeypatch) -> None:
        self.root = root
        self.modules: list[str] = []
        monkeypatch.syspath_prepend(str(root))

    def add(self, name: str, version: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
        info = self.root / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[{GROUP}]\n" + "".join(f"{key} = {value}\n" for key, value in entry_points.items()))
        for module, source in modules.items():
            (self.root / f"{module}.py").write_text(source)
            self.modules.append(module)

    def entry_points(self) -> list[EntryPoint]:
        return [ep for dist in distributions(path=[str(self.root)]) for ep in dist.entry_points if ep.group == GROUP]

    def forget(self) -> None:
        for module in self.modules:
            sys.modules.pop(module, None)


@pytest.fixture(name="dists")
def dists_fixture(tmp_path, monkeypatch):
    made = Dists(tmp_path, monkeypatch)
    yield made
    made.forget()


@pytest.fixture(name="fresh_registry")
def fresh_registry_fixture(monkeypatch, dists):
    """The registry as a process starting with `dists` installed (the built-in types kept)."""

    def start():
        monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
        monkeypatch.setattr(registry, "_ORIGINS", {})
        monkeypatch.setattr(registry, "_PLUGIN_ERRORS", [])
        monkeypatch.setattr(registry, "_loaded", False)
        monkeypatch.setattr(plugins, "entry_points", lambda group: dists.entry_points() if group == GROUP else [])
        registry.load()

    return start
