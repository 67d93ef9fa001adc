"""The canvas as an n8n user expects it (issue 18), in Debian's Chromium against the real
server: a node added, connected and configured with the keyboard alone; the "+" of a port
and of an edge; the minimap; sticky notes; context menus; the toolbar at 1024 px; port
labels clear of the duration; the compact palette; axe on the editor with a node selected."""

import json
import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.axe import serious
from tests.e2e.conftest import shot
from tests.e2e.test_runs import PASSWORD, Api, e, n

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def _graph(api, workflow_id):
    return httpx.get(f"{api.base}/api/workflows/{workflow_id}/", headers=api.headers).json()["graph"]


def _open(page, api, workflow_id, keyboard=False):
    """Sign in and open the editor; with `keyboard`, without a single mouse call."""
    page.goto(f"{api.base}/login/")
    page.fill("input[name=username]", api.username)
    page.fill("input[name=password]", PASSWORD)
    if keyboard:
        page.keyboard.press("Enter")
    else:
        page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()
    page.goto(f"{api.base}/workflows/{workflow_id}")
    expect(page.locator(".react-flow__node").first).to_be_visible()


def _overlap(a, b):
    apart_x = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
    return not (apart_x or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def _active(page):
    return page.evaluate("() => { const a = document.activeElement; return [a.className, a.dataset.id || a.id || ''] }")


def test_keyboard_only_add_connect_and_configure(page, server, ledger):
    api = Api(server, "kim")
    wid = api.workflow("Keys", {"nodes": [n("start", "trigger.manual")], "edges": []})
    _open(page, api, wid, keyboard=True)

    # Tab to the trigger node on the canvas, Enter selects it.
    for _ in range(60):
        page.keyboard.press("Tab")
        if _active(page)[1] == "start":
            break
    assert _active(page)[1] == "start", _active(page)
    page.keyboard.press("Enter")
    expect(page.locator(".panel input[aria-label='Node id']")).to_have_value("start")

    # N opens the node creator after it, its search focused; type, arrows, Enter adds.
    page.keyboard.press("Escape")  # leave the panel's field, back to the page
    for _ in range(60):
        if _active(page)[1] == "start":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("n")
    creator = page.get_by_role("dialog", name="Add a node")
    expect(creator).to_be_visible()
    expect(creator.get_by_role("combobox")).to_be_focused()
    page.keyboard.type("http")
    expect(creator.get_by_role("option")).to_have_count(1)
    shot(page, "polish-01-creator-keyboard")
    page.keyboard.press("Enter")
    expect(creator).to_have_count(0)
    expect(page.locator(".react-flow__node[data-id='http_request']")).to_be_focused()
    expect(page.locator(".react-flow__node[data-id='http_request'] .step-name")).to_have_text("HTTP request")
    expect(page.locator(".react-flow__edge")).to_have_count(1)

    # Enter goes into its settings: the first field of its form; Tab to the URL and type it.
    page.keyboard.press("Enter")
    page.wait_for_function("() => (document.activeElement.id || '').startsWith('root_')")
    for _ in range(20):
        if _active(page)[1] == "root_url":
            break
        page.keyboard.press("Tab")
    assert _active(page)[1] == "root_url"
    page.keyboard.press("Control+a")
    page.keyboard.type(f"{ledger.base}/keys")
    shot(page, "polish-02-configured-keyboard")
    # Back to the toolbar's Save (shortcuts wait while a field has the focus).
    for _ in range(120):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => document.activeElement.textContent") == "Save":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("version")).to_have_text("v2")

    graph = _graph(api, wid)
    added = next(node for node in graph["nodes"] if node["id"] == "http_request")
    assert added["name"] == "HTTP request" and added["config"]["url"] == f"{ledger.base}/keys"
    assert [(x["source"], x["source_port"], x["target"]) for x in graph["edges"]] == [("start", "out", "http_request")]


def test_plus_on_a_port_and_on_an_edge_inserts_nodes(page, server):
    api = Api(server, "pat")
    wid = api.workflow("Plus", {"nodes": [n("start", "trigger.manual"), n("last", "noop")], "edges": [e("start", "last")]})
    graph = _graph(api, wid)
    graph["nodes"][1]["position"] = {"x": 480, "y": 60}  # room between them for the edge's "+"
    assert httpx.patch(f"{api.base}/api/workflows/{wid}/", json={"graph": graph}, headers=api.headers).status_code == 200
    _open(page, api, wid)
    # A connected output has no "+" of its own (its edge has one); an open one has.
    expect(page.locator(".react-flow__node[data-id='start'] .port-plus")).to_have_count(0)

    # The "+" after the last node's output: a node connected after it.
    page.locator(".react-flow__node[data-id='last']").hover()
    page.locator(".react-flow__node[data-id='last'] .port-plus[data-port='out']").click()
    creator = page.get_by_role("dialog", name="Add a node")
    expect(creator).to_contain_text("After “last”")
    creator.get_by_role("combobox").fill("transform")
    creator.get_by_role("option").first.click()
    expect(page.locator(".react-flow__node")).to_have_count(3)

    page.locator(".react-flow__controls-fitview").click()
    # The "+" on the edge start -> last shows on hover; a node goes between them.
    # It is drawn only while shown (600 hidden ones slowed every frame of a pan).
    plus = page.locator(".edge-tools[data-edge-id='start-last'] .edge-plus")
    expect(plus).to_have_count(0)
    line = page.locator(".react-flow__edge[data-id='start-last'] .react-flow__edge-path").bounding_box()
    assert line is not None
    page.mouse.move(line["x"] + line["width"] / 2, line["y"] + line["height"] / 2)  # a flat line: no hover() target
    expect(plus).to_have_class(re.compile("shown"))
    shot(page, "polish-03-edge-plus")
    plus.click()
    expect(creator).to_contain_text("Between “start” and “last”")
    creator.get_by_role("combobox").fill("wait")
    page.keyboard.press("Enter")
    expect(page.locator(".react-flow__node")).to_have_count(4)
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("version")).to_have_text("v3")

    graph = _graph(api, wid)
    edges = sorted((x["source"], x["target"]) for x in graph["edges"])
    assert edges == [("last", "transform"), ("start", "wait"), ("wait", "last")]
    names = {node["id"]: node.get("name") for node in graph["nodes"]}
    assert names["transform"] == "Transform" and names["wait"] == "Wait"
    # Not stacked: no two nodes share a spot.
    boxes = [page.locator(f".react-flow__node[data-id='{i}']").bounding_box() for i in names]
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    shot(page, "polish-04-inserted")


