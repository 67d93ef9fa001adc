"""The house's import rules hold (docs/architecture.md#import-rules): no circle of imports
between modules or packages, and the import-linter contracts in pyproject.toml break on a
wrong import (checked on a copy of the tree, so the real one is never touched)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "core", "catalog", "accounts", "credentials", "designer", "engine", "audit", "health", "monitoring")


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # Every import counts, those inside functions and under TYPE_CHECKING too.
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _package(module: str) -> str:
    """A module's package, two levels deep (engine.store, designer.validation, core.api)."""
    return ".".join(module.split(".")[:2])


def test_no_module_imports_itself_through_others(graph):
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(edges) == []


def test_no_package_imports_itself_through_others(graph):
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        for target in graph.find_modules_directly_imported_by(module):
            a, b = _package(module), _package(target)
            if a != b and not b.startswith(a + ".") and not a.startswith(b + "."):
                edges.setdefault(a, set()).add(b)
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("lint-imports")
    env = {"PATH": str(lint.parent), "PYTHONPATH": str(tree), "HOME": str(tree)}
    return subprocess.run([str(lint), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


WRONG = [
    # (file, the import added, the contract it breaks)
    ("engine/store/reads.py", "from engine.orchestration import graph", "One way down"),
    ("engine/orchestration/recovery.py", "from engine.triggers import schedules", "One way down"),
    ("designer/services.py", "from engine.store import models", "One way down"),
    ("credentials/services.py", "from designer import selectors", "One way down"),
    ("catalog/credentials/__init__.py", "import credentials.models", "Node types and expressions import no app"),
    ("accounts/tokens.py", "from designer import models", "One way down"),
    ("designer/services.py", "from accounts import tokens", "One way down"),
    ("accounts/throttle.py", "from engine.store import models", "One way down"),
    ("engine/orchestration/advance.py", "from engine.orchestration import children", "The orchestration flows one way"),
    ("engine/orchestration/graph.py", "from engine.store import writes", "The planner is pure"),
    ("catalog/nodes/noop.py", "from engine.store.models import Run", "Node types and expressions import no app"),
    ("catalog/expressions/evaluate.py", "import designer.models", "Node types and expressions import no app"),
    ("config/settings/base.py", "import core.errors", "Config's library"),
    ("engine/orchestration/advance.py", "import celery", "The engine's core imports no channels, celery or DRF"),
    ("audit/services.py", "import designer.models", "One way down"),
    ("core/errors.py", "import audit.models", "One way down"),
    ("audit/targets.py", "import catalog.nodes", "The audit log imports only the kernel"),
    ("audit/models.py", "import credentials.models", "One way down"),
    # The triggers record into the log: what it takes to record must need no DRF.
    ("audit/services.py", "import rest_framework", "The engine's core imports no channels, celery or DRF"),
    # The tick beats into health; health never reaches back into the engine.
    ("health/heartbeat.py", "from engine.store import models", "Health imports no app"),
]


def test_the_contracts_hold_on_the_tree_as_it_is(tree):
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("path", "line", "contract"), WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_import_breaks_its_contract(tree, path, line, contract):
    target = tree / path
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    result = _lint(tree)
    assert result.returncode != 0, result.stdout
    # The contract's verdict (the listing wraps long names): the word after its name.
    listing = " ".join(result.stdout.split())
    at = listing.index(contract)
    verdicts = [(listing.find(word, at), word) for word in ("KEPT", "BROKEN") if listing.find(word, at) >= 0]
    assert min(verdicts)[1] == "BROKEN", listing
