"""axe-core (frontend/node_modules/axe-core, a dev dependency) run in the page under test.

`serious(page)` answers the critical and serious violations of what the page shows now,
each as "rule-id: help (targets)", so that a failing assertion names what to fix."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"


def violations(page, impacts=("critical", "serious"), context: str | None = None) -> list[str]:
    # page.evaluate runs over the DevTools protocol, so the page's CSP does not block axe.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found = page.evaluate(
        """async (context) => {
            const result = await window.axe.run(context ? document.querySelector(context) : document,
                {resultTypes: ['violations']});
            return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map((n) => n.target.join(' '))}));
        }""",
        context,
    )
    return [f"{v['id']} [{v['impact']}]: {v['help']} ({'; '.join(v['targets'])})" for v in found if v["impact"] in impacts]


def serious(page, context: str | None = None) -> list[str]:
    return violations(page, ("critical", "serious"), context)
