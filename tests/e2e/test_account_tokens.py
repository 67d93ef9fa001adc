"""API tokens on the Account page, in Debian's Chromium against the real server: create one,
copy the key shown once, call the API with it, see it listed without its key, revoke it and
see the API refuse it."""

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_runs import Api, _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_create_a_token_copy_it_use_it_and_revoke_it(page, server):
    Api(server, "tara")
    _sign_in(page, server, "tara")
    page.get_by_role("link", name="Account", exact=True).click()
    expect(page.get_by_role("heading", name="Account", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Change password")).to_have_attribute("href", "/account/password/")

    form = page.get_by_role("form", name="Create a token")
    form.get_by_label("Name").fill("Deploy script")
    form.get_by_label("Expires").select_option(label="In 90 days")
    form.get_by_role("button", name="Create token").click()
    shown = page.get_by_test_id("new-token-key")
    expect(shown).to_be_visible()
    page.get_by_role("region", name="New token").get_by_role("button", name="Copy", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Copied to the clipboard.")).to_be_visible()
    key = page.evaluate("navigator.clipboard.readText()")
    assert key == shown.inner_text() and key.startswith("sw_")
    shot(page, "account-token-created")

    me = httpx.get(f"{server.base_url}/api/me/", headers={"Authorization": f"Token {key}"})
    assert me.status_code == 200 and me.json()["username"] == "tara"

    # Shown once: after a reload the key is nowhere on the page; the row says it was used.
    page.reload()
    row = page.locator("table.tokens tbody tr", has_text="Deploy script")
    expect(row).to_have_count(1)
    expect(page.get_by_test_id("new-token-key")).to_have_count(0)
    assert key not in page.content()
    expect(row.locator("td").nth(1)).to_have_text(key[:10] + "…")
    expect(row.locator("td").nth(4)).not_to_have_text("never")
    expect(row.locator("td").nth(3)).not_to_have_text("never")
    shot(page, "account-tokens")

    page.on("dialog", lambda confirm: confirm.accept())
    row.get_by_role("button", name="Revoke Deploy script").click()
    expect(row).to_have_count(0)
    refused = httpx.get(f"{server.base_url}/api/me/", headers={"Authorization": f"Token {key}"})
    assert refused.status_code == 401 and refused.json()["detail"] == "This token has been revoked."
