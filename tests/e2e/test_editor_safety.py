"""Nothing lost in the editor, in Debian's Chromium against the real server: every way out of
a dirty editor asks (a top bar link, the toolbar's Runs, Back, a reload), and each answer
does what it says; a graph without positions opens laid out (editor and run view); a screen
that throws shows its error while the top bar keeps working; Escape closes each dialog and
gives focus back; Ctrl+S saves from inside a field; Run on a broken draft saves nothing."""

import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.axe import serious
from tests.e2e.conftest import shot
from tests.e2e.test_runs import Api, _sign_in, e, n

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "workflows"
EDITOR = re.compile(r"/workflows/\d+$")


def _more(page, item):
    """An action of the toolbar's "⋯" menu."""
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name=item).click()


def _latest(api, workflow_id):
    return httpx.get(f"{api.base}/api/workflows/{workflow_id}/", headers=api.headers).json()["latest_version"]


def _open(page, name):
    page.locator("nav a", has_text="Workflows").click()
    page.get_by_role("link", name=name).click()
    expect(page).to_have_url(EDITOR)
    expect(page.locator(".react-flow__node").first).to_be_visible()


def _rename(page, node_id, name):
    page.locator(f".react-flow__node[data-id='{node_id}']").click()
    field = page.locator("aside[aria-label='Node settings']").get_by_role("textbox", name="Name", exact=True)
    field.fill(name)
    expect(page.get_by_test_id("unsaved")).to_be_visible()
    return field


def _leave_dialog(page):
    return page.get_by_role("dialog", name="Save your changes before leaving?")


def _boxes_apart(page):
    boxes = [page.locator(".react-flow__node").nth(i).bounding_box() for i in range(page.locator(".react-flow__node").count())]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            side = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
            apart = side or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
            assert apart, (a, b)
    return boxes


def test_each_way_out_of_a_dirty_editor_asks_and_each_answer_does_what_it_says(page, server):
    api = Api(server, "lena")
    wf = api.workflow("Guarded", {"nodes": [n("start", "trigger.manual"), n("ok", "noop")], "edges": [e("start", "ok")]})
    _sign_in(page, server, "lena")
    _open(page, "Guarded")

    # The top bar's link: the dialog; Escape is Stay and the edit is kept.
    field = _rename(page, "ok", "Renamed once")
    page.locator("nav a", has_text="Workflows").click()
    dialog = _leave_dialog(page)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Save and leave")).to_be_focused()
    assert serious(page) == []
    shot(page, "safety-01-leave-dialog")
    page.set_viewport_size({"width": 1024, "height": 768})
    shot(page, "safety-01-leave-dialog-1024")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page).to_have_url(EDITOR)
    expect(field).to_have_value("Renamed once")

    # The toolbar's Runs: Stay keeps the edit.
    _more(page, "Runs")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Stay").click()
    expect(dialog).to_have_count(0)
    expect(page).to_have_url(EDITOR)
    expect(field).to_have_value("Renamed once")

    # Back: the URL stays on the editor while it asks; Leave without saving goes back.
    page.evaluate("history.back()")
    expect(dialog).to_be_visible()
    expect(page).to_have_url(EDITOR)
    expect(field).to_have_value("Renamed once")
    dialog.get_by_role("button", name="Leave without saving").click()
    expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()
    assert _latest(api, wf) == 1

    # Save and leave: a new version, then the list.
    page.get_by_role("link", name="Guarded").click()
    _rename(page, "ok", "Renamed and saved")
    page.locator("nav a", has_text="Workflows").click()
    _leave_dialog(page).get_by_role("button", name="Save and leave").click()
    expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()
    assert _latest(api, wf) == 2

    # A clean editor leaves without asking, by a link and by Back.
    page.get_by_role("link", name="Guarded").click()
    expect(page.get_by_test_id("version")).to_have_text("v2")
    _more(page, "Runs")
    expect(page).to_have_url(re.compile(r"/workflows/\d+/runs$"))
    page.evaluate("history.back()")
    expect(page).to_have_url(EDITOR)
    page.evaluate("history.back()")
    expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()

    # A reload of a dirty editor gets the browser's own prompt (beforeunload).
    page.get_by_role("link", name="Guarded").click()
    _rename(page, "ok", "Lost on reload")
    seen = []
    page.on("dialog", lambda d: (seen.append(d.type), d.accept()))
    page.reload()
    assert seen == ["beforeunload"]
    expect(page.get_by_test_id("version")).to_have_text("v2")
    assert _latest(api, wf) == 2


