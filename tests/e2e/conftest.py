"""Browser tests: the real server (daphne) as a subprocess and Debian's Chromium driven by
Playwright (never `playwright install`)."""

import os
from pathlib import Path

import pytest

from tests.engine.harness import Ledger
from tests.integration.server import make_server

CHROMIUM = os.environ.get("STEPWISE_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = Path(os.environ.get("STEPWISE_SCREENSHOTS", Path(__file__).resolve().parents[2] / "var" / "screenshots"))


@pytest.fixture(scope="module")
def ledger():
    with Ledger() as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory, ledger):
    running = make_server(tmp_path_factory.mktemp("e2e"), STEPWISE_HTTP_ALLOWED_NETWORKS="127.0.0.1/32")
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: apt-get install -y chromium (the CI script does)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    opened = context.new_page()
    yield opened
    context.close()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
