"""A preview agrees with the run it is made against, on every golden workflow.

Each fixture of tests/fixtures/workflows/ runs for real (embedded mode); then, for every
step of the run and of its child runs, each expression of the step's node is previewed
through POST /api/workflows/{id}/preview/ against that run, and compared with what the
step recorded:

- a `{{ }}` template in the config: the previews, put together as a run renders a template,
  give the step's rendered `input` at that field;
- a map's input per item (`x-per-item`): previewed with the item and its index pinned,
  they give each child run's input;
- the JSONata of a pure node type (`x-jsonata`: transform, condition, switch): the node
  type run again on the step's rendered config, its expressions evaluated by the preview
  endpoint, gives the step's output and ports, or the step's error when it failed.
"""

import contextlib
import json
import re

import pytest
from rest_framework.test import APIClient

from catalog.expressions import find_expressions, iter_strings, whole_expression
from catalog.expressions.evaluate import ExpressionError
from catalog.nodes import registry
from catalog.nodes.base import StepContext
from engine.orchestration.pinned import graph_for
from engine.orchestration.step_test import run_data
from engine.store.models import Run
from tests.engine.harness import golden_names, run_golden
from tests.factories import make_user

_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
RAN = {"succeeded", "failed", "waiting", "compensated"}


def walk(value, schema, pointer="", templates=True):
    """(kind, JSON Pointer, value) of each expression-bearing value of a config, by its
    schema: "jsonata" (the node evaluates it), "per_item" (rendered once per item) or
    "template" (a string with `{{ }}`, rendered with the config)."""
    schema = schema if isinstance(schema, dict) else {}
    if schema.get("x-jsonata"):
        yield "jsonata", pointer, value
        return
    if schema.get("x-per-item"):
        yield "per_item", pointer, value
        return
    templates = templates and schema.get("x-expression") is not False
    if isinstance(value, str):
        if templates and "{{" in value:
            yield "template", pointer, value
    elif isinstance(value, dict):
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        for key, item in value.items():
            yield from walk(item, properties.get(key), f"{pointer}/{key}", templates)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, schema.get("items"), f"{pointer}/{index}", templates)


def at(value, pointer):
    for part in pointer.split("/")[1:]:
        value = value[int(part) if isinstance(value, list) else part]
    return value


def rendered(value, previewed):
    """A config value rendered as a run renders it, each expression's value from `previewed`:
    a whole `{{ }}` is its value; in a longer string each is its text (JSON but strings)."""
    if isinstance(value, dict):
        return {k: rendered(v, previewed) for k, v in value.items()}
    if isinstance(value, list):
        return [rendered(v, previewed) for v in value]
    if not isinstance(value, str):
        return value
    whole = whole_expression(value)
    if whole is not None:
        return previewed(whole)

    def text(match):
        result = previewed(match.group(1).strip())
        return result if isinstance(result, str) else "" if result is None else json.dumps(result)

    return _TEMPLATE.sub(text, value)


class Previewer:
    def __init__(self, client):
        self.client = client
        self.calls = 0

    def __call__(self, run, node_id, source, data=None):
        """The preview's value, or ExpressionError with its message."""
        body = {"expression": source, "node_id": node_id}
        body.update({"data": data} if data is not None else {"run_id": run.pk})
        response = self.client.post(f"/api/workflows/{run.workflow_id}/preview/", body, format="json")
        assert response.status_code == 200, (source, response.json())
        self.calls += 1
        answer = response.json()
        if "error" in answer:
            raise ExpressionError(source, answer["error"]["message"])
        return answer["value"]


def _check_templates(preview, run, step, pointer, value):
    try:
        got = rendered(value, lambda source: preview(run, step.node_id, source))
    except ExpressionError as exc:
        # The run could not render it either: the step failed saying so.
        assert step.status == "failed" and step.error["code"] == "expression_error", (step.node_id, pointer, exc)
        assert step.error["message"] == str(exc)
        return
    assert got == at(step.input, pointer), (run.pk, step.node_id, pointer)


