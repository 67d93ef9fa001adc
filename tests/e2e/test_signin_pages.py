"""The sign-in pages in Debian's Chromium against the real server: the link to reset a
forgotten password, the lockout's message after too many wrong passwords, and the password
change page of a signed-in user, each in the sign-in card's look."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_runs import PASSWORD, Api, _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_forgot_password_link_and_the_reset_page(page, server):
    page.goto(server.base_url + "/login/")
    shot(page, "signin")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    shot(page, "password-reset")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text("If an account has that address")
    shot(page, "password-reset-sent")


def test_too_many_wrong_passwords_lock_the_account_with_a_clear_message(page, server):
    Api(server, "lena")
    for _ in range(10):
        page.goto(server.base_url + "/login/")
        page.fill("input[name=username]", "lena")
        page.fill("input[name=password]", "not-it")
        page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_have_text("Too many failed sign-ins; try again in 15 minutes.")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_have_text("Too many failed sign-ins; try again in 15 minutes.")
    shot(page, "signin-locked")


def test_the_password_change_page(page, server):
    Api(server, "omar")
    _sign_in(page, server, "omar")
    page.get_by_role("link", name="Account", exact=True).click()
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    page.get_by_label("Old password").fill("wrong")
    page.get_by_label("New password", exact=True).fill("x")
    page.get_by_label("New password confirmation").fill("x")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    shot(page, "password-change-errors")
