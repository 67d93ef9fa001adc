"""axe-core (tests/e2e/axe.py) on the screens a user spends their time on, each with real
content in it: the workflow list (tags, last runs), the editor with a node selected (a
sticky note, a condition with two ports, a failed run's statuses), the runs list, a failed
run with its failed step in the inspector, and its timeline. 0 critical and 0 serious
violations, at 1440 and at 1024 px."""

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import serious
from tests.e2e.conftest import shot
from tests.e2e.test_runs import Api, _sign_in, e, n

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


@pytest.mark.parametrize("width,height", [(1440, 900), (1024, 768)])
def test_the_main_screens_have_no_serious_accessibility_violations(page, server, ledger, width, height):
    api = Api(server, f"axe{width}")
    graph = {
        "nodes": [
            n("start", "trigger.manual", name="Order placed"),
            n("check", "condition", {"expression": "trigger.total > 100"}, name="Big order?"),
            n("big", "transform", {"expression": "'big'"}, name="Flag it"),
            n("broken", "fail", {"message": "No stock for this order"}, name="Reserve stock"),
        ],
        "edges": [e("start", "check"), e("check", "big", "true"), e("check", "broken", "false")],
        "notes": [
            {
                "id": "note1",
                "text": "# Orders\nBig orders are **flagged**.",
                "position": {"x": 40, "y": 320},
                "width": 220,
                "height": 120,
                "color": "yellow",
            }
        ],
    }
    wf = api.workflow("Orders", graph)
    api.wait(api.run(wf, {"total": 500}))
    failed = api.run(wf, {"total": 5})
    assert api.wait(failed)["status"] == "failed"
    page.set_viewport_size({"width": width, "height": height})
    _sign_in(page, server, f"axe{width}")

    expect(page.locator("tr", has_text="Orders")).to_be_visible()
    assert serious(page) == [], "workflow list"

    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.locator(".react-flow__node[data-id='check']")).to_be_visible()
    page.locator(".react-flow__node[data-id='check']").click()
    expect(page.locator(".panel input[aria-label='Node id']")).to_have_value("check")
    assert serious(page) == [], "editor with a node selected"
    shot(page, f"axe-editor-{width}")

    page.get_by_role("link", name="Runs", exact=True).first.click()
    expect(page.locator(f"tr[data-run='{failed}']")).to_be_visible()
    assert serious(page) == [], "runs list"

    page.locator(f"tr[data-run='{failed}']").click()
    expect(page.get_by_test_id("run-status")).to_have_text("failed")
    page.locator(".react-flow__node[data-id='broken']").click()
    expect(page.locator("aside.panel")).to_contain_text("No stock for this order")
    assert serious(page) == [], "run view with the failed step in the inspector"
    shot(page, f"axe-run-{width}")

    page.click("button.tab:has-text('Timeline')")
    expect(page.get_by_test_id("timeline-axis")).to_be_visible()
    assert serious(page) == [], "timeline"
    shot(page, f"axe-timeline-{width}")
