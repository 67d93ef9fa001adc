"""The editor's plumbing as a user meets it: the versions dialog names who saved each
version (the API's `author`), and an edit made while a save is on its way stays unsaved."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_editor import _drop, _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def _new_workflow(page, name):
    page.fill("input[aria-label='New workflow name']", name)
    page.click("text=Create workflow")
    expect(page).to_have_url(re.compile(r"/workflows/\d+"))
    expect(page.locator(".canvas-empty")).to_be_visible()


def test_the_versions_dialog_names_who_saved_each_version(page, server):
    _sign_in(page, server, "vera")
    _new_workflow(page, "Authored")
    _drop(page, "trigger.manual", 120, 200)
    page.click("button:has-text('Save')")
    expect(page.get_by_test_id("version")).to_have_text("v1")
    _drop(page, "noop", 420, 200)
    page.click("button:has-text('Save')")
    expect(page.get_by_test_id("version")).to_have_text("v2")

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Versions").click()
    dialog = page.get_by_role("dialog", name="Version history")
    expect(dialog.locator("tr")).to_have_count(2)
    expect(dialog.get_by_test_id("version-author")).to_have_text(["vera", "vera"])
    shot(page, "60-versions-author")


def test_an_edit_made_while_saving_stays_unsaved(page, server):
    _sign_in(page, server, "sam")
    _new_workflow(page, "Busy")
    _drop(page, "trigger.manual", 120, 200)

    # Hold the save's PATCH until the next edit is made, then let it through.
    held = []
    page.route(
        re.compile(r"/api/workflows/\d+/$"), lambda route: held.append(route) if route.request.method == "PATCH" else route.fallback()
    )
    page.click("button:has-text('Save')")
    expect(page.get_by_role("button", name="Saving…")).to_be_visible()
    assert len(held) == 1
    page.locator(".palette-item[data-type='noop']").dblclick()
    expect(page.locator(".react-flow__node")).to_have_count(2)
    held[0].continue_()

    expect(page.get_by_test_id("version")).to_have_text("v1")
    expect(page.get_by_role("status")).to_have_text("Saved as version 1.")
    # The node added during the save is not in version 1: the editor still says so.
    expect(page.get_by_test_id("unsaved")).to_be_visible()
    shot(page, "61-edit-during-save")
    page.unroute(re.compile(r"/api/workflows/\d+/$"))
    page.click("button:has-text('Save')")
    expect(page.get_by_test_id("version")).to_have_text("v2")
    expect(page.get_by_test_id("unsaved")).to_have_count(0)
