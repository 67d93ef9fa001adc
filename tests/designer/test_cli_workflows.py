"""export_workflows, import_workflows and list_workflows (docs/cli.md): text and --json,
update-or-create by name, and errors as one CommandError line."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import Action, AuditEntry
from designer import services
from designer.models import Workflow
from tests.factories import edge, make_user, node


def _graph(expression="trigger.n * 2"):
    return {
        "nodes": [node("start", "trigger.manual"), node("double", "transform", {"expression": expression})],
        "edges": [edge("1", "start", "double")],
    }


def _lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.fixture
def ann(db):
    user = make_user("ann")
    user.email = "Ann@Example.com"
    user.save()
    return user


def test_export_writes_the_api_format_with_sorted_keys(ann, api, tmp_path, capsys):
    workflow, _ = services.workflow_create(owner=ann, name="Double it", graph=_graph())
    call_command("export_workflows", "--owner", "ann@example.com", "--out", str(tmp_path), "--json")
    [report] = _lines(capsys)
    assert report == {"workflow": workflow.pk, "name": "Double it", "version": 1, "path": str(tmp_path / "double-it.stepwise.json")}
    text = (tmp_path / "double-it.stepwise.json").read_text()
    data = json.loads(text)
    assert data["format"] == "stepwise.workflow" and data["graph"] == workflow.graph
    assert text == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    api.force_login(ann)
    assert api.get(f"/api/workflows/{workflow.pk}/export/").json() == data  # the API's export, key for key
    assert AuditEntry.objects.filter(action=Action.WORKFLOW_EXPORTED, how="command", workflow_id=workflow.pk).exists()


def test_export_names_clash_and_one_workflow_to_a_file(ann, tmp_path, capsys):
    first, _ = services.workflow_create(owner=ann, name="Daily report", graph=_graph())
    second, _ = services.workflow_create(owner=ann, name="daily report", graph=_graph("1"))
    call_command("export_workflows", "--owner", "ann", "--out", str(tmp_path / "dir"))
    assert sorted(p.name for p in (tmp_path / "dir").iterdir()) == [
        "daily-report-" + f"{second.pk}.stepwise.json",
        "daily-report.stepwise.json",
    ]
    assert "daily-report.stepwise.json: Daily report" in capsys.readouterr().out
    call_command("export_workflows", "--owner", "ann", "--workflow", str(first.pk), "--out", str(tmp_path / "one.json"))
    assert json.loads((tmp_path / "one.json").read_text())["name"] == "Daily report"  # one object, as the API's download


def test_export_errors(ann, tmp_path):
    other = make_user("bo")
    theirs, _ = services.workflow_create(owner=other, name="Theirs", graph=_graph())
    with pytest.raises(CommandError, match="No user with the username or email 'nobody'"):
        call_command("export_workflows", "--owner", "nobody", "--out", str(tmp_path))
    with pytest.raises(CommandError, match=f"ann has no workflow {theirs.pk}"):
        call_command("export_workflows", "--owner", "ann", "--workflow", str(theirs.pk), "--out", str(tmp_path))
    (tmp_path / "file").write_text("x")
    with pytest.raises(CommandError, match="is a file"):
        call_command("export_workflows", "--owner", "ann", "--out", str(tmp_path / "file"))


def test_import_creates_then_updates_by_name_and_versions_only_a_changed_graph(ann, tmp_path, capsys):
    source = make_user("src")
    workflow, _ = services.workflow_create(owner=source, name="Double it", graph=_graph())
    call_command("export_workflows", "--owner", "src", "--out", str(tmp_path))
    path = str(tmp_path / "double-it.stepwise.json")
    capsys.readouterr()

    call_command("import_workflows", "--owner", "ann", str(tmp_path), "--json")
    [created] = _lines(capsys)
    mine = Workflow.objects.get(owner=ann, name="Double it")
    assert created == {"path": path, "status": "created", "workflow": mine.pk, "name": "Double it", "version": 1, "problems": []}

    call_command("import_workflows", "--owner", "ann", path)
    assert capsys.readouterr().out.strip() == f"{path}: unchanged 'Double it' (workflow {mine.pk}, version 1)"
    assert mine.versions.count() == 1

    services.workflow_update(workflow=workflow, actor=source, graph=_graph("trigger.n * 3"))
    call_command("export_workflows", "--owner", "src", "--out", str(tmp_path))
    capsys.readouterr()
    call_command("import_workflows", "--owner", "ann", path, "--json")
    [updated] = _lines(capsys)
    assert (updated["status"], updated["workflow"], updated["version"]) == ("updated", mine.pk, 2)
    mine.refresh_from_db()
    assert mine.graph["nodes"][1]["config"] == {"expression": "trigger.n * 3"}
    actions = list(AuditEntry.objects.filter(workflow_id=mine.pk).order_by("pk").values_list("action", "how"))
    assert actions == [(Action.WORKFLOW_IMPORTED, "command"), (Action.WORKFLOW_CHANGED, "command")]


def test_import_reports_each_file_and_fails_if_any_failed(ann, tmp_path, capsys):
    good = {"format": "stepwise.workflow", "format_version": 1, "name": "Good", "graph": _graph()}
    (tmp_path / "a-good.json").write_text(json.dumps(good))
    (tmp_path / "b-broken.json").write_text("{nope")
    (tmp_path / "c-other.json").write_text(json.dumps({"format": "n8n", "graph": {}}))
    (tmp_path / "d-problems.json").write_text(json.dumps({**good, "name": "Loose", "graph": {"nodes": [node("x", "noop")], "edges": []}}))
    with pytest.raises(CommandError, match=r"3 of 5 workflow\(s\) not imported"):
        call_command("import_workflows", "--owner", "ann", str(tmp_path), str(tmp_path / "missing.json"))
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(f"a-good.json: created 'Good' (workflow {Workflow.objects.get(name='Good').pk}, version 1)")
    assert out[1].endswith("b-broken.json: error: is not JSON (line 1, column 2: Expecting property name enclosed in double quotes)")
    assert out[2].endswith("c-other.json: error: Unknown format 'n8n': expected 'stepwise.workflow'.")
    assert "d-problems.json: created 'Loose'" in out[3] and "problem(s): it cannot run until they are fixed" in out[3]
    assert out[4].endswith("missing.json: error: no such file")


def test_import_refuses_an_ambiguous_name(ann, tmp_path, capsys):
    for _ in range(2):
        services.workflow_create(owner=ann, name="Twice", graph=_graph())
    (tmp_path / "t.json").write_text(json.dumps({"name": "Twice", "graph": _graph()}))
    with pytest.raises(CommandError, match="not imported"):
        call_command("import_workflows", "--owner", "ann", str(tmp_path / "t.json"), "--json")
    [report] = _lines(capsys)
    assert report["status"] == "error" and "More than one of your workflows is named 'Twice'" in report["error"]


def test_list_workflows(ann, capsys):
    services.workflow_create(owner=ann, name="Double it", graph=_graph())
    bo = make_user("bo")
    theirs, _ = services.workflow_create(owner=bo, name="Theirs", graph=_graph())
    call_command("list_workflows")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "OWNER", "ACTIVE", "LATEST", "RUNS", "LAST", "RUN", "NAME"]
    assert [line.split()[1] for line in lines[1:]] == ["ann", "bo"]
    call_command("list_workflows", "--owner", "bo", "--json")
    [row] = _lines(capsys)
    assert row["id"] == theirs.pk and row["owner"] == "bo" and row["latest_version"] == 1 and row["active"] is False
    with pytest.raises(CommandError, match="No user"):
        call_command("list_workflows", "--owner", "nobody@example.com")
