"""The editor as a new user meets it, in Debian's Chromium against the real server: sign
in, create a workflow, drag nodes from the palette, connect them, configure them through
the forms, see a problem and fix it, save, run and watch the nodes turn green live, read a
node's output; undo/redo, copy/paste, auto-layout, export then import, restore a version."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
PASSWORD = "s3cret-pass-word"


def _sign_in(page, server, username):
    server.manage(
        "shell",
        "-c",
        f"from django.contrib.auth import get_user_model; get_user_model().objects.create_user({username!r}, password={PASSWORD!r})",
    )
    page.goto(server.base_url + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()


def _drop(page, node_type, x, y):
    page.drag_and_drop(f".palette-item[data-type='{node_type}']", ".react-flow__pane", target_position={"x": x, "y": y})


def _connect(page, source, port, target):
    start = page.locator(f".react-flow__node[data-id='{source}'] .react-flow__handle.source[data-handleid='{port}']").bounding_box()
    end = page.locator(f".react-flow__node[data-id='{target}'] .react-flow__handle.target").bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=15)
    page.mouse.up()


def _select(page, node_id):
    page.locator(f".react-flow__node[data-id='{node_id}']").click()
    expect(page.locator(".panel input[aria-label='Node id']")).to_have_value(node_id)


def _node_ids(page):
    return sorted(page.eval_on_selector_all(".react-flow__node", "els => els.map(e => e.dataset.id)"))


def test_build_configure_save_and_run_a_workflow(page, server, ledger):
    _sign_in(page, server, "ada")
    shot(page, "01-list-empty")
    page.fill("input[aria-label='New workflow name']", "Order check")
    page.click("text=Create workflow")
    expect(page.locator(".canvas-empty")).to_be_visible()
    shot(page, "02-editor-empty")

    _drop(page, "trigger.manual", 120, 220)
    _drop(page, "http.request", 420, 220)
    _drop(page, "condition", 720, 220)
    expect(page.locator(".react-flow__node")).to_have_count(3)

    # Not connected yet: the problems list says so, on the nodes too.
    expect(page.locator(".problems")).to_contain_text("not connected to any trigger")
    _connect(page, "trigger_manual", "out", "http_request")
    _connect(page, "http_request", "out", "condition")
    expect(page.locator(".react-flow__edge")).to_have_count(2)

    # Configure the HTTP request through its form: an empty URL is a problem until it is set.
    _select(page, "http_request")
    url = page.locator(".panel input[id='root_url']")
    url.fill("")
    expect(page.locator(".problems")).to_contain_text("URL")
    url.fill(f"{ledger.base}/orders/{{{{ trigger.id }}}}")
    _select(page, "condition")
    page.locator(".panel input[id='root_expression']").fill("steps.http_request.output.status = 200")
    expect(page.locator(".problems")).to_contain_text("No problems")
    shot(page, "03-editor-configured")

    page.click("button:has-text('Save')")
    expect(page.get_by_test_id("version")).to_have_text("v1")
    expect(page.get_by_test_id("unsaved")).to_have_count(0)

    page.get_by_role("button", name="▶ Run", exact=True).click()
    page.fill("textarea[aria-label='Run input']", json.dumps({"id": 42}))
    page.click("text=Start run")
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=15000)
    for node_id in ("trigger_manual", "http_request", "condition"):
        expect(page.locator(f".react-flow__node[data-id='{node_id}'] .step")).to_have_class(re.compile("step-succeeded"))
    assert any(call["path"] == "/orders/42" for call in ledger.calls)
    _select(page, "http_request")
    expect(page.get_by_test_id("step-output")).to_contain_text('"status": 200')
    shot(page, "04-editor-run-succeeded")


def test_undo_redo_copy_paste_layout_export_import_and_restore(page, server):
    _sign_in(page, server, "grace")
    page.fill("input[aria-label='New workflow name']", "Shapes")
    page.click("text=Create workflow")
    _drop(page, "trigger.manual", 120, 200)
    _drop(page, "noop", 420, 200)
    _connect(page, "trigger_manual", "out", "noop")
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    page.click("button:has-text('Save')")
    expect(page.get_by_test_id("version")).to_have_text("v1")

    # Undo / redo.
    _drop(page, "transform", 420, 400)
    expect(page.locator(".react-flow__node")).to_have_count(3)
    page.click("button:has-text('Undo')")
    expect(page.locator(".react-flow__node")).to_have_count(2)
    page.click("button:has-text('Redo')")
    expect(page.locator(".react-flow__node")).to_have_count(3)
    page.locator(".react-flow__pane").click(position={"x": 300, "y": 550})
    page.keyboard.press("Control+z")
    expect(page.locator(".react-flow__node")).to_have_count(2)

    # Copy / paste the selected node.
    page.locator(".react-flow__node[data-id='noop']").click()
    page.locator(".react-flow__pane").focus()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(page.locator(".react-flow__node")).to_have_count(3)
    assert _node_ids(page) == ["noop", "noop_2", "trigger_manual"]

    # Auto-layout moves the pasted node out of the way.
    before = page.locator(".react-flow__node[data-id='noop_2']").bounding_box()
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Auto-layout").click()
    moved = "([x, y]) => { const b = document.querySelector(\".react-flow__node[data-id='noop_2']\").getBoundingClientRect();"
    page.wait_for_function(moved + " return b.x !== x || b.y !== y }", arg=[before["x"], before["y"]])
    page.click("button:has-text('Save')")
    expect(page.get_by_test_id("version")).to_have_text("v2")

    # Restore version 1: the pasted node is gone again, as a new version on top.
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Versions").click()
    page.locator(".dialog tr", has_text="v1").get_by_role("button", name="Restore").click()
    expect(page.locator(".react-flow__node")).to_have_count(2)
    expect(page.get_by_test_id("version")).to_have_text("v3")
    shot(page, "05-editor-restored")

    # Export, then import the file: a second workflow with the same graph.
    page.click("text=← Workflows")
    expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()
    with page.expect_download() as download:
        page.locator("tr", has_text="Shapes").get_by_role("button", name="Export").click()
    path = download.value.path()
    page.set_input_files("input[data-testid='import-file']", path)
    expect(page.locator("table.list tbody tr")).to_have_count(2)
    shot(page, "06-list-after-import")
    page.locator("table.list a", has_text="Shapes").last.click()
    expect(page.locator(".react-flow__node")).to_have_count(2)
