"""activate, deactivate, list_runs, cancel_run, retry_run and follow_run (docs/cli.md): the
services the API uses, text and --json, errors as one CommandError line."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import Action, AuditEntry
from engine.orchestration.runs import run_start
from engine.serializers import EventSerializer
from engine.store.models import Run, RunEvent
from tests.engine.harness import wait_for, wait_for_step
from tests.factories import edge, make_user, make_workflow, node


def _lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _flow(user, *middle, name="Flow"):
    nodes = [node("start", "trigger.manual"), *middle]
    edges = [edge(str(i), a["id"], b["id"]) for i, (a, b) in enumerate(itertools.pairwise(nodes))]
    return make_workflow(user, name=name, graph={"nodes": nodes, "edges": edges})


def test_activate_and_deactivate(db, capsys):
    user = make_user("ann")
    hook = {"nodes": [node("hook", "trigger.webhook", {"methods": ["POST"]}), node("work", "noop")], "edges": [edge("1", "hook", "work")]}
    workflow = make_workflow(user, graph=hook)
    call_command("activate", str(workflow.pk), "--json")
    assert _lines(capsys) == [{"workflow": workflow.pk, "name": "Flow", "active": True, "active_version": 1}]
    workflow.refresh_from_db()
    assert workflow.active and workflow.active_version.number == 1
    call_command("deactivate", str(workflow.pk))
    assert capsys.readouterr().out.strip() == f"workflow {workflow.pk} 'Flow' is inactive"
    workflow.refresh_from_db()
    assert not workflow.active
    actions = list(AuditEntry.objects.filter(workflow_id=workflow.pk, how="command").values_list("action", flat=True).order_by("pk"))
    assert actions == [Action.WORKFLOW_ACTIVATED, Action.WORKFLOW_DEACTIVATED]


def test_activate_errors(db):
    user = make_user()
    broken = make_workflow(user, graph={"nodes": [node("work", "noop")], "edges": []})
    with pytest.raises(CommandError, match="No workflow 999999"):
        call_command("activate", "999999")
    with pytest.raises(CommandError, match="problem"):  # the activation's own refusal, in one line
        call_command("activate", str(broken.pk))


def test_list_runs_filters(embedded, capsys):
    ann, bo = make_user("ann"), make_user("bo")
    ok, failing = _flow(ann, node("work", "noop"), name="ok"), _flow(ann, node("boom", "fail", {"message": "no"}), name="failing")
    theirs = _flow(bo, node("work", "noop"), name="theirs")
    runs = [wait_for(run_start(workflow=w, user=w.owner, payload={})) for w in (ok, failing, ok, theirs)]
    call_command("list_runs", "--json")
    assert [r["id"] for r in _lines(capsys)] == [r.pk for r in reversed(runs)]
    call_command("list_runs", "--owner", "ann", "--status", "succeeded", "--json")
    assert [(r["id"], r["status"], r["owner"]) for r in _lines(capsys)] == [
        (runs[2].pk, "succeeded", "ann"),
        (runs[0].pk, "succeeded", "ann"),
    ]
    call_command("list_runs", "--workflow", str(ok.pk), "--limit", "1")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["ID", "STATUS", "TRIGGER"] and len(lines) == 2
    assert lines[1].split()[:2] == [str(runs[2].pk), "succeeded"] and lines[1].endswith("ok (v1)")
    with pytest.raises(CommandError, match="No workflow 999999"):
        call_command("list_runs", "--workflow", "999999")
    with pytest.raises(CommandError, match="between 1 and 1000"):
        call_command("list_runs", "--limit", "0")
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("list_runs", "--status", "done")


def test_cancel_run(embedded, capsys):
    workflow = _flow(make_user(), node("pause", "wait", {"mode": "duration", "duration_s": 3600}))
    run = run_start(workflow=workflow, user=workflow.owner, payload={})
    wait_for_step(run, "pause", "waiting")
    call_command("cancel_run", str(run.pk), "--json")
    assert _lines(capsys) == [{"run": run.pk, "status": "cancelled"}]
    assert AuditEntry.objects.filter(action=Action.RUN_CANCELLED, how="command", target_id=str(run.pk)).exists()
    with pytest.raises(CommandError, match=r"^A cancelled run cannot be cancelled\.$"):
        call_command("cancel_run", str(run.pk))
    with pytest.raises(CommandError, match=r"^No run 999999\.$"):
        call_command("cancel_run", "999999")


def test_retry_run(embedded, capsys):
    workflow = _flow(make_user(), node("boom", "fail", {"message": "no"}))
    run = wait_for(run_start(workflow=workflow, user=workflow.owner, payload={}))
    assert run.status == "failed"
    call_command("retry_run", str(run.pk))
    assert capsys.readouterr().out.startswith(f"run {run.pk} of 'Flow'")
    run = wait_for(Run.objects.get(pk=run.pk))
    assert run.status == "failed" and run.steps.get(node_id="boom").attempt == 2  # the same service as the API: tried again
    assert RunEvent.objects.filter(run=run, kind="run", status="running", data__resumed="retry").exists()
    assert AuditEntry.objects.filter(action=Action.RUN_RETRIED, how="command", target_id=str(run.pk)).exists()
    done = wait_for(run_start(workflow=_flow(workflow.owner, node("work", "noop")), user=workflow.owner, payload={}))
    with pytest.raises(CommandError, match=r"^Only a failed run can be retried \(this one is succeeded\).$"):
        call_command("retry_run", str(done.pk))


def test_follow_run_prints_every_event_as_it_happens_until_the_end(embedded, capsys):
    workflow = _flow(
        make_user(), node("pause", "wait", {"mode": "duration", "duration_s": 0.5}), node("work", "transform", {"expression": "1 + 1"})
    )
    run = run_start(workflow=workflow, user=workflow.owner, payload={})
    call_command("follow_run", str(run.pk), "--json", "--interval", "0.05")
    events = _lines(capsys)
    run.refresh_from_db()
    assert [e["seq"] for e in events] == list(range(1, run.last_seq + 1))
    api_events = EventSerializer(RunEvent.objects.filter(run=run).order_by("seq"), many=True).data
    assert events == json.loads(json.dumps(api_events, default=str))  # what GET /api/runs/{id}/events/ answers
    assert (events[-1]["kind"], events[-1]["status"]) == ("run", "succeeded")
    assert [e["status"] for e in events if e["node_id"] == "pause"][-2:] == ["waiting", "succeeded"]


def test_follow_run_sees_events_written_while_it_follows(embedded, capsys):
    """Started on a run that waits for a person: the events come after the command started."""
    user = make_user()
    nodes = [node("start", "trigger.manual"), node("ask", "approval", {"message": "ok?"}), node("work", "noop")]
    workflow = make_workflow(user, graph={"nodes": nodes, "edges": [edge("1", "start", "ask"), edge("2", "ask", "work", "approved")]})
    run = run_start(workflow=workflow, user=user, payload={})
    wait_for_step(run, "ask", "waiting")
    before = Run.objects.get(pk=run.pk).last_seq

    def approve():
        from engine.orchestration.control import step_decide

        wait_for_step(run, "ask", "waiting")
        step_decide(run=run, node_id="ask", approve=True, user=user)

    threading.Timer(0.5, approve).start()
    call_command("follow_run", str(run.pk), "--after", str(before), "--interval", "0.05")
    lines = capsys.readouterr().out.splitlines()
    assert int(lines[0].split()[0]) == before + 1
    assert lines[-1].split()[2:] == ["run", "run", "succeeded"]
    assert any("ask" in line and line.endswith("succeeded") for line in lines)


def test_follow_run_exits_1_unless_the_run_succeeded(embedded, capsys):
    workflow = _flow(make_user(), node("boom", "fail", {"message": "no"}))
    run = wait_for(run_start(workflow=workflow, user=workflow.owner, payload={}))
    with pytest.raises(SystemExit) as exit_:
        call_command("follow_run", str(run.pk))
    assert exit_.value.code == 1
    assert "boom" in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"^No run 999999\.$"):
        call_command("follow_run", "999999")
