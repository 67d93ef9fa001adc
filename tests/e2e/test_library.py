"""The library as a user meets it, in Debian's Chromium against the real server: the
workflow list with each workflow's newest run and run count, narrowed by search and tag;
starting from a template; saving versions with messages and reading the visual diff of
two of them."""

import copy
import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.axe import serious
from tests.e2e.conftest import shot
from tests.e2e.test_runs import Api, _sign_in, lay_out

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "workflows"


def golden(name):
    """A golden workflow's graph, laid out (the fixtures have no positions)."""
    return lay_out(copy.deepcopy(json.loads((GOLDEN / f"{name}.json").read_text())["graph"]))


def _patch(api, workflow_id, body):
    r = httpx.patch(f"{api.base}/api/workflows/{workflow_id}/", json=body, headers=api.headers)
    assert r.status_code == 200, r.text
    return r.json()


def _row(page, name):
    return page.locator("table.library-list tbody tr", has=page.locator("a.name", has_text=name))


def test_the_list_shows_last_runs_and_counts_and_narrows(page, server, ledger):
    api = Api(server, "lena")
    orders = api.workflow("Order totals", golden("linear"))
    broken = api.workflow("Broken import", golden("unhandled_failure"))
    api.workflow("Never run yet", golden("condition"))
    for _ in range(3):
        api.wait(api.run(orders, {"name": "Ada", "items": [{"price": 2}]}))
    failed = api.run(broken, {"id": 7})
    api.wait(failed)
    _patch(api, orders, {"tags": ["billing", "nightly"]})
    _patch(api, broken, {"tags": ["imports"]})

    _sign_in(page, server, "lena")
    row = _row(page, "Order totals")
    expect(row.get_by_test_id("last-run").locator(".badge")).to_have_text("succeeded")
    expect(row.get_by_test_id("run-count")).to_have_text("3")
    expect(row.locator(".tag-chip")).to_have_text(["billing", "nightly"])
    bad = _row(page, "Broken import")
    expect(bad.get_by_test_id("last-run").locator(".badge")).to_have_text("failed")
    expect(bad.get_by_test_id("run-count")).to_have_text("1")
    expect(_row(page, "Never run yet").get_by_test_id("last-run")).to_have_text("Never run")
    # Updated times are relative and on one line.
    expect(row.locator(".col-when")).to_have_text("just now")
    heights = page.eval_on_selector_all("table.library-list tbody tr", "rows => rows.map((r) => r.getBoundingClientRect().height)")
    assert max(heights) < 80, heights
    shot(page, "library-list-1440")
    assert serious(page) == []

    page.set_viewport_size({"width": 1024, "height": 768})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 1024, width  # no horizontal scroll
    actions = row.get_by_role("button", name="Delete").bounding_box()
    table = page.locator("table.library-list").bounding_box()
    assert actions["x"] + actions["width"] <= table["x"] + table["width"]  # not clipped by the table
    shot(page, "library-list-1024")

    page.fill("input[aria-label='Search workflows']", "order")
    expect(page.locator("table.library-list tbody tr")).to_have_count(1)
    expect(_row(page, "Order totals")).to_be_visible()
    page.fill("input[aria-label='Search workflows']", "")
    expect(page.locator("table.library-list tbody tr")).to_have_count(3)
    page.select_option("select[aria-label='Filter by tag']", "imports")
    expect(page.locator("table.library-list tbody tr")).to_have_count(1)
    expect(_row(page, "Broken import")).to_be_visible()
    page.select_option("select[aria-label='Filter by tag']", "")
    expect(page.locator("table.library-list tbody tr")).to_have_count(3)

    # The badge leads to the run.
    bad.get_by_test_id("last-run").locator("a.badge").click()
    expect(page).to_have_url(f"{server.base_url}/runs/{failed}")


