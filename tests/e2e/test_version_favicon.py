"""The version in the top bar (from GET /api/me/, core/version.py) and the favicon, served
under the Content-Security-Policy with no violation, at 1440x900 and 1024x768."""

import pytest
from playwright.sync_api import expect

from core.version import __version__
from tests.e2e.axe import serious
from tests.e2e.conftest import shot
from tests.e2e.test_csp import WATCH, _violations
from tests.e2e.test_editor import _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_top_bar_shows_the_version_and_the_favicon_loads(page, server):
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH)
    _sign_in(page, server, "vera")
    version = page.locator(".topbar .version")
    expect(version).to_have_text(f"v{__version__}")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href == "/static/favicon.svg"
    icon = page.request.get(server.base_url + href)
    assert icon.status == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert "#4f46e5" in icon.text()
    # The browser itself loads it: an <img> of the same URL under the page's policy.
    width = page.evaluate(
        """(src) => new Promise((done) => { const img = new Image(); img.onload = () => done(img.naturalWidth);
             img.onerror = () => done(0); img.src = src; })""",
        href,
    )
    assert width == 32
    assert _violations(page, console) == []
    assert serious(page) == []
    shot(page, "version-topbar-1440")
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(version).to_be_visible()
    box, nav = version.bounding_box(), page.locator(".topbar nav").bounding_box()
    assert box and nav and box["x"] + box["width"] <= nav["x"] + nav["width"]
    assert serious(page) == []
    shot(page, "version-topbar-1024")
