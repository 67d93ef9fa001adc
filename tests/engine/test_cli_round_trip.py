"""The CLI round trip (docs/cli.md): one user's workflows exported to a directory with
export_workflows, imported into another user's with import_workflows, and every one of
them run in both accounts: the same statuses and outputs, node by node. The golden
workflows are the ones used, except those that call another workflow by its id (an id
of the first user's, which the second cannot call) or need a person's action."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command

from designer import services
from designer.models import Workflow
from engine.orchestration.runs import run_start
from tests.engine.harness import golden_names, load_golden, wait_for
from tests.factories import make_user

ROUND_TRIP = [name for name in golden_names() if not load_golden(name).get("subworkflows") and not load_golden(name).get("actions")]


# ISO 8601 (a wait's `until`) and HTTP's dates (a response's Date header).
TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?|\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT)$")


def _timeless(value):
    """An output with its timestamps as "<time>": the one thing two runs started a moment
    apart cannot share."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return "<time>" if isinstance(value, str) and TIME.match(value) else value


def _run_state(run):
    run = wait_for(run, timeout=30)
    steps = {s.node_id: (s.status, s.attempt, _timeless(s.output), s.ports) for s in run.steps.order_by("node_id", "iteration")}
    return {"status": run.status, "output": _timeless(run.output), "steps": steps}


def test_export_a_directory_import_it_into_another_user_and_the_runs_are_identical(embedded, ledger, tmp_path, capsys):
    assert len(ROUND_TRIP) >= 10, ROUND_TRIP
    alice, bob = make_user("alice"), make_user("bob")
    bob.email = "bob@example.com"
    bob.save()
    for name in ROUND_TRIP:
        _, problems = services.workflow_create(owner=alice, name=name, graph=load_golden(name, ledger.base)["graph"])
        assert problems == [], (name, problems)

    call_command("export_workflows", "--owner", "alice", "--out", str(tmp_path / "alice"))
    files = sorted(p.name for p in (tmp_path / "alice").iterdir())
    assert files == sorted(f"{name.replace('_', '-')}.stepwise.json" for name in ROUND_TRIP)
    capsys.readouterr()

    call_command("import_workflows", "--owner", "bob@example.com", str(tmp_path / "alice"), "--json")
    reports = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(r["name"] for r in reports) == sorted(ROUND_TRIP)
    assert {(r["status"], r["version"]) for r in reports} == {("created", 1)} and all(r["problems"] == [] for r in reports)

    # Bob's export is Alice's, byte for byte: the format is stable for git.
    call_command("export_workflows", "--owner", "bob", "--out", str(tmp_path / "bob"))
    for name in files:
        assert (tmp_path / "bob" / name).read_bytes() == (tmp_path / "alice" / name).read_bytes(), name

    started = {
        (owner.username, name): run_start(
            workflow=Workflow.objects.get(owner=owner, name=name), user=owner, payload=load_golden(name)["input"]
        )
        for name in ROUND_TRIP
        for owner in (alice, bob)
    }
    compared = 0
    for name in ROUND_TRIP:
        theirs, ours = _run_state(started["alice", name]), _run_state(started["bob", name])
        assert ours == theirs, name
        assert theirs["status"] == load_golden(name)["expect"]["run"], name
        compared += len(theirs["steps"])
    assert compared >= 3 * len(ROUND_TRIP)


@pytest.mark.parametrize("single", ["one.json", "-"])
def test_a_single_file_round_trips_too(db, tmp_path, capsys, single):
    alice, bob = make_user("alice"), make_user("bob")
    for name in ("linear", "condition"):
        services.workflow_create(owner=alice, name=name, graph=load_golden(name)["graph"])
    out = str(tmp_path / single) if single != "-" else "-"
    call_command("export_workflows", "--owner", "alice", "--out", out)
    text = (tmp_path / single).read_text() if single != "-" else capsys.readouterr().out
    data = json.loads(text)
    assert [d["name"] for d in data] == ["linear", "condition"] and {d["format"] for d in data} == {"stepwise.workflow"}
    path = tmp_path / "all.json"
    path.write_text(text)
    capsys.readouterr()
    call_command("import_workflows", "--owner", "bob", str(path))
    assert sorted(Workflow.objects.filter(owner=bob).values_list("name", flat=True)) == ["condition", "linear"]
    assert [w.graph for w in Workflow.objects.filter(owner=bob).order_by("name")] == [
        w.graph for w in Workflow.objects.filter(owner=alice).order_by("name")
    ]