@pytest.mark.parametrize("fixture", ["parallel_join_all", "switch"])
def test_a_graph_without_positions_opens_laid_out_in_the_editor_and_the_run_view(page, server, fixture):
    api = Api(server, f"pia_{fixture}")
    spec = json.loads((FIXTURES / f"{fixture}.json").read_text())
    assert all("position" not in node for node in spec["graph"]["nodes"])
    r = httpx.post(f"{api.base}/api/workflows/", json={"name": f"Fixture {fixture}", "graph": spec["graph"]}, headers=api.headers)
    assert r.status_code == 201, r.text
    wf = r.json()["id"]
    _sign_in(page, server, api.username)
    _open(page, f"Fixture {fixture}")
    expect(page.locator(".react-flow__node")).to_have_count(len(spec["graph"]["nodes"]))
    expect(page.locator(".topbar")).to_be_visible()
    _boxes_apart(page)
    # Placing is not an edit: nothing to save, nothing asked on the way out.
    expect(page.get_by_test_id("unsaved")).to_have_count(0)
    shot(page, f"safety-02-laid-out-{fixture}")

    run = api.run(wf, spec.get("input"))
    api.wait(run)
    page.goto(f"{server.base_url}/runs/{run}")
    expect(page.locator(".react-flow__node")).to_have_count(len(spec["graph"]["nodes"]))
    _boxes_apart(page)
    shot(page, f"safety-03-run-laid-out-{fixture}")


def test_a_screen_that_throws_shows_its_error_and_the_top_bar_keeps_working(page, server):
    api = Api(server, "omar")
    wf = api.workflow("Broken", {"nodes": [n("start", "trigger.manual")], "edges": []})
    _sign_in(page, server, "omar")
    # A workflow whose graph is not an object, as if the server answered wrongly.
    pattern = f"**/api/workflows/{wf}/"
    answer = httpx.get(f"{api.base}/api/workflows/{wf}/", headers=api.headers).json()

    def broken(route):
        route.fulfill(status=200, content_type="application/json", body=json.dumps({**answer, "graph": None}))

    page.route(pattern, broken)
    page.get_by_role("link", name="Broken").click()
    error = page.get_by_test_id("screen-error")
    expect(error).to_contain_text("Something went wrong in the editor.")
    expect(error).to_contain_text("Cannot read properties of null")
    shot(page, "safety-04-screen-error")

    page.locator("nav a", has_text="Runs").click()
    expect(page).to_have_url(re.compile(r"/runs$"))
    expect(page.get_by_test_id("screen-error")).to_have_count(0)
    page.evaluate("history.back()")
    expect(error).to_be_visible()
    page.unroute(pattern)
    error.get_by_role("button", name="Try again").click()
    expect(page.locator(".react-flow__node[data-id='start']")).to_be_visible()
    error_link = page.get_by_test_id("screen-error")
    expect(error_link).to_have_count(0)


def test_escape_closes_each_dialog_and_focus_goes_back(page, server, ledger):
    api = Api(server, "esme")
    api.workflow(
        "Dialogs",
        {
            "nodes": [n("start", "trigger.manual"), n("call", "http.request", {"method": "GET", "url": f"{ledger.base}/ok"})],
            "edges": [e("start", "call")],
        },
    )
    _sign_in(page, server, "esme")
    _open(page, "Dialogs")
    dialogs = [
        ("▶ Run", "Run this workflow"),
        ("Versions", "Version history"),
        ("Triggers", "Triggers"),
        ("Settings", "Workflow settings"),
        ("Keyboard shortcuts", "Keyboard shortcuts"),
    ]
    for label, title in dialogs:
        if label == "▶ Run":
            opener = page.locator(".toolbar button", has_text=label).first
            opener.click()
        else:  # in the toolbar's "⋯" menu: focus comes back to "⋯"
            opener = page.get_by_role("button", name="More actions")
            _more(page, label)
        dialog = page.get_by_role("dialog", name=title)
        expect(dialog).to_be_visible()
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
        expect(opener).to_be_focused()

    # The node detail view, then the credential dialog over the node panel.
    page.locator(".react-flow__node[data-id='call']").click()
    details = page.get_by_role("button", name="Open details")
    details.click()
    expect(page.get_by_test_id("node-detail")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("node-detail")).to_have_count(0)
    expect(details).to_be_focused()

    picker = page.locator(".panel select#root_credential")
    picker.select_option(label="Create new…")
    credential = page.get_by_role("dialog", name="New credential")
    expect(credential).to_be_visible()
    page.keyboard.press("Escape")
    expect(credential).to_have_count(0)
    expect(page.locator("aside[aria-label='Node settings']")).to_be_visible()