def test_minimap_port_labels_long_names_and_axe(page, server, ledger):
    api = Api(server, "max")
    long_name = "Is the order big enough to need a second look by a person"
    graph = {
        "nodes": [
            n("start", "trigger.manual"),
            n("check", "condition", {"expression": "true"}, name=long_name),
            n("yes", "noop"),
            n("no", "noop"),
        ],
        "edges": [e("start", "check"), e("check", "yes", "true"), e("check", "no", "false")],
    }
    wid = api.workflow("Labels", graph)
    _open(page, api, wid)
    expect(page.locator(".react-flow__minimap-node")).to_have_count(4)

    page.get_by_role("button", name="▶ Run", exact=True).click()
    page.fill("textarea[aria-label='Run input']", json.dumps({}))
    page.click("text=Start run")
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=15000)
    check = page.locator(".react-flow__node[data-id='check']")
    expect(check.locator(".step-duration")).to_be_visible()
    duration = check.locator(".step-duration").bounding_box()
    badges = [b.bounding_box() for b in check.locator(".badge").all()]
    labels = [label.bounding_box() for label in check.locator(".port-label").all()]
    assert len(labels) == 2
    for label in labels:
        assert not _overlap(label, duration)
        assert not any(_overlap(label, badge) for badge in badges)
    name = check.locator(".step-name")
    assert name.evaluate("el => el.scrollWidth > el.clientWidth")  # ellipsised
    assert not _overlap(name.bounding_box(), labels[0])
    expect(check.locator(".step-title")).to_have_attribute("title", re.compile(re.escape(long_name)))
    expect(page.locator(".react-flow__minimap-node")).to_have_count(4)

    check.click()
    expect(page.locator(".panel input[aria-label='Node id']")).to_have_value("check")
    shot(page, "polish-05-run-labels-selected")
    assert serious(page) == []


def test_sticky_note_created_edited_resized_saved_and_reloaded(page, server):
    api = Api(server, "sue")
    wid = api.workflow("Notes", {"nodes": [n("start", "trigger.manual")], "edges": []})
    _open(page, api, wid)

    page.locator(".react-flow__pane").click(button="right", position={"x": 500, "y": 450})
    menu = page.get_by_role("menu", name="Canvas actions")
    expect(menu.get_by_role("menuitem")).to_have_text(["Add node here", "Add sticky note", "Paste", "Auto-layout", "Fit view"])
    menu.get_by_role("menuitem", name="Add sticky note").click()
    text = page.get_by_label("Note text (markdown)")
    expect(text).to_be_focused()
    text.fill("# Plan\nCall the **API** first\n- then wait\n<b>not html</b>")
    page.locator(".react-flow__pane").click(position={"x": 150, "y": 650})
    body = page.get_by_test_id("note-body")
    expect(body.locator("h3")).to_have_text("Plan")
    expect(body.locator("strong")).to_have_text("API")
    expect(body.locator("li")).to_have_text("then wait")
    expect(body.locator("b")).to_have_count(0)
    expect(body).to_contain_text("<b>not html</b>")

    # Select it, pick a colour, resize it by its corner.
    note = page.locator(".react-flow__node-note")
    note.click()
    page.get_by_role("button", name="Colour blue").click()
    before = note.bounding_box()
    corner = page.locator(".react-flow__node-note .react-flow__resize-control.handle.bottom.right").bounding_box()
    page.mouse.move(corner["x"] + corner["width"] / 2, corner["y"] + corner["height"] / 2)
    page.mouse.down()
    page.mouse.move(corner["x"] + 120, corner["y"] + 60, steps=10)
    page.mouse.up()
    after = note.bounding_box()
    assert after["width"] > before["width"] + 80 and after["height"] > before["height"] + 40
    shot(page, "polish-06-sticky-note")
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("version")).to_have_text("v2")

    [saved] = _graph(api, wid)["notes"]
    assert saved["text"].startswith("# Plan") and saved["color"] == "blue" and saved["width"] >= 320
    page.reload()
    expect(page.locator(".sticky.sticky-blue")).to_be_visible()
    expect(page.get_by_test_id("note-body").locator("strong")).to_have_text("API")
    assert abs(page.locator(".react-flow__node-note").bounding_box()["width"] - after["width"]) < 2


