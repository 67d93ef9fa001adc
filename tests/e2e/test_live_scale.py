"""Large graphs, live, in Debian's Chromium against the real server (issue 18): a 300-node
run shows its end on the canvas within moments of the database having it, in the editor
and in the run view, without refetching the run per event; a 500-node run's graph fits in
the run view whole."""

import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.axe import serious
from tests.e2e.conftest import shot
from tests.e2e.test_runs import Api, _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
TERMINAL = ("succeeded", "failed", "cancelled", "compensated")
COLUMNS = 25


def chain(size, *, extra_edges=0, wait_s=None):
    """start -> (a wait, when asked) -> transform chain of `size` nodes in all, in a grid of 25
    columns; `extra_edges` edges skip one node ahead (fan-in on every node they reach)."""
    nodes = [{"id": "start", "type": "trigger.manual", "config": {}}]
    if wait_s:
        nodes.append({"id": "hold", "type": "wait", "config": {"mode": "duration", "duration_s": wait_s}})
    while len(nodes) < size:
        # A small output of its own: a noop passes its inputs on, which doubles at each fan-in.
        nodes.append({"id": f"n{len(nodes)}", "type": "transform", "config": {"expression": "1"}})
    for i, node in enumerate(nodes):
        node["position"] = {"x": (i % COLUMNS) * 240, "y": (i // COLUMNS) * 110}
    ids = [node["id"] for node in nodes]
    edges = [{"id": f"c{i}", "source": ids[i - 1], "source_port": "out", "target": ids[i], "target_port": "in"} for i in range(1, size)]
    first = 2 if wait_s else 1
    skips, k = set(), 0
    while len(skips) < extra_edges:
        skips.add(first + (k * 101) % (size - first - 2))  # 101: prime to every span used here
        k += 1
    for a in sorted(skips):
        edges.append({"id": f"x{a}", "source": ids[a], "source_port": "out", "target": ids[a + 2], "target_port": "in"})
    return {"nodes": nodes, "edges": edges}


def create(api, name, graph):
    r = httpx.post(f"{api.base}/api/workflows/", json={"name": name, "graph": graph}, headers=api.headers, timeout=60)
    assert r.status_code == 201 and r.json()["problems"] == [], r.text[:2000]
    return r.json()["id"]


def detail_gets(page, run_id):
    """The GETs of the run's detail the page makes from now on (a list that grows)."""
    seen = []
    pattern = re.compile(rf"/api/runs/{run_id}/(\?.*)?$")
    page.on("request", lambda request: request.method == "GET" and pattern.search(request.url) and seen.append(request.url))
    return seen


def watch_the_end(page, api, run_id, timeout=60):
    """Poll the database (the API) and the canvas together: when each first says the run
    ended. The canvas's moment is when its run badge shows the database's status."""
    deadline = time.monotonic() + timeout
    in_db = on_canvas = None
    status = None
    badge = page.get_by_test_id("run-status")
    while time.monotonic() < deadline and (in_db is None or on_canvas is None):
        if in_db is None:
            detail = api.detail(run_id)
            if detail["status"] in TERMINAL and detail["finished_at"]:
                in_db, status = time.monotonic(), detail["status"]
        if on_canvas is None and badge.count() and (badge.text_content() or "") in TERMINAL:
            on_canvas = time.monotonic()
        page.wait_for_timeout(25)
    assert in_db is not None, f"run {run_id} did not end in {timeout} s"
    assert on_canvas is not None, "the canvas never showed the run's end"
    expect(badge).to_have_text(status)
    return status, on_canvas - in_db


def test_the_editor_shows_a_300_node_runs_end_at_once_without_refetching_per_event(page, server):
    api = Api(server, "rosa")
    wf = create(api, "Three hundred", chain(300, extra_edges=40))
    _sign_in(page, server, "rosa")
    page.goto(f"{server.base_url}/workflows/{wf}")
    expect(page.locator(".react-flow__node").first).to_be_visible(timeout=20000)
    requests = []
    page.on("request", lambda request: request.method == "GET" and "/api/runs/" in request.url and requests.append(request.url))
    page.get_by_role("button", name="▶ Run", exact=True).click()
    page.click("text=Start run")
    link = page.get_by_test_id("runbar").get_by_role("link")
    expect(link).to_have_text(re.compile(r"Run #\d+"))
    run_id = int(re.search(r"\d+", link.text_content()).group())
    status, gap = watch_the_end(page, api, run_id)
    assert status == "succeeded"
    assert gap < 2, f"the canvas showed the end {gap:.2f} s after the database had it"
    # Every node drawn shows its step's status; one refetch at the end brings the outputs.
    expect(page.locator(".react-flow__node .step-succeeded").first).to_be_visible()
    assert page.locator(".react-flow__node .step:not(.step-succeeded)").count() == 0
    page.wait_for_timeout(500)
    gets = [url for url in requests if re.search(rf"/api/runs/{run_id}/(\?.*)?$", url)]
    assert len(gets) < 10, f"{len(gets)} GETs of the run's detail"
    shot(page, "live-scale-editor-300-done")


def test_the_run_view_follows_a_300_node_run_live_without_refetching_per_event(page, server):
    api = Api(server, "ines")
    wf = create(api, "Three hundred, held", chain(300, extra_edges=40, wait_s=2))
    _sign_in(page, server, "ines")
    run_id = api.run(wf)
    gets = detail_gets(page, run_id)
    page.goto(f"{server.base_url}/runs/{run_id}")
    expect(page.locator(".react-flow__node[data-id='hold'] .step")).to_have_class(re.compile("step-(waiting|running|queued)"))
    assert api.detail(run_id)["status"] == "running"  # the chain runs while the page watches
    status, gap = watch_the_end(page, api, run_id)
    assert status == "succeeded"
    assert gap < 2, f"the run view showed the end {gap:.2f} s after the database had it"
    assert page.locator(".react-flow__node .step:not(.step-succeeded)").count() == 0
    page.wait_for_timeout(500)
    assert len(gets) < 10, f"{len(gets)} GETs of the run's detail"
    # After the end's refetch the edges carry by the ports the steps took.
    assert page.locator(".react-flow__edge.edge-carried").count() == 339
    shot(page, "live-scale-runview-300-done")
    assert serious(page) == []


@pytest.mark.parametrize("viewport", [(1440, 900), (1024, 768)])
def test_a_500_node_run_fits_the_run_view_and_the_editor_whole(page, server, viewport):
    width, height = viewport
    api = Api(server, f"vera{width}")
    wf = create(api, "Five hundred", chain(500, extra_edges=100))
    run_id = api.run(wf)
    assert api.wait(run_id, timeout=60)["status"] == "succeeded"
    page.set_viewport_size({"width": width, "height": height})
    _sign_in(page, server, f"vera{width}")
    for path, name in ((f"/runs/{run_id}", "runview"), (f"/workflows/{wf}", "editor")):
        page.goto(server.base_url + path)
        expect(page.locator(".react-flow__node")).to_have_count(500, timeout=30000)
        page.wait_for_timeout(600)  # the fit's transition
        outside = page.evaluate(
            """() => { const box = document.querySelector('.react-flow').getBoundingClientRect();
                return [...document.querySelectorAll('.react-flow__node')].filter((n) => {
                  const r = n.getBoundingClientRect();
                  return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1
                }).map((n) => n.dataset.id) }"""
        )
        shot(page, f"live-scale-{name}-500-{width}x{height}")
        assert outside == [], f"{len(outside)} nodes outside the {name}'s canvas: {outside[:5]}"
