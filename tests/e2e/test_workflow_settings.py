"""The workflow settings in the editor, in Debian's Chromium against the real server: set a
concurrency limit and its policy (a bad limit is refused before saving), then a run
started past the limit waits, its run view says why, and it can be cancelled while queued."""

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_runs import Api, _sign_in, e, n

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_set_a_concurrency_limit_in_the_editor_and_see_why_a_run_waits(page, server):
    api = Api(server, "kai")
    graph = {
        "nodes": [n("start", "trigger.manual"), n("pause", "wait", {"mode": "duration", "duration_s": 3600})],
        "edges": [e("start", "pause")],
    }
    workflow_id = api.workflow("Nightly export", graph)
    _sign_in(page, server, "kai")
    page.goto(f"{server.base_url}/workflows/{workflow_id}")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Settings").click()
    dialog = page.get_by_role("dialog", name="Workflow settings")
    limit = dialog.get_by_label("Concurrency limit")
    policy = dialog.get_by_label("When the limit is reached")
    expect(limit).to_have_value("")
    expect(policy).to_be_disabled()  # no limit: the policy does not apply yet
    limit.fill("0")
    expect(dialog.get_by_text("Enter a whole number of 1 or more")).to_be_visible()
    expect(dialog.get_by_role("button", name="Save settings")).to_be_disabled()
    limit.fill("1")
    expect(policy).to_be_enabled()
    policy.select_option("cancel_new")
    expect(dialog.get_by_text("It is created and cancelled at once")).to_be_visible()
    policy.select_option("queue")
    expect(dialog.get_by_text("It waits in a queue and starts as soon as a running one ends")).to_be_visible()
    shot(page, "settings-concurrency")
    dialog.get_by_role("button", name="Save settings").click()
    expect(dialog.get_by_role("status")).to_have_text("Saved. No new version was made.")
    saved = httpx.get(f"{server.base_url}/api/workflows/{workflow_id}/", headers=api.headers).json()
    assert (saved["concurrency_limit"], saved["concurrency_policy"], saved["latest_version"]) == (1, "queue", 1)
    dialog.get_by_role("button", name="Close").click()
    expect(page.get_by_test_id("unsaved")).to_have_count(0)  # the canvas was not reloaded or changed

    running = api.run(workflow_id)
    waiting = api.run(workflow_id)
    assert api.detail(running)["status"] == "running" and api.detail(waiting)["status"] == "queued"
    page.goto(f"{server.base_url}/runs/{waiting}")
    expect(page.get_by_test_id("run-status")).to_have_text("queued")
    expect(page.get_by_test_id("queued-reason")).to_contain_text("Waiting for a free slot: 1 of 1 runs of this workflow is running.")
    expect(page.locator(".react-flow__node")).to_have_count(2)
    shot(page, "run-queued")
    page.on("dialog", lambda confirm: confirm.accept())
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_test_id("run-status")).to_have_text("cancelled")
    expect(page.get_by_test_id("queued-reason")).to_have_count(0)
    assert httpx.post(f"{server.base_url}/api/runs/{running}/cancel/", headers=api.headers).status_code == 200
    # Reopened, the settings show what was saved.
    page.goto(f"{server.base_url}/workflows/{workflow_id}")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Settings").click()
    expect(page.get_by_role("dialog", name="Workflow settings").get_by_label("Concurrency limit")).to_have_value("1")
