"""The node detail view as a new user meets it: an HTTP node configured beside the data it
would receive, at 1024 px and 1440 px with nothing scrolling sideways; a field of the input
dragged into the URL and previewed by the server; `steps.` completed; a wrong expression
marked where it is wrong; after a reload the previews still read the last run."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.credentials.servers import EchoServer
from tests.e2e.conftest import shot
from tests.e2e.test_editor import _select, _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

# Every container of the view, and the page: none may be wider inside than it is.
OVERFLOWING = """() => [document.documentElement, ...document.querySelectorAll(
  "[data-testid=node-detail], .detail-body, .detail-col, .data-pane, .rjsf, .cm-editor, .kv-row, .detail-head")]
  .filter(e => e.scrollWidth > e.clientWidth + 0)
  .map(e => `${e.className || e.tagName} ${e.scrollWidth}>${e.clientWidth}`)"""


def _graph(url):
    return {
        "nodes": [
            {"id": "start", "type": "trigger.manual", "position": {"x": 0, "y": 0}, "config": {}},
            {
                "id": "lookup",
                "type": "transform",
                "position": {"x": 260, "y": 0},
                "config": {"expression": '{"id": trigger.customer, "city": "Paris", "tags": ["vip", "eu"]}'},
            },
            {"id": "call", "type": "http.request", "position": {"x": 520, "y": 0}, "config": {"method": "GET", "url": url}},
        ],
        "edges": [{"id": "e1", "source": "start", "target": "lookup"}, {"id": "e2", "source": "lookup", "target": "call"}],
    }


@pytest.fixture
def echo():
    with EchoServer() as running:
        yield running


def _open_detail(page, node_id):
    _select(page, node_id)
    page.locator(".panel").get_by_role("button", name="Open details").click()
    view = page.get_by_test_id("node-detail")
    expect(view).to_be_visible()
    return view


def _editor(view, label):
    return view.locator(f".cm-content[aria-label='{label}']")


def _field(view, label):
    """The expression field (editor and previews) of the parameter `label`."""
    return view.locator(".expression-field", has=view.page.locator(f".cm-content[aria-label='{label}']"))


def test_configure_an_http_node_in_the_detail_view(page, server, echo):
    _sign_in(page, server, "nadia")
    owner = "get_user_model().objects.get(username='nadia')"
    server.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from designer import services; "
        f"services.workflow_create(owner={owner}, name='Customer sync', graph={_graph(echo.base + '/echo')!r})",
    )
    page.reload()
    page.get_by_role("link", name="Customer sync").click()
    expect(page).to_have_url(re.compile(r"/workflows/\d+"))

    # A run gives the node its data: the lookup's output is what the call would receive.
    page.get_by_role("button", name="▶ Run", exact=True).click()
    page.fill("textarea[aria-label='Run input']", json.dumps({"customer": "c-42"}))
    page.click("text=Start run")
    expect(page.locator(".react-flow__node[data-id='call'] .step")).to_have_class(re.compile("step-succeeded"), timeout=15000)

    page.set_viewport_size({"width": 1024, "height": 768})
    # The narrower window may leave the node under the side panel: fit the graph in view first.
    page.locator(".react-flow__controls-fitview").click()
    page.wait_for_timeout(300)
    # The side panel's form fits its 340 px too (it was 804 px wide: the status list's pickers).
    _select(page, "call")
    assert page.evaluate("() => [...document.querySelectorAll('.panel, .panel .rjsf')].map(e => e.scrollWidth - e.clientWidth)") == [0, 0]
    view = _open_detail(page, "call")
    expect(view.get_by_test_id("detail-against")).to_contain_text("run #")
    inputs = view.get_by_test_id("input-pane")
    expect(inputs.locator("[data-path='steps.lookup.output.city']")).to_contain_text("string")
    expect(view.get_by_test_id("output-pane")).to_contain_text("output")

    # Configure it: the method by its name, a header as a pair, redirects as a switch.
    view.locator("select#root_method").select_option("POST")
    view.get_by_label("New Headers name").fill("X-Customer")
    view.get_by_label("New Headers value").fill("yes")
    view.get_by_role("button", name="Add to Headers").click()
    expect(view.get_by_label("Headers name 1")).to_have_value("X-Customer")
    follow = view.get_by_role("switch", name="Follow redirects")
    expect(follow).to_be_checked()
    view.locator("label.switch", has_text="Follow redirects").click()
    expect(follow).not_to_be_checked()
    assert page.evaluate(OVERFLOWING) == []
    shot(page, "60-detail-1024")

    # An enum's values by their titles (x-enum-titles), the config keeping the value.
    parse = view.locator("select#root_response_format")
    parse.scroll_into_view_if_needed()
    expect(parse.locator("option")).to_contain_text(["Detect from Content-Type", "JSON", "Text"])
    parse.select_option(label="Text")
    expect(parse.locator("option:checked")).to_have_text("Text")
    shot(page, "60b-detail-enum-titles")

    # A URL the node cannot call is refused in words that name it.
    url = _editor(view, "URL")
    url.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("ftp://bad.example")
    expect(view.get_by_test_id("detail-params")).to_contain_text("The URL must start with http:// or https://")
    page.keyboard.press("Control+a")
    page.keyboard.type(f"{echo.base}/echo")
    expect(view.get_by_test_id("detail-params")).not_to_contain_text("The URL must start with")

    # Drag the customer's id from the input into the URL: the expression that reads it, previewed.
    page.keyboard.press("End")
    page.keyboard.type("/customers/")
    with page.expect_response(re.compile(r"/preview/$")) as answered:
        box = url.bounding_box()
        inputs.locator("[data-path='steps.lookup.output.id']").drag_to(url, target_position={"x": box["width"] - 4, "y": box["height"] / 2})
    expect(url).to_have_text(f"{echo.base}/echo/customers/{{{{ steps.lookup.output.id }}}}")
    expect(_field(view, "URL").get_by_test_id("preview-value")).to_have_text('"c-42"')
    assert answered.value.status == 200
    shot(page, "61-detail-dragged")

    # Type `steps.` in the raw body and pick a completion.
    body = _editor(view, "Raw body")
    body.click()
    page.keyboard.type("{{ steps.")
    options = page.locator(".cm-tooltip-autocomplete li")
    expect(options.first).to_be_visible()
    expect(page.locator(".cm-tooltip-autocomplete")).to_contain_text("steps.lookup.output.city")
    shot(page, "62-detail-completion")
    page.locator(".cm-tooltip-autocomplete li", has_text="steps.lookup.output.city").click()
    body_field = _field(view, "Raw body")
    expect(body).to_contain_text("{{ steps.lookup.output.city")
    expect(body_field.get_by_test_id("preview-value")).to_have_text('"Paris"')

    # A wrong expression: the server's error, marked in the editor at its position.
    page.keyboard.press("Control+a")
    page.keyboard.type("Hello {{ steps.lookup.output.id ++ 1")
    error = body_field.get_by_test_id("preview-error")
    expect(error).to_contain_text("at character")
    at = int(re.search(r"at character (\d+)", error.inner_text()).group(1))
    text = body.inner_text()
    start = text.index("{{") + 3
    marked = body.locator(".cm-lintRange-error")
    expect(marked).to_have_count(1)
    assert marked.inner_text() == (text[start + at] if start + at < len(text) else text[-1])
    shot(page, "63-detail-error")

    # At 1440 px, as a panel over the canvas (the choice is remembered).
    page.set_viewport_size({"width": 1440, "height": 900})
    view.get_by_role("button", name="Panel").click()
    expect(page.locator(".detail-panel")).to_be_visible()
    shot(page, "64-detail-1440-panel")
    assert page.evaluate(OVERFLOWING) == []
    view.get_by_role("button", name="Modal").click()
    assert page.evaluate(OVERFLOWING) == []
    shot(page, "65-detail-1440-modal")

    # Save, reload: the view reads the workflow's last run from the server and previews against it.
    page.keyboard.press("Escape")
    expect(view).to_have_count(0)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("unsaved")).to_have_count(0)
    page.reload()
    view = _open_detail(page, "call")
    expect(view.get_by_test_id("detail-against")).to_contain_text("(the latest)")
    url = _editor(view, "URL")
    expect(url).to_contain_text("/customers/{{ steps.lookup.output.id }}")
    expect(_field(view, "URL").get_by_test_id("preview-value")).to_have_text('"c-42"')
    expect(view.get_by_test_id("input-pane").locator("[data-path='steps.lookup.output.id']")).to_contain_text('"c-42"')
    shot(page, "66-detail-after-reload")


def test_a_triggers_input_schema_is_edited_as_fields(page, server, echo):
    _sign_in(page, server, "omar")
    owner = "get_user_model().objects.get(username='omar')"
    server.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from designer import services; "
        f"services.workflow_create(owner={owner}, name='Intake', graph={_graph(echo.base + '/echo')!r})",
    )
    page.reload()
    page.get_by_role("link", name="Intake").click()
    view = _open_detail(page, "start")
    expect(view.get_by_test_id("input-pane")).to_contain_text("A trigger receives the run input.")
    view.get_by_role("button", name="+ Add a field").click()
    view.get_by_label("Field 1 name").fill("customer")
    view.get_by_role("button", name="+ Add a field").click()
    view.get_by_label("Field 2 name").fill("total")
    view.get_by_label("Field 2 type").select_option("number")
    view.locator(".schema-row").first.get_by_role("checkbox").check()
    assert page.evaluate(OVERFLOWING) == []
    shot(page, "67-detail-trigger-schema")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("unsaved")).to_have_count(0)
    page.get_by_role("button", name="▶ Run", exact=True).click()
    page.fill("textarea[aria-label='Run input']", json.dumps({"total": 3}))
    page.click("text=Start run")
    # The schema written from the rows is the one the run input is checked against.
    expect(page.get_by_role("dialog", name="Run this workflow")).to_contain_text("customer")
