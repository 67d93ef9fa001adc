"""Where expressions are evaluated in a run, and what bounds them: a bounded expression runs
inline; one that is not runs in an evaluator process through the executor; the step's
`timeout_s` stops pure steps too; the evaluator's CPU limit holds when the wall-clock one
is generous; a forked worker process gets evaluators of its own."""

from __future__ import annotations

import itertools
import os

import pytest

from catalog.expressions.bounds import ExpressionError, Limits
from catalog.expressions.sandbox import Sandbox
from designer import services
from engine.orchestration.runs import run_start
from tests.engine.harness import wait_for
from tests.factories import edge, make_user, node


def _run(graph_nodes, payload=None):
    user = make_user()
    nodes = [node("start", "trigger.manual"), *graph_nodes]
    edges = [edge(f"e{i}", a["id"], b["id"]) for i, (a, b) in enumerate(itertools.pairwise(nodes))]
    workflow, problems = services.workflow_create(owner=user, name="limits", graph={"nodes": nodes, "edges": edges})
    assert problems == [], problems
    return wait_for(run_start(workflow=workflow, user=user, payload=payload or {}), timeout=30)


def test_a_bounded_expression_runs_inline_and_one_that_is_not_in_the_executor(embedded):
    run = _run(
        [
            node("cheap", "transform", {"expression": "trigger.n * 2"}),
            node("lambda", "transform", {"expression": "$map([1, 2], function($v){ $v * steps.cheap.output })"}),
        ],
        {"n": 21},
    )
    assert run.status == "succeeded", list(run.steps.values("node_id", "status", "error"))
    steps = {s.node_id: s for s in run.steps.all()}
    assert steps["cheap"].output == 42 and steps["cheap"].attempts[-1].get("inline") is True
    assert steps["lambda"].output == [42, 84]
    assert not steps["lambda"].attempts[-1].get("inline"), steps["lambda"].attempts  # never under the run's lock


def test_the_step_timeout_stops_a_pure_step(embedded):
    run = _run([{**node("slow", "transform", {"expression": "$sum([1..9999999])"}), "timeout_s": 0.3}])
    step = run.steps.get(node_id="slow")
    assert run.status == "failed" and step.status == "failed"
    assert step.error["code"] == "timeout" and "0.3 s" in step.error["message"], step.error
    assert (step.finished_at - step.started_at).total_seconds() < 0.3 + 0.5


def test_a_condition_with_an_expression_error_fails_with_jsonata_words(embedded):
    run = _run([node("check", "condition", {"expression": "$number(trigger.text) > 1"})], {"text": "abc"})
    step = run.steps.get(node_id="check")
    assert step.status == "failed" and step.error["code"] == "expression_error", step.error
    assert "Unable to cast value to a number: abc" in step.error["message"]
    assert "could not convert" not in step.error["message"] and "ValueError" not in step.error["message"]


def test_the_cpu_limit_stops_an_evaluator_the_clock_would_let_run():
    sandbox = Sandbox()
    try:
        limits = Limits(timeout_ms=20_000, cpu_s=0.5)
        with pytest.raises(ExpressionError) as info:
            sandbox.evaluate("($f := function($n){ $f($n + 1) }; $f(0))", {}, limits, 20_000)
        assert info.value.code == "limit" and "CPU" in info.value.reason
        assert sandbox.evaluate("$sum([1, 2])", {}, limits, 1000) == 3  # a new evaluator took its place
    finally:
        sandbox.close()


def test_an_evaluator_that_ran_out_of_memory_is_not_reused():
    sandbox = Sandbox()
    try:
        limits = Limits(memory_mb=64)
        with pytest.raises(ExpressionError) as info:
            sandbox.evaluate('$pad("x", 100000000)', {}, limits, 2000)
        assert info.value.code == "memory" and "64 MB" in info.value.reason
        assert sandbox.evaluate('$pad("x", 3)', {}, limits, 2000) == "x  "
    finally:
        sandbox.close()


def test_a_forked_process_uses_evaluators_of_its_own():
    sandbox = Sandbox()
    try:
        assert sandbox.evaluate("$sum([1, 2])", {}, Limits(), 2000) == 3
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # a Celery worker process, forked after its parent used the pool
            try:
                os.write(write, str(sandbox.evaluate("$sum([3, 4])", {}, Limits(), 2000)).encode())
            finally:
                os._exit(0)
        os.close(write)
        os.waitpid(pid, 0)
        assert os.read(read, 100) == b"7"
        assert sandbox.evaluate("$sum([5, 6])", {}, Limits(), 2000) == 11  # the parent's still answer
    finally:
        sandbox.close()
