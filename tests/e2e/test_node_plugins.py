"""The example plugin in the editor: its node is in the palette, the tooltip and the
detail view name its package, and a run of it succeeds on the canvas."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_editor import _select, _sign_in
from tests.integration.server import make_server
from tests.integration.test_node_plugins import install_plugins

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

GRAPH = {
    "nodes": [
        {"id": "start", "type": "trigger.manual", "position": {"x": 0, "y": 0}, "config": {}},
        {"id": "slug", "type": "example.slugify", "position": {"x": 260, "y": 0}, "config": {"text": "{{ trigger.title }}"}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "slug"}],
}


@pytest.fixture(scope="module")
def plugin_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugins-e2e")
    running = make_server(root, PYTHONPATH=str(install_plugins(root)))
    try:
        yield running.start()
    finally:
        running.stop()


def test_the_example_plugin_in_the_palette_and_on_the_canvas(page, plugin_server):
    server = plugin_server
    _sign_in(page, server, "pia")
    owner = "get_user_model().objects.get(username='pia')"
    server.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from designer import services; "
        f"services.workflow_create(owner={owner}, name='Slugs', graph={GRAPH!r})",
    )
    page.reload()
    page.get_by_role("link", name="Slugs").click()
    expect(page).to_have_url(re.compile(r"/workflows/\d+"))

    page.get_by_label("Search nodes").fill("slug")
    item = page.locator(".palette-item[data-type='example.slugify']")
    expect(item).to_have_attribute("title", re.compile(r"From the plugin stepwise-example-nodes 1\.0\.0\."))
    expect(page.locator(".palette-item[data-type='noop']")).to_have_count(0)
    # A built-in type's tooltip names no package.
    page.get_by_label("Search nodes").fill("transform")
    expect(page.locator(".palette-item[data-type='transform']")).not_to_have_attribute("title", re.compile("plugin"))
    page.get_by_label("Search nodes").fill("")

    page.get_by_role("button", name="▶ Run", exact=True).click()
    page.fill("textarea[aria-label='Run input']", json.dumps({"title": "Grüße, Welt!"}))
    page.click("text=Start run")
    expect(page.locator(".react-flow__node[data-id='slug'] .step")).to_have_class(re.compile("step-succeeded"), timeout=20000)

    _select(page, "slug")
    page.locator(".panel").get_by_role("button", name="Open details").click()
    view = page.get_by_test_id("node-detail")
    expect(view.get_by_test_id("detail-plugin")).to_have_text(" · plugin stepwise-example-nodes 1.0.0")
    expect(view.get_by_test_id("output-pane")).to_contain_text("grusse-welt")
    shot(page, "plugin-node-detail")