def test_start_from_a_template_opens_the_editor_with_its_nodes(page, server):
    Api(server, "tess")
    _sign_in(page, server, "tess")
    page.get_by_role("button", name="Start from a template").click()
    gallery = page.get_by_role("dialog", name="Start from a template")
    expect(gallery.locator(".template-card")).to_have_count(9)
    shot(page, "library-templates")
    assert serious(page) == []
    gallery.get_by_role("button", name="Use template Approval before an action").click()
    expect(page).to_have_url(re.compile(r"/workflows/\d+$"))
    nodes = page.locator(".react-flow__node")
    expect(nodes).to_have_count(4)
    for node_id in ("start", "review", "execute", "notify"):
        expect(page.locator(f".react-flow__node[data-id='{node_id}']")).to_be_visible()
    shot(page, "library-template-editor")


def test_versions_with_messages_and_the_visual_diff(page, server):
    api = Api(server, "vic")
    v1 = golden("linear")
    r = httpx.post(f"{api.base}/api/workflows/", json={"name": "Invoice", "graph": v1, "message": "First cut"}, headers=api.headers)
    assert r.status_code == 201, r.text
    workflow = r.json()["id"]
    v2 = copy.deepcopy(v1)
    v2["nodes"] = [n for n in v2["nodes"] if n["id"] != "done"]
    v2["edges"] = [e for e in v2["edges"] if e["target"] != "done"]
    greet = next(n for n in v2["nodes"] if n["id"] == "greet")
    greet["config"]["expression"] = "'Dear ' & trigger.name"
    greet["name"] = "Greeting"
    v2["nodes"].append({"id": "notify", "type": "noop", "name": "Notify", "position": {"x": 820, "y": 200}, "config": {}})
    v2["edges"].append({"id": "e9", "source": "greet", "source_port": "out", "target": "notify", "target_port": "in"})
    _patch(api, workflow, {"graph": v2, "message": "Greet politely, notify instead of done"})

    _sign_in(page, server, "vic")
    page.goto(f"{server.base_url}/workflows/{workflow}")
    expect(page.locator(".react-flow__node")).to_have_count(4)
    # A third version, saved from the versions dialog with its message: move a node first.
    box = page.locator(".react-flow__node[data-id='notify']").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 40, box["y"] + 120, steps=8)
    page.mouse.up()
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Versions").click()
    dialog = page.get_by_role("dialog", name="Version history")
    dialog.get_by_label("Save the draft as a version").fill("Move notify down")
    dialog.get_by_role("button", name="Save version").click()
    expect(dialog.get_by_role("status")).to_have_text("Saved as version 3.")
    expect(dialog.get_by_test_id("version-message")).to_have_text(
        ["Move notify down", "Greet politely, notify instead of done", "First cut"]
    )
    shot(page, "library-versions")

    dialog.get_by_label("Compare version 1").check()
    dialog.get_by_label("Compare version 2").check()
    dialog.get_by_role("button", name="Compare").click()
    diff = page.get_by_role("dialog", name="Compare version 1 with version 2")
    canvas = diff.get_by_test_id("diff-canvas")
    expect(canvas.locator(".react-flow__node.diff-added[data-id='notify']")).to_be_visible()
    expect(canvas.locator(".react-flow__node.diff-removed[data-id='done']")).to_be_visible()
    expect(canvas.locator(".react-flow__node.diff-changed[data-id='greet']")).to_be_visible()
    expect(canvas.locator(".react-flow__node.diff-same")).to_have_count(2)
    expect(canvas.locator(".react-flow__edge.diff-edge-added")).to_have_count(1)
    expect(canvas.locator(".react-flow__edge.diff-edge-removed")).to_have_count(1)
    expect(diff.get_by_role("list", name="Summary")).to_have_text("2 added2 removed1 changed")

    canvas.locator(".react-flow__node[data-id='greet']").click()
    fields = diff.get_by_test_id("node-diff")
    expression = fields.locator("tr[data-path='config.expression']")
    expect(expression.locator("td.before")).to_contain_text("'Hello '")
    expect(expression.locator("td.after")).to_have_text(json.dumps("'Dear ' & trigger.name"))
    expect(fields.locator("tr[data-path='name'] td.after")).to_have_text('"Greeting"')
    shot(page, "library-diff")
    # The diff covers the editor; the editor's own panels are not this screen's.
    assert serious(page, ".diff-view") == []
    diff.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog", name="Version history")).to_be_visible()