def test_ctrl_s_inside_a_text_field_saves(page, server):
    api = Api(server, "sami")
    wf = api.workflow("Keys", {"nodes": [n("start", "trigger.manual"), n("ok", "noop")], "edges": [e("start", "ok")]})
    _sign_in(page, server, "sami")
    _open(page, "Keys")
    field = _rename(page, "ok", "Saved by keyboard")
    field.focus()
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("version")).to_have_text("v2")
    # The notice floats over the canvas: nothing sits between the toolbar and the canvas.
    expect(page.get_by_test_id("toast")).to_be_visible()
    toolbar, canvas = page.locator(".toolbar").bounding_box(), page.locator(".workspace").bounding_box()
    assert abs(toolbar["y"] + toolbar["height"] - canvas["y"]) < 2, (toolbar, canvas)
    assert _latest(api, wf) == 2
    expect(page.get_by_role("status")).to_have_text("Saved as version 2.")
    expect(page.locator(".topbar")).to_be_visible()
    expect(page).to_have_url(EDITOR)
    shot(page, "safety-05-saved-by-keyboard")


def test_run_with_a_problem_saves_nothing_and_names_the_node(page, server, ledger):
    api = Api(server, "rita")
    wf = api.workflow(
        "Fetch",
        {
            "nodes": [n("start", "trigger.manual"), n("fetch", "http.request", {"method": "GET", "url": f"{ledger.base}/ok"})],
            "edges": [e("start", "fetch")],
        },
    )
    _sign_in(page, server, "rita")
    _open(page, "Fetch")
    page.locator(".react-flow__node[data-id='fetch']").click()
    page.locator(".panel input[id='root_url']").fill("")
    expect(page.get_by_test_id("unsaved")).to_be_visible()
    page.locator(".toolbar button", has_text="▶ Run").click()
    dialog = page.get_by_role("dialog", name="Run this workflow")
    dialog.get_by_role("button", name="Start run").click()
    problems = dialog.get_by_test_id("run-problems")
    expect(problems).to_contain_text("fetch")
    expect(problems).to_contain_text("cannot run yet")
    shot(page, "safety-06-run-refused")
    assert _latest(api, wf) == 1
    runs = httpx.get(f"{api.base}/api/runs/", headers=api.headers)
    assert runs.status_code == 200 and runs.json()["count"] == 0, runs.text
    expect(page.get_by_test_id("unsaved")).to_be_visible()


def test_a_long_problems_list_folds_and_stays_inside_the_viewport(page, server):
    api = Api(server, "paul")
    nodes = [n("start", "trigger.manual")] + [n(f"lost_{i}", "noop") for i in range(8)]
    graph = {"nodes": nodes, "edges": []}
    r = httpx.post(f"{api.base}/api/workflows/", json={"name": "Many problems", "graph": graph}, headers=api.headers)
    assert r.status_code == 201 and len(r.json()["problems"]) >= 6, r.text
    page.set_viewport_size({"width": 1024, "height": 768})
    _sign_in(page, server, "paul")
    _open(page, "Many problems")
    bar = page.locator(".problems")
    expect(bar).to_contain_text("8 problems")
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= 768, box
    shot(page, "safety-07-problems-1024")
    bar.get_by_role("button", name="Hide").click()
    expect(bar.locator(".problems-body")).to_be_hidden()
    expect(bar).to_contain_text("8 problems")
    assert bar.bounding_box()["height"] < box["height"]
    page.locator("nav a", has_text="Runs").click()
    expect(page).to_have_url(re.compile(r"/runs$"))  # clean: placed, never edited
