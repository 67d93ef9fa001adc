"""Pinned data and "Test step" in the browser: a pinned node wears a badge on the canvas and
the panel's previews read its pin; in the node's PinAndTest section a person unpins, types
data to pin, tests a step (a real HTTP call) and pins what it gave."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_editor import _select, _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def _graph(base):
    return {
        "nodes": [
            {"id": "start", "type": "trigger.manual", "position": {"x": 0, "y": 0}, "config": {}},
            {
                "id": "lookup",
                "type": "transform",
                "position": {"x": 260, "y": 0},
                "config": {"expression": "{'path': '/users/' & trigger.user}"},
                "pinned": {"output": {"path": "/pinned/7"}},
            },
            {
                "id": "fetch",
                "type": "http.request",
                "position": {"x": 520, "y": 0},
                "config": {"method": "GET", "url": "{{ vars.base }}{{ steps.lookup.output.path }}"},
            },
        ],
        "edges": [{"id": "e1", "source": "start", "target": "lookup"}, {"id": "e2", "source": "lookup", "target": "fetch"}],
        "vars": {"base": base},
    }


def _open(page, server, ledger, username):
    _sign_in(page, server, username)
    owner = f"get_user_model().objects.get(username={username!r})"
    server.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from designer import services; "
        f"services.workflow_create(owner={owner}, name='Pinned', graph={_graph(ledger.base)!r})",
    )
    page.reload()
    page.get_by_role("link", name="Pinned").click()
    expect(page).to_have_url(re.compile(r"/workflows/\d+"))


def _details(page, node_id):
    """The node detail view of a node, which hosts its pinned data and Test step."""
    _select(page, node_id)
    page.locator(".panel").get_by_role("button", name="Open details").click()
    view = page.get_by_test_id("node-detail")
    expect(view).to_be_visible()
    return view


def test_a_pinned_node_wears_a_badge_and_previews_read_its_pin(page, server, ledger):
    _open(page, server, ledger, "pia")
    expect(page.locator(".react-flow__node[data-id='lookup'] .badge-pinned")).to_have_text("pinned")
    expect(page.locator(".react-flow__node[data-id='fetch'] .badge-pinned")).to_have_count(0)
    _select(page, "fetch")
    expect(page.get_by_test_id("preview-value").first).to_have_text(f'"{ledger.base}"')
    expect(page.get_by_test_id("preview-value").last).to_have_text('"/pinned/7"')
    shot(page, "70-pinned-badge-and-preview")


def test_unpin_pin_by_hand_and_test_a_step(page, server, ledger):
    _open(page, server, ledger, "tess")
    section = _details(page, "lookup").get_by_test_id("pin-and-test")
    page.keyboard.press("Escape")
    # The node after it sees the pin as its input, in the detail view's input pane.
    expect(_details(page, "fetch").get_by_text("steps.lookup.output (pinned)")).to_be_visible()
    page.keyboard.press("Escape")
    section = _details(page, "lookup").get_by_test_id("pin-and-test")
    expect(section.get_by_test_id("pinned-output")).to_contain_text('"/pinned/7"')
    section.scroll_into_view_if_needed()
    shot(page, "72-pinned-section")
    section.get_by_role("button", name="Unpin").click()
    expect(page.locator(".react-flow__node[data-id='lookup'] .badge-pinned")).to_have_count(0)
    section.get_by_role("button", name="Type data to pin").click()
    section.get_by_label("Pinned output (JSON)").fill("{not json")
    section.get_by_role("button", name="Pin", exact=True).click()
    expect(section.get_by_role("alert")).to_contain_text("This is not JSON")
    shot(page, "73-pin-typed-not-json")
    section.get_by_label("Pinned output (JSON)").fill('{"path": "/typed/3"}')
    section.get_by_role("button", name="Pin", exact=True).click()
    expect(page.locator(".react-flow__node[data-id='lookup'] .badge-pinned")).to_be_visible()

    # Test the HTTP step over the pin, unsaved: the call happens, no run starts.
    page.keyboard.press("Escape")
    section = _details(page, "fetch").get_by_test_id("pin-and-test")
    calls = len(ledger.calls)
    with page.expect_response(re.compile(r"/api/workflows/\d+/nodes/fetch/test/$")) as answered:
        section.get_by_role("button", name="Test step").click()
    assert answered.value.status == 201
    result = page.get_by_test_id("test-result")
    expect(result).to_have_attribute("data-status", "succeeded")
    expect(result.get_by_test_id("test-output")).to_contain_text('"/typed/3"')
    assert [c["path"] for c in ledger.calls[calls:]] == ["/typed/3"]
    result.scroll_into_view_if_needed()
    shot(page, "71-test-step-result")
    assert page.request.get(server.base_url + "/api/runs/").json()["count"] == 0
