"""Validation warnings in the editor: a valid graph whose settings may surprise (retries on
an at-most-once step) shows the advice beside the problems list, and it never blocks."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_editor import _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

GRAPH = {
    "nodes": [
        {"id": "start", "type": "trigger.manual", "position": {"x": 0, "y": 0}, "config": {}},
        {
            "id": "charge",
            "type": "http.request",
            "position": {"x": 260, "y": 0},
            "config": {"method": "POST", "url": "https://payments.example/charge"},
            "delivery": "at_most_once",
            "retry": {"max_attempts": 3},
        },
    ],
    "edges": [{"id": "e1", "source": "start", "target": "charge"}],
}


def test_the_editor_shows_a_warning_on_retries_of_an_at_most_once_step(page, server):
    _sign_in(page, server, "wendy")
    owner = "get_user_model().objects.get(username='wendy')"
    server.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from designer import services; "
        f"services.workflow_create(owner={owner}, name='Charge', graph={GRAPH!r})",
    )
    page.reload()
    page.get_by_role("link", name="Charge").click()
    expect(page).to_have_url(re.compile(r"/workflows/\d+"))
    warnings = page.locator(".problems .warnings")
    expect(warnings).to_contain_text("1 warning")
    expect(warnings).to_contain_text("never sent again")
    expect(page.locator(".problems .ok")).to_contain_text("No problems")
    warnings.get_by_role("button").click()
    expect(page.locator(".panel input[aria-label='Node id']")).to_have_value("charge")
    shot(page, "30-editor-warning")
