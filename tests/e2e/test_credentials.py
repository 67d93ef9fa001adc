"""Credentials in the browser: created from an HTTP step's panel ("Create new…"), used by
the step (the far side gets the bearer token), masked in what the UI shows of the run, and
listed on the Credentials page without the token."""

import re

import pytest
from playwright.sync_api import expect

from tests.credentials.servers import EchoServer
from tests.e2e.conftest import shot
from tests.e2e.test_editor import _select, _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

TOKEN = "tok_e2e_7c41d9a0b3f2"
MASK = "••••••"


def _graph(url):
    return {
        "nodes": [
            {"id": "start", "type": "trigger.manual", "position": {"x": 0, "y": 0}, "config": {}},
            {"id": "call", "type": "http.request", "position": {"x": 300, "y": 0}, "config": {"method": "GET", "url": url}},
        ],
        "edges": [{"id": "e1", "source": "start", "target": "call"}],
    }


@pytest.fixture
def echo():
    with EchoServer() as running:
        yield running


def test_create_a_credential_from_the_node_panel_and_run_with_it(page, server, echo):
    _sign_in(page, server, "nadia")
    owner = "get_user_model().objects.get(username='nadia')"
    server.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from designer import services; "
        f"services.workflow_create(owner={owner}, name='Charge', graph={_graph(echo.base + '/echo')!r})",
    )
    page.reload()
    page.get_by_role("link", name="Charge").click()
    expect(page).to_have_url(re.compile(r"/workflows/\d+"))

    # The picker: none yet, then "Create new…" opens the form, limited to the HTTP types.
    _select(page, "call")
    picker = page.locator(".panel select#root_credential")
    expect(picker).to_have_value("")
    expect(picker.locator("option").first).to_have_text("— none —")
    picker.scroll_into_view_if_needed()
    shot(page, "50-node-panel-credential-picker")
    picker.select_option(label="Create new…")
    dialog = page.get_by_role("dialog", name="New credential")
    expect(dialog).to_be_visible()
    kinds = dialog.get_by_label("Type").locator("option").all_inner_texts()
    assert "Bearer token" in kinds and "SMTP server" not in kinds, kinds
    dialog.get_by_label("Type").select_option(label="Bearer token")
    name = dialog.get_by_label("Name", exact=True)
    secret = dialog.get_by_label("Token")
    expect(secret).to_have_attribute("type", "password")
    expect(secret).to_have_attribute("autocomplete", "off")
    secret.fill(TOKEN)

    # A problem from the server shows on its field: a credential needs a name.
    dialog.get_by_role("button", name="Create credential").click()
    expect(dialog.locator(".field-error")).to_have_count(1)
    expect(name).to_have_attribute("aria-invalid", "true")
    name.fill("Payments API")
    expect(dialog.locator(".field-error")).to_have_count(0)
    shot(page, "51-credential-create-form")
    dialog.get_by_role("button", name="Create credential").click()
    expect(dialog).to_have_count(0)
    expect(picker.locator("option:checked")).to_have_text("Payments API (Bearer token)")
    shot(page, "53-node-panel-credential-selected")

    page.click("button:has-text('Save')")
    expect(page.get_by_test_id("version")).to_have_text("v1")
    page.get_by_role("button", name="▶ Run", exact=True).click()
    page.click("text=Start run")
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=15000)

    # The far side got the token; the UI shows the step's output with it masked.
    calls = [r for r in echo.requests if r["path"] == "/echo"]
    assert calls and calls[-1]["headers"].get("Authorization") == f"Bearer {TOKEN}", calls
    _select(page, "call")
    output = page.get_by_test_id("step-output")
    expect(output).to_contain_text(f"Bearer {MASK}")
    assert TOKEN not in output.inner_text() and TOKEN not in page.content()

    # The run page shows it masked too.
    page.click("nav >> text=Runs")
    page.locator("table.runs tbody tr").first.click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded")
    page.locator(".react-flow__node[data-id='call']").click()
    expect(page.get_by_test_id("step-output")).to_contain_text(f"Bearer {MASK}")
    assert TOKEN not in page.content()

    # The Credentials page lists it, says its token is set, and never shows it.
    page.click("nav >> text=Credentials")
    expect(page.get_by_role("heading", name="Credentials", exact=True)).to_be_visible()
    row = page.locator("table.credentials tbody tr", has_text="Payments API")
    expect(row).to_contain_text("Bearer token")
    expect(row).to_contain_text("token set")
    assert TOKEN not in page.content()

    # Test it against the echo server: the answer is inline, green.
    row.get_by_role("button", name="Test").click()
    page.get_by_label("URL to test Payments API against").fill(echo.base + "/echo")
    page.get_by_role("button", name="Test with this URL").click()
    expect(page.get_by_test_id("test-result")).to_contain_text("HTTP 200")
    expect(page.get_by_test_id("test-result")).to_have_class(re.compile(r"\bok\b"))
    shot(page, "52-credentials-page")

    # Edit: the token shows as set and stays so when left empty; the new name is saved.
    row.get_by_role("button", name="Edit").click()
    editing = page.get_by_role("dialog", name="Edit “Payments API”")
    token = editing.get_by_label("Token")
    expect(token).to_have_value("")
    expect(token).to_have_attribute("placeholder", "set — type to replace")
    expect(editing.get_by_label("Type")).to_have_value("Bearer token")
    shot(page, "54-credential-edit-form")
    editing.get_by_label("Name", exact=True).fill("Payments API (live)")
    editing.get_by_role("button", name="Save changes").click()
    expect(editing).to_have_count(0)
    renamed = page.locator("table.credentials tbody tr", has_text="Payments API (live)")
    expect(renamed).to_contain_text("token set")
    page.get_by_role("button", name="Test with this URL").click()
    expect(page.get_by_test_id("test-result")).to_contain_text("HTTP 200")
    assert echo.requests[-1]["headers"].get("Authorization") == f"Bearer {TOKEN}"

    # Delete, once confirmed.
    page.once("dialog", lambda confirm: confirm.accept())
    renamed.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="No credentials yet")).to_be_visible()
