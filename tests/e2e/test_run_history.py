"""A run's history in Debian's Chromium against the real server: a retry from failure keeps
the run's one start, is marked as a resume in the header and on the timeline, and the
duration spans the whole run; a rerun from a step marks the steps it reused on the canvas,
in the inspector and on the timeline; the timeline zooms, names its rows, and its legend
lists exactly the colours it draws; axe finds nothing serious on these screens."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import serious
from tests.e2e.conftest import shot
from tests.e2e.test_runs import Api, _sign_in, e, n

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def format_duration(ms):
    """frontend/src/format.ts formatDuration."""
    if ms < 1000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    return f"{ms // 60_000} min {round((ms % 60_000) / 1000)} s"


def _legend_matches_bars(page):
    drawn = set(page.locator(".gantt-track [data-kind]").evaluate_all("els => els.map((el) => el.dataset.kind)"))
    legend = set(page.locator(".gantt-legend li[data-kind]").evaluate_all("els => els.map((el) => el.dataset.kind)"))
    assert drawn and drawn == legend, (drawn, legend)
    return drawn


def test_a_retry_from_failure_keeps_one_start_and_marks_the_resume(page, server, ledger):
    api = Api(server, "olga")
    wf = api.workflow(
        "Sync invoices",
        {
            "nodes": [
                n("start", "trigger.manual", name="New invoice"),
                n("fetch", "http.request", {"method": "GET", "url": f"{ledger.base}/flaky/1/inv"}, name="Fetch invoice"),
                n("done", "noop", name="Mark synced"),
            ],
            "edges": [e("start", "fetch"), e("fetch", "done")],
        },
    )
    run = api.run(wf)
    failed = api.wait(run)
    assert failed["status"] == "failed"
    page.on("dialog", lambda dialog: dialog.accept())
    _sign_in(page, server, "olga")
    page.goto(f"{server.base_url}/runs/{run}")
    expect(page.get_by_test_id("run-status")).to_have_text("failed")
    page.click("text=Retry from failure")
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=15000)

    detail = api.detail(run)
    assert detail["started_at"] == failed["started_at"]  # one start: the retry kept it
    [resume] = detail["resumes"]
    assert resume["how"] == "retry" and resume["by"] == "olga"
    times = page.get_by_test_id("run-times")
    expect(page.get_by_test_id("run-resumes")).to_have_text("resumed 1\u00d7")
    expect(page.get_by_test_id("run-duration")).to_have_text(format_duration(detail["duration_ms"]))
    assert times.inner_text().count("started") == 1
    assert "retried from failure by olga" in page.get_by_test_id("run-resumes").get_attribute("title")
    shot(page, "history-01-retried-run-header")

    page.click("button.tab:has-text('Timeline')")
    row = page.locator(".gantt-row[data-node='fetch']")
    expect(row.locator(".gantt-name")).to_have_text("Fetch invoice")
    expect(row.locator(".gantt-name")).to_have_attribute("title", "fetch")
    expect(page.get_by_test_id("gantt-resume")).to_have_count(1)
    expect(page.get_by_test_id("gantt-resume-label")).to_contain_text("retry")
    # The resume line sits between the failed attempt (before it) and the one that passed.
    failed_bar = row.locator(".gantt-retried").bounding_box()
    passed_bar = row.locator(".gantt-succeeded").bounding_box()
    line = page.get_by_test_id("gantt-resume").bounding_box()
    assert failed_bar["x"] + failed_bar["width"] <= line["x"] + 1 and line["x"] <= passed_bar["x"] + 1
    _legend_matches_bars(page)
    assert page.locator(".gantt-legend li[data-mark='resume']").count() == 1
    assert serious(page) == []
    shot(page, "history-02-retried-run-timeline")


def test_a_rerun_from_a_step_marks_what_it_reused(page, server, ledger):
    api = Api(server, "pavel")
    wf = api.workflow(
        "Price quote",
        {
            "nodes": [
                n("start", "trigger.manual", name="Quote requested"),
                n("rates", "http.request", {"method": "GET", "url": f"{ledger.base}/ok"}, name="Fetch rates"),
                n("price", "transform", {"expression": "42"}, name="Compute price"),
            ],
            "edges": [e("start", "rates"), e("rates", "price")],
        },
    )
    first = api.run(wf)
    assert api.wait(first)["status"] == "succeeded"
    page.on("dialog", lambda dialog: dialog.accept())
    _sign_in(page, server, "pavel")
    page.goto(f"{server.base_url}/runs/{first}")
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded")
    page.locator(".react-flow__node[data-id='price']").click()
    page.click("button:has-text('Rerun from step')")
    expect(page).not_to_have_url(re.compile(rf"/runs/{first}$"))
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=15000)
    second = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert {s["node_id"]: s for s in api.detail(second)["steps"]}["rates"]["reused_from_run"] == first

    badge = page.locator(".react-flow__node[data-id='rates'] [data-reused]")
    expect(badge).to_have_text(f"reused from run #{first}")
    expect(page.locator(".react-flow__node[data-id='rates']")).not_to_contain_text("try")
    expect(page.locator(".react-flow__node[data-id='price'] [data-reused]")).to_have_count(0)
    page.locator(".react-flow__node[data-id='rates']").click()
    expect(page.get_by_role("complementary", name="Step inspector").get_by_role("heading", level=2)).to_have_text("Fetch rates")
    expect(page.get_by_test_id("inspector-reused")).to_contain_text(f"reused from run #{first}")
    expect(page.get_by_test_id("step-log")).to_contain_text(f"reused the output of run #{first}")
    assert serious(page) == []
    shot(page, "history-03-rerun-reused-canvas")

    page.click("button.tab:has-text('Timeline')")
    expect(page.locator(".gantt-row[data-node='rates'] .gantt-reused")).to_have_count(1)
    expect(page.locator(".gantt-row[data-node='rates'] [data-testid='reused-badge']")).to_have_text(f"reused #{first}")
    expect(page.locator(".gantt-row[data-node='price'] .gantt-reused")).to_have_count(0)
    assert "reused" in _legend_matches_bars(page)
    assert serious(page) == []
    shot(page, "history-04-rerun-reused-timeline")


def test_the_timeline_zooms_and_its_legend_is_what_it_draws(page, server, ledger):
    api = Api(server, "quinn")
    wf = api.workflow(
        "Nightly report",
        {
            "nodes": [
                n("start", "trigger.manual", name="Every night"),
                n("pause", "wait", {"mode": "duration", "duration_s": 0.8}, name="Let the books close"),
                n(
                    "pull",
                    "http.request",
                    {"method": "GET", "url": f"{ledger.base}/flaky/1/report"},
                    retry={"max_attempts": 2, "initial_s": 0.2, "jitter": False},
                    name="Pull the ledger",
                ),
                n("branch", "condition", {"expression": "false"}, name="Anything odd?"),
                n("alert", "noop", name="Alert the team"),
                n("join", "join", {"mode": "all"}, name="Both done"),
            ],
            "edges": [
                e("start", "pause"),
                e("start", "pull"),
                e("pull", "branch"),
                e("branch", "alert", "true"),
                e("pause", "join"),
                e("branch", "join", "false"),
            ],
        },
    )
    run = api.run(wf)
    assert api.wait(run)["status"] == "succeeded"
    _sign_in(page, server, "quinn")
    page.goto(f"{server.base_url}/runs/{run}")
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded")
    page.click("button.tab:has-text('Timeline')")
    axis = page.get_by_test_id("timeline-axis")
    expect(axis).to_be_visible()
    assert page.locator("[data-testid='timeline-axis']").count() == 1  # one time axis
    expect(page.locator(".gantt-row[data-node='pull'] .gantt-name")).to_have_text("Pull the ledger")
    drawn = _legend_matches_bars(page)
    assert {"succeeded", "retried", "waiting", "skipped"} <= drawn, drawn
    assert serious(page) == []
    shot(page, "history-05-timeline-fit")

    before = int(axis.get_attribute("data-step"))
    labels_before = axis.locator(".gantt-tick").all_inner_texts()
    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Zoom in").click()
    expect(page.get_by_test_id("timeline-zoom")).to_have_text("400%")
    after = int(axis.get_attribute("data-step"))
    assert after < before and axis.locator(".gantt-tick").all_inner_texts() != labels_before
    # Names stay in view while the chart scrolls sideways.
    page.locator(".gantt-scroll").evaluate("el => { el.scrollLeft = el.scrollWidth }")
    label = page.locator(".gantt-row[data-node='pull'] .gantt-name").bounding_box()
    box = page.locator(".gantt-scroll").bounding_box()
    assert box["x"] <= label["x"] < box["x"] + 240
    shot(page, "history-06-timeline-zoomed")

    page.get_by_role("button", name="Fit").click()
    expect(page.get_by_test_id("timeline-zoom")).to_have_text("100%")
    assert int(axis.get_attribute("data-step")) == before
    track = page.locator(".gantt-row[data-node='pull'] .gantt-track").bounding_box()
    page.mouse.move(track["x"] + track["width"] / 2, track["y"] + 4)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    expect(page.get_by_test_id("timeline-zoom")).not_to_have_text("100%")
    assert int(axis.get_attribute("data-step")) <= before


@pytest.mark.parametrize("width,height", [(1440, 900), (1024, 768)])
def test_the_runs_list_and_a_run_pass_axe_and_fit(page, server, width, height):
    api = Api(server, f"rosa{width}")
    wf = api.workflow(
        "Onboard a customer with a long workflow name",
        {"nodes": [n("start", "trigger.manual", name="Signed up"), n("hello", "noop", name="Say hello")], "edges": [e("start", "hello")]},
    )
    run = api.run(wf)
    api.wait(run)
    page.set_viewport_size({"width": width, "height": height})
    _sign_in(page, server, f"rosa{width}")
    page.click("nav >> text=Runs")
    row = page.locator(f"tr[data-run='{run}']")
    expect(row).to_contain_text("Onboard a customer")
    assert serious(page) == []
    # Nothing sideways: the page is no wider than the window.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    shot(page, f"history-07-runs-list-{width}")
    row.click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded")
    assert serious(page) == []
    # The run's actions are inside the window, the long name shortened to make room.
    for label in ("Rerun", "Rerun from step"):
        box = page.locator("header.toolbar").get_by_role("button", name=label, exact=True).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (label, box)
    page.click("button.tab:has-text('Timeline')")
    expect(page.get_by_test_id("timeline-axis")).to_be_visible()
    assert serious(page) == []
    shot(page, f"history-08-run-timeline-{width}")
