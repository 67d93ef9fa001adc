"""Expression previews in the node panel come from the server (POST .../preview/), the
JSONata runs use: typed into a field, an expression shows its value against the last run,
or the error with where it is."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_editor import _drop, _select, _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

GRAPH = {
    "nodes": [
        {"id": "start", "type": "trigger.manual", "position": {"x": 0, "y": 0}, "config": {}},
        {"id": "total", "type": "transform", "position": {"x": 260, "y": 0}, "config": {"expression": "$sum(trigger.items.price)"}},
        {"id": "review", "type": "approval", "position": {"x": 520, "y": 0}, "config": {"message": "Please approve"}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "total"}, {"id": "e2", "source": "total", "target": "review"}],
    "vars": {"currency": "EUR"},
}


def test_a_typed_expression_shows_the_servers_preview(page, server):
    _sign_in(page, server, "petra")
    owner = "get_user_model().objects.get(username='petra')"
    server.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from designer import services; "
        f"services.workflow_create(owner={owner}, name='Invoice', graph={GRAPH!r})",
    )
    page.reload()
    page.get_by_role("link", name="Invoice").click()
    expect(page).to_have_url(re.compile(r"/workflows/\d+"))

    # No run yet: previewed with an empty trigger and the saved vars.
    _select(page, "review")
    message = page.locator(".panel input[id='root_message']")
    with page.expect_response(re.compile(r"/api/workflows/\d+/preview/$")) as answered:
        message.fill("Pay {{ vars.currency }}")
    assert answered.value.status == 200 and answered.value.json() == {"value": "EUR"}
    expect(page.get_by_test_id("preview-against")).to_contain_text("No run yet")
    expect(page.get_by_test_id("preview-value")).to_have_text('"EUR"')

    page.get_by_role("button", name="▶ Run", exact=True).click()
    page.fill("textarea[aria-label='Run input']", json.dumps({"name": "Ada", "items": [{"price": 2}, {"price": 3}]}))
    page.click("text=Start run")
    expect(page.locator(".react-flow__node[data-id='review'] .step")).to_have_class(re.compile("step-waiting"), timeout=15000)

    # Against the run: what the node sees there, as the server evaluates it.
    _select(page, "review")
    expect(page.get_by_test_id("preview-against")).to_contain_text("Previewed against run #")
    message.fill("Pay {{ steps.total.output * 10 }} {{ vars.currency }} to {{ $uppercase(trigger.name) }}")
    values = page.get_by_test_id("preview-value")
    expect(values).to_have_text(["50", '"EUR"', '"ADA"'])
    values.last.scroll_into_view_if_needed()
    shot(page, "40-preview-value")

    message.fill("Pay {{ steps.total.output * }}")
    error = page.get_by_test_id("preview-error")
    expect(error).to_contain_text("Unexpected end of expression")
    expect(page.get_by_test_id("preview-value")).to_have_count(0)
    error.scroll_into_view_if_needed()
    shot(page, "41-preview-error")

    # A transform's whole JSONata field is previewed too, and a runtime error is shown.
    _select(page, "total")
    expression = page.locator(".panel input[id='root_expression']")
    expect(page.get_by_test_id("preview-value")).to_have_text("5")
    expression.fill("$error('no invoice for ' & trigger.name)")
    expect(page.get_by_test_id("preview-error")).to_contain_text("no invoice for Ada")
    # A hostile expression previews as its limit, in the evaluator's time, not as a hung page.
    expression.fill("$sum([1..10000000])")
    expect(page.get_by_test_id("preview-error")).to_contain_text("took longer than 1000 ms", timeout=5000)
    page.get_by_test_id("preview-error").scroll_into_view_if_needed()
    shot(page, "42-preview-hostile")

    # Debounced: typing a key at a time asks once the typing pauses, not at every key.
    asked = []
    page.on("request", lambda request: asked.append(request.post_data_json) if request.url.endswith("/preview/") else None)
    expression.fill("")
    expression.press_sequentially("$uppercase(trigger.name)", delay=40)
    expect(page.get_by_test_id("preview-value")).to_have_text('"ADA"')
    assert 1 <= len(asked) <= 3, asked
    assert asked[-1]["expression"] == "$uppercase(trigger.name)" and asked[-1]["node_id"] == "total" and asked[-1]["run_id"]

    # A node not saved yet is not the server's to preview: the panel says so, until saved.
    _drop(page, "http.request", 420, 420)
    _select(page, "http_request")
    page.locator(".panel input[id='root_url']").fill("https://shop.example/{{ vars.currency }}")
    expect(page.get_by_test_id("preview-refused")).to_contain_text("save the workflow")
    page.click("button:has-text('Save')")
    expect(page.get_by_test_id("preview-value")).to_have_text('"EUR"')
