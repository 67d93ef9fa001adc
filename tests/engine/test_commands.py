import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from engine.store.models import StepRun
from tests.factories import edge, make_user, make_workflow, node


def _flow(user, **trigger_config):
    graph = {
        "nodes": [node("start", "trigger.manual", trigger_config), node("double", "transform", {"expression": "trigger.n * 2"})],
        "edges": [edge("e1", "start", "double")],
    }
    return make_workflow(user, graph=graph)


def test_run_workflow_waits_and_prints_the_output(embedded, capsys):
    workflow = _flow(make_user())
    call_command("run_workflow", str(workflow.pk), "--input", '{"n": 21}', "--wait")
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "succeeded" and result["output"] == {"double": 42}


def test_run_workflow_reports_problems(embedded):
    schema = {"type": "object", "required": ["n"]}
    workflow = _flow(make_user(), input_schema=schema)
    with pytest.raises(CommandError, match="input schema"):
        call_command("run_workflow", str(workflow.pk), "--input", "{}")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("run_workflow", str(workflow.pk), "--input", "{nope")
    with pytest.raises(CommandError, match="No workflow"):
        call_command("run_workflow", "999999")


def test_engine_tick_once_redispatches_lost_work(transactional_db):
    from engine.orchestration.dispatch import Collecting, get_dispatcher, set_dispatcher
    from engine.orchestration.runs import run_start

    previous = get_dispatcher()
    set_dispatcher(collecting := Collecting())
    try:
        user = make_user()
        run = run_start(workflow=_flow(user), user=user, payload={"n": 1})
        collecting.sent.clear()
        StepRun.objects.filter(run=run, node_id="double").update(updated_at=timezone.now() - timedelta(minutes=5))
        call_command("engine_tick", "--once")
        assert collecting.sent == [run.steps.get(node_id="double").pk]
    finally:
        set_dispatcher(previous)