def test_context_menus_on_a_node_and_the_canvas(page, server):
    api = Api(server, "cam")
    wid = api.workflow("Menus", {"nodes": [n("start", "trigger.manual"), n("step", "noop")], "edges": [e("start", "step")]})
    _open(page, api, wid)

    page.locator(".react-flow__node[data-id='step']").click(button="right")
    menu = page.get_by_role("menu", name="Node actions")
    expect(menu.get_by_role("menuitem")).to_have_text(["Rename", "Open details", "Duplicate", "Copy", "Delete"])
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    shot(page, "polish-07-node-menu")
    menu.get_by_role("menuitem", name="Duplicate").click()
    expect(page.locator(".react-flow__node")).to_have_count(3)

    page.locator(".react-flow__node[data-id='step_2']").click(button="right")
    page.get_by_role("menuitem", name="Delete").click()
    expect(page.locator(".react-flow__node")).to_have_count(2)

    page.locator(".react-flow__node[data-id='step']").click(button="right")
    page.get_by_role("menuitem", name="Rename").click()
    name = page.locator(".panel[aria-label='Node settings'] input").first
    expect(name).to_be_focused()
    name.fill("Tidy up")
    expect(page.locator(".react-flow__node[data-id='step'] .step-name")).to_have_text("Tidy up")

    # The canvas menu: add a node where it was opened; Escape closes the creator.
    page.locator(".react-flow__pane").click(button="right", position={"x": 600, "y": 500})
    page.get_by_role("menuitem", name="Add node here").click()
    creator = page.get_by_role("dialog", name="Add a node")
    expect(creator.get_by_role("combobox")).to_be_focused()
    page.keyboard.press("Escape")
    expect(creator).to_have_count(0)
    page.locator(".react-flow__pane").click(button="right", position={"x": 600, "y": 500})
    page.get_by_role("menuitem", name="Add node here").click()
    page.keyboard.type("switch")
    page.keyboard.press("Enter")
    added = page.locator(".react-flow__node[data-id='switch']")
    expect(added).to_be_visible()
    box = added.bounding_box()
    assert abs(box["x"] - page.locator(".react-flow__pane").bounding_box()["x"] - 600) < 40
    shot(page, "polish-08-canvas-menu-added")


def test_toolbar_fits_at_1024_and_the_palette_is_compact(page, server):
    api = Api(server, "tia")
    wid = api.workflow("A workflow with a rather long name for the toolbar", {"nodes": [n("start", "trigger.manual")], "edges": []})
    _open(page, api, wid)

    # 1440x900: every node type is in view in the palette, each row about 30 px.
    items = page.locator(".palette-item")
    assert items.count() == 15
    palette = page.locator(".palette").bounding_box()
    for box in (item.bounding_box() for item in items.all()):
        assert 26 <= box["height"] <= 32 and box["y"] + box["height"] <= palette["y"] + palette["height"]
    shot(page, "polish-09-editor-1440")

    # Enter on a focused row adds; double-clicks never stack nodes on one spot.
    page.locator(".palette-item[data-type='noop']").focus()
    page.keyboard.press("Enter")
    page.locator(".palette-item[data-type='noop']").dblclick()
    page.locator(".palette-item[data-type='noop']").dblclick()
    expect(page.locator(".react-flow__node")).to_have_count(4)
    boxes = [node.bounding_box() for node in page.locator(".react-flow__node").all()]
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    names = sorted(page.locator(".step-name").all_inner_texts())
    assert names == ["Manual / API trigger", "No operation", "No operation 1", "No operation 2"]

    page.set_viewport_size({"width": 1024, "height": 768})
    for label in ("Save", "▶ Run", "Activate", "More actions"):
        button = page.get_by_role("button", name=label, exact=True)
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1024 and box["y"] + box["height"] <= 768, (label, box)
    page.get_by_role("button", name="More actions").click()
    expect(page.get_by_role("menu", name="More actions").get_by_role("menuitem")).to_have_text(
        ["Triggers", "Settings", "Auto-layout", "Versions", "Runs", "Activity", "Keyboard shortcuts"]
    )
    shot(page, "polish-10-editor-1024-menu")
    page.keyboard.press("Escape")
    assert serious(page) == []

    # The canvas's keys are in the shortcuts' help.
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Keyboard shortcuts").click()
    expect(page.locator(".shortcuts")).to_contain_text("Add a node (after the selected one, connected)")
    shot(page, "polish-11-shortcuts-1024")
