from engine.orchestration.graph import Graph, outcome, plan, sinks
from engine.store.records import StepState
from tests.factories import edge, load_fixture, node


def ok(*ports):
    return StepState("succeeded", tuple(ports) or ("out",))


def test_chain_readies_one_node_at_a_time():
    graph = Graph(
        {"nodes": [node("t", "trigger.manual"), node("a", "noop"), node("b", "noop")], "edges": [edge("1", "t", "a"), edge("2", "a", "b")]}
    )
    assert plan(graph, {"t": ok()}).ready == ["a"]
    assert plan(graph, {"t": ok(), "a": StepState("running")}).ready == []
    assert plan(graph, {"t": ok(), "a": ok()}).ready == ["b"]
    assert outcome(graph, {"t": ok(), "a": ok(), "b": ok()}) == "succeeded"
    assert outcome(graph, {"t": ok(), "a": ok()}) is None


def test_condition_skips_the_branch_not_taken_and_skips_cascade():
    graph = Graph(load_fixture("http_condition"))
    states = {"start": ok(), "fetch": ok(), "is_ok": ok("true")}
    result = plan(graph, states)
    # greet runs; give_up is skipped; notify (on fetch's error port, not taken) is skipped.
    assert result.ready == ["greet"] and sorted(result.skipped) == ["give_up", "notify"]


def test_reconverging_branch_runs_once_after_a_skip():
    graph = Graph(
        {
            "nodes": [
                node("t", "trigger.manual"),
                node("c", "condition", {"expression": "x"}),
                node("a", "noop"),
                node("b", "noop"),
                node("m", "noop"),
            ],
            "edges": [
                edge("1", "t", "c"),
                edge("2", "c", "a", "true"),
                edge("3", "c", "b", "false"),
                edge("4", "a", "m"),
                edge("5", "b", "m"),
            ],
        }
    )
    first = plan(graph, {"t": ok(), "c": ok("false")})
    assert first.ready == ["b"] and first.skipped == ["a"]
    assert plan(graph, {"t": ok(), "c": ok("false"), "a": StepState("skipped"), "b": StepState("running")}).ready == []
    assert plan(graph, {"t": ok(), "c": ok("false"), "a": StepState("skipped"), "b": ok()}).ready == ["m"]


def _fan(mode):
    return Graph(
        {
            "nodes": [node("t", "trigger.manual"), node("a", "noop"), node("b", "noop"), node("j", "join", {"mode": mode})],
            "edges": [edge("1", "t", "a"), edge("2", "t", "b"), edge("3", "a", "j"), edge("4", "b", "j")],
        }
    )


def test_join_all_waits_for_every_branch():
    graph = _fan("all")
    assert sorted(plan(graph, {"t": ok()}).ready) == ["a", "b"]
    assert plan(graph, {"t": ok(), "a": ok(), "b": StepState("running")}).ready == []
    assert plan(graph, {"t": ok(), "a": ok(), "b": ok()}).ready == ["j"]


def test_join_any_fires_on_the_first_and_never_again():
    graph = _fan("any")
    assert plan(graph, {"t": ok(), "a": ok(), "b": StepState("running")}).ready == ["j"]
    assert plan(graph, {"t": ok(), "a": ok(), "b": ok(), "j": StepState("running")}).ready == []


def test_unhandled_failure_fails_the_run_and_routed_failure_does_not():
    graph = Graph(load_fixture("http_condition"))
    failed = {"start": ok(), "fetch": StepState("failed")}
    assert plan(graph, failed).ready == [] and outcome(graph, failed) == "failed"
    routed = {"start": ok(), "fetch": StepState("failed", ("error",))}
    result = plan(graph, routed)
    assert result.ready == ["notify"] and "is_ok" in result.skipped


def test_sinks_are_the_succeeded_ends():
    graph = _fan("all")
    states = {"t": ok(), "a": ok(), "b": ok(), "j": ok()}
    assert sinks(graph, states) == ["j"]


def test_a_node_reads_every_step_only_when_its_expressions_may():
    from engine.orchestration.graph import Graph

    graph = Graph(
        {
            "nodes": [
                {"id": "start", "type": "trigger.manual"},
                {"id": "own", "type": "http.request", "config": {"url": "{{ vars.base }}/x", "method": "GET"}},
                {"id": "reads", "type": "http.request", "config": {"url": "{{ steps.own.output.url }}", "method": "GET"}},
                {"id": "literal", "type": "noop", "config": {}},
                {"id": "evaluates", "type": "transform", "config": {"expression": "1"}},
            ],
            "edges": [],
        }
    )
    assert not graph.needs_data("own") and not graph.needs_data("literal")
    assert graph.needs_data("reads") and graph.needs_data("evaluates")
