"""The app under its Content-Security-Policy (config/settings/base.py) in Chromium: the sign-in
page, the workflow list, the editor with its canvas and a layout, and the API docs load
with no CSP violation (reported by the browser's securitypolicyviolation events and its
console)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_editor import _drop, _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

# Playwright's init scripts run outside the page's policy: they can watch it.
WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || ''));
});
"""


def _violations(page, console):
    seen = page.evaluate("window.__cspViolations")
    return seen + [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m]


def test_the_app_and_the_api_docs_load_under_the_policy(page, server):
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH)
    response = page.goto(server.base_url + "/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert _violations(page, console) == []
    _sign_in(page, server, "carla")
    assert _violations(page, console) == []
    page.fill("input[aria-label='New workflow name']", "Under policy")
    page.click("text=Create workflow")
    expect(page.locator(".canvas-empty")).to_be_visible()
    _drop(page, "trigger.manual", 120, 220)
    _drop(page, "noop", 420, 220)
    expect(page.locator(".react-flow__node")).to_have_count(2)
    assert _violations(page, console) == []
    page.goto(server.base_url + "/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Stepwise API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert _violations(page, console) == []