def _check_per_item(preview, run, step, value):
    children = list(Run.objects.filter(parent_step=step).order_by("item_index"))
    items = step.input["items"]
    assert children and len(children) <= len(items)
    data = run_data(run, step.node_id)
    for child in children:
        pinned = {**data, "item": items[child.item_index], "index": child.item_index}
        assert rendered(value, lambda source, p=pinned: preview(run, step.node_id, source, data=p)) == child.input


def _check_node_type(preview, run, step, cls):
    """The pure node type again, on the step's rendered config, its expressions previewed."""
    ctx = StepContext(
        run_id=run.pk,
        node_id=step.node_id,
        iteration=step.iteration,
        attempt=step.attempt,
        config=step.input,
        data={},
        evaluate=lambda source: preview(run, step.node_id, source),
    )
    try:
        result = cls.execute(ctx)
    except ExpressionError as exc:
        assert step.status == "failed" and step.error["code"] == "expression_error", (step.node_id, exc)
        assert step.error["message"] == str(exc)
        return
    if step.status == "failed":  # an error routed or continued: the output is the error
        raise AssertionError(f"{step.node_id} failed in the run ({step.error}) but not in the preview: {result.output!r}")
    assert (result.output, list(result.ports)) == (step.output, step.ports), (run.pk, step.node_id)


@pytest.mark.parametrize("name", golden_names())
def test_previews_agree_with_the_run(name, embedded, ledger):
    user = make_user()
    client = APIClient()
    client.force_login(user)
    preview = Previewer(client)
    root = run_golden(name, user, ledger.base)
    compared = 0
    for run in [root, *Run.objects.filter(root=root).order_by("id")]:
        graph = graph_for(run)
        ran = set()
        for step in run.steps.order_by("id"):
            node = graph.nodes[step.node_id]
            cls = registry.get(node["type"])
            if step.status not in RAN or step.input is None:
                continue
            ran.add(step.node_id)
            found = list(walk(node.get("config") or {}, cls.config_schema))
            for kind, pointer, value in found:
                if kind == "template":
                    _check_templates(preview, run, step, pointer, value)
                elif kind == "per_item":
                    _check_per_item(preview, run, step, value)
            if any(kind == "jsonata" for kind, _, _ in found):
                assert cls.inline and cls.evaluates_expressions, cls.type  # pure: it can be run again
                _check_node_type(preview, run, step, cls)
            compared += len(found)
        # The expressions of the nodes that did not run have nothing to agree with; they
        # still preview against the run (a value or an error, never a refusal).
        for node_id, node in graph.nodes.items():
            if node_id not in ran:
                for kind, _, value in walk(node.get("config") or {}, registry.get(node["type"]).config_schema):
                    sources = [value] if kind == "jsonata" else [src for _, text in iter_strings(value) for src in find_expressions(text)]
                    for source in sources:
                        with contextlib.suppress(ExpressionError):
                            preview(run, node_id, source)
    # Every fixture has expressions that ran: none passes by comparing nothing.
    assert compared > 0 and preview.calls >= compared, (compared, preview.calls)


def test_the_walk_finds_every_kind_of_expression():
    from catalog.nodes.map import Map
    from catalog.nodes.switch import Switch

    config = {"workflow_id": 3, "items": "{{ trigger.xs }}", "input": {"n": "{{ item }}"}, "max_concurrency": 2}
    found = [("template", "/items", "{{ trigger.xs }}"), ("per_item", "/input", {"n": "{{ item }}"})]
    assert list(walk(config, Map.config_schema)) == found
    config = {"cases": [{"port": "a", "expression": "x = 1"}, {"port": "b", "expression": "{{ y }}"}]}
    found = [("jsonata", "/cases/0/expression", "x = 1"), ("jsonata", "/cases/1/expression", "{{ y }}")]
    assert list(walk(config, Switch.config_schema)) == found
    values = {"1 + 1": 2, "'x'": "x", "[1]": [1], "nothing": None}
    config = {"a": "{{ 1 + 1 }}", "b": "n={{ 'x' }}/{{ [1] }}/{{ nothing }}", "c": [3]}
    assert rendered(config, values.__getitem__) == {"a": 2, "b": "n=x/[1]/", "c": [3]}
