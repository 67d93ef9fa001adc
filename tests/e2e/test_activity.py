"""The Activity page in Debian's Chromium against the real server: edit a workflow in the
editor, save, follow its Activity link and read the entry (who, what, which version, from
where), then the whole log from the top bar with a filter; a deleted workflow's entries
still read, without a link."""

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_editor import _select
from tests.e2e.test_runs import Api, _sign_in, e, n

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_an_edit_shows_on_the_workflows_activity_page(page, server):
    api = Api(server, "noor")
    workflow_id = api.workflow("Invoice sync", {"nodes": [n("start", "trigger.manual"), n("tidy", "noop")], "edges": [e("start", "tidy")]})
    _sign_in(page, server, "noor")
    page.goto(f"{server.base_url}/workflows/{workflow_id}")
    _select(page, "tidy")
    page.get_by_role("complementary", name="Node settings").get_by_label("Name").fill("Tidy the rows")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("version")).to_have_text("v2")
    shot(page, "activity-editor-toolbar")

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Activity").click()
    expect(page).to_have_url(f"{server.base_url}/workflows/{workflow_id}/activity")
    expect(page.get_by_role("heading", name="Activity · Invoice sync")).to_be_visible()
    rows = page.locator("table.activity tbody tr")
    expect(rows).to_have_count(2)  # the edit, newest first, and the creation (through the API)
    edit = rows.nth(0)
    expect(edit).to_have_attribute("data-action", "workflow.changed")
    expect(edit).to_contain_text("noor")
    expect(edit).to_contain_text("changed workflow (new version)")
    expect(edit).to_contain_text("v2")
    expect(edit).to_contain_text("browser")
    expect(edit).to_contain_text("127.0.0.1")
    expect(edit.get_by_role("link", name="Invoice sync")).to_have_attribute("href", f"/workflows/{workflow_id}")
    created = rows.nth(1)
    expect(created).to_have_attribute("data-action", "workflow.created")
    expect(created).to_contain_text("API token")
    shot(page, "activity-workflow")

    # The whole log from the top bar: the sign-in too; filtered to edits, the one row.
    page.get_by_role("navigation").get_by_role("link", name="Activity").click()
    expect(page).to_have_url(f"{server.base_url}/activity")
    expect(page.locator("table.activity tbody tr[data-action='auth.signed_in']")).to_have_count(1)
    page.get_by_label("Action").select_option(label="Saved a new version")
    expect(page.locator("table.activity tbody tr")).to_have_count(1)
    expect(page.locator("table.activity tbody tr")).to_contain_text("Invoice sync")
    page.get_by_label("Action").select_option("")
    shot(page, "activity-all")

    # Deleted, the workflow's entries still read by its name, and no longer link to it.
    assert httpx.delete(f"{server.base_url}/api/workflows/{workflow_id}/", headers=api.headers).status_code == 204
    page.goto(f"{server.base_url}/workflows/{workflow_id}/activity")
    expect(page.get_by_role("heading", name="Activity · Invoice sync (deleted)")).to_be_visible()
    rows = page.locator("table.activity tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_attribute("data-action", "workflow.deleted")
    expect(rows.nth(0)).to_contain_text("Invoice sync (deleted)")
    expect(page.locator("table.activity").get_by_role("link", name="Invoice sync")).to_have_count(0)
    shot(page, "activity-deleted")


def test_a_run_started_through_the_api_links_to_the_run(page, server):
    api = Api(server, "omar")
    graph = {"nodes": [n("start", "trigger.manual"), n("done", "noop")], "edges": [e("start", "done")]}
    workflow_id = api.workflow("Nightly report", graph)
    run_id = api.run(workflow_id)
    api.wait(run_id)
    _sign_in(page, server, "omar")
    page.goto(f"{server.base_url}/activity")
    row = page.locator("table.activity tbody tr[data-action='run.started']")
    expect(row).to_contain_text("started run")
    expect(row).to_contain_text("through the API · v1")
    expect(row).to_contain_text("API token")
    expect(row.get_by_role("link", name=f"Nightly report #{run_id}")).to_have_attribute("href", f"/runs/{run_id}")
    shot(page, "activity-run")
    row.get_by_role("link", name="workflow activity").click()
    expect(page).to_have_url(f"{server.base_url}/workflows/{workflow_id}/activity")
    expect(page.locator("table.activity tbody tr")).to_have_count(2)  # the run's entry and the creation
