"""Fix a failed step and resume, as a new user meets it in Debian's Chromium against the
real server: a run fails at a call with a wrong URL; in the run view's inspector the user
opens "Fix and resume", sees a bad URL refused naming the field, corrects it, and the same
run goes green with the finished step not called again; the change (old and new input, who)
is in the step's history and on the timeline. Then a step whose effect happened elsewhere
is given its output by hand and the run goes on without calling it."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_runs import Api, _sign_in, _status, e, n

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def _failing_workflow(api, ledger, name):
    return api.workflow(
        name,
        {
            "nodes": [
                n("start", "trigger.manual"),
                n("fetch", "http.request", {"method": "GET", "url": f"{ledger.base}/ok"}),
                n("charge", "http.request", {"method": "POST", "url": f"{ledger.base}/status/404"}),
                n("done", "transform", {"expression": "steps.charge.output.json.path"}),
            ],
            "edges": [e("start", "fetch"), e("fetch", "charge"), e("charge", "done")],
        },
    )


def _open_failed_step(page, server, api, run):
    _sign_in(page, server, api.username)
    page.goto(f"{server.base_url}/runs/{run}")
    expect(page.get_by_test_id("run-status")).to_have_text("failed")
    page.locator(".react-flow__node[data-id='charge']").click()
    expect(page.get_by_test_id("step-error")).to_contain_text("404")


def _replace_json(page, value):
    box = page.get_by_test_id("fix-json")
    box.fill(value)


def test_fix_a_failed_steps_input_and_resume_the_same_run(page, server, ledger):
    api = Api(server, "farah")
    run = api.run(_failing_workflow(api, ledger, "Charge customer"))
    assert api.wait(run)["status"] == "failed"
    calls_before = len(ledger.calls)
    _open_failed_step(page, server, api, run)
    expect(page.get_by_test_id("fix-offer")).to_be_visible()
    shot(page, "fix-01-failed-step-offers-a-fix")

    page.get_by_role("button", name="Fix and resume").click()
    editor = page.get_by_test_id("fix-editor")
    expect(page.get_by_test_id("fix-json")).to_have_value(re.compile(r"/status/404"))
    # A wrong URL is refused, naming the field; nothing is run.
    _replace_json(page, f'{{"method": "POST", "url": "ftp://{ledger.base[7:]}/fixed"}}')
    page.get_by_label("Why").fill("the path was wrong")
    editor.get_by_role("button", name="Run again with this input").click()
    expect(editor.get_by_role("alert")).to_contain_text("url")
    assert len(ledger.calls) == calls_before
    shot(page, "fix-02-bad-input-refused")

    _replace_json(page, f'{{"method": "POST", "url": "{ledger.base}/fixed"}}')
    editor.get_by_role("button", name="Run again with this input").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=15000)
    expect(_status(page, "charge")).to_have_class(re.compile("step-succeeded"))
    expect(_status(page, "done")).to_have_class(re.compile("step-succeeded"))
    assert page.url.endswith(f"/runs/{run}")  # the same run, not a new one
    # The history: the failed attempt, the fix (who, old and new input), the attempt that passed.
    expect(page.get_by_test_id("attempt")).to_have_count(2)
    fix = page.get_by_test_id("fix-entry")
    expect(fix).to_have_count(1)
    expect(fix).to_contain_text("Input changed by farah")
    expect(fix).to_contain_text("the path was wrong")
    fix.locator("summary").click()
    expect(page.get_by_test_id("fix-old")).to_contain_text("/status/404")
    expect(page.get_by_test_id("fix-new")).to_contain_text("/fixed")
    expect(page.get_by_test_id("step-input")).to_contain_text("/fixed")
    page.get_by_test_id("fix-new").scroll_into_view_if_needed()
    shot(page, "fix-03-resumed-green-with-history")

    page.click("button.tab:has-text('Timeline')")
    expect(page.locator(".gantt-row[data-node='charge'] [data-testid='gantt-fix']")).to_have_count(1)
    expect(page.locator(".gantt-row[data-node='charge'] .gantt-retried")).to_have_count(1)
    expect(page.locator(".gantt-row[data-node='charge'] .gantt-succeeded")).to_have_count(1)
    shot(page, "fix-04-timeline-shows-the-fix")

    detail = api.detail(run)
    assert detail["status"] == "succeeded" and {s["node_id"]: s for s in detail["steps"]}["done"]["output"] == "/fixed"
    paths = [c["path"] for c in ledger.calls[calls_before - 2 :]]
    assert paths == ["/ok", "/status/404", "/fixed"]  # fetch ran once: its output was kept


def test_enter_the_output_of_a_step_whose_effect_happened(page, server, ledger):
    api = Api(server, "gaspard")
    run = api.run(_failing_workflow(api, ledger, "Charge by hand"))
    assert api.wait(run)["status"] == "failed"
    calls_before = len(ledger.calls)
    _open_failed_step(page, server, api, run)
    page.get_by_role("button", name="Fix and resume").click()
    editor = page.get_by_test_id("fix-editor")
    editor.get_by_role("radio", name="Enter its output").click()
    _replace_json(page, '{"json": {"path": "/charged-by-phone"}}')
    expect(editor.get_by_role("button", name="Resume with this output")).to_be_enabled()
    shot(page, "fix-05-enter-output")
    editor.get_by_role("button", name="Resume with this output").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=15000)
    expect(page.get_by_test_id("fix-entry")).to_contain_text("Output entered by gaspard")
    assert len(ledger.calls) == calls_before  # not called again
    assert {s["node_id"]: s for s in api.detail(run)["steps"]}["done"]["output"] == "/charged-by-phone"
    shot(page, "fix-06-output-entered-green")
