"""The editor with a large workflow, in Debian's Chromium against the real server:

    .venv/bin/python bench/canvas.py

- a 500-node, 600-edge workflow: time from navigation to the nodes in view drawn, and
  frame times while panning it (requestAnimationFrame deltas over a 2 s drag);
- the initial load's size (gzip): what / fetches before a workflow is opened, and the
  editor's chunk fetched when one is.
"""

from __future__ import annotations

import gzip
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.integration.server import make_server  # noqa: E402

NODES, EDGES = int(os.environ.get("BENCH_NODES", "500")), int(os.environ.get("BENCH_EDGES", "600"))
CHROMIUM = os.environ.get("STEPWISE_CHROMIUM", "/usr/bin/chromium")


def big_graph() -> dict[str, Any]:
    nodes = [{"id": "start", "type": "trigger.manual", "position": {"x": 0, "y": 0}, "config": {}}]
    for i in range(1, NODES):
        nodes.append({"id": f"n{i}", "type": "noop", "position": {"x": (i % 25) * 240, "y": (i // 25) * 110}, "config": {}})
    ids = [n["id"] for n in nodes]
    edges = [{"id": f"c{i}", "source": ids[i - 1], "source_port": "out", "target": ids[i], "target_port": "in"} for i in range(1, NODES)]
    for k in range(EDGES - len(edges)):
        a = 1 + (k * 7) % (NODES - 3)
        edges.append({"id": f"x{k}", "source": ids[a], "source_port": "out", "target": ids[a + 2], "target_port": "in"})
    return {"nodes": nodes, "edges": edges}


def bundle_sizes() -> dict[str, float]:
    dist = ROOT / "frontend" / "dist"
    html = (dist / "index.html").read_text()
    initial = [dist / "index.html"] + [
        dist / p.lstrip("/").removeprefix("static/") for p in re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    ]
    editor = [p for p in (dist / "assets").glob("Editor-*")]

    def size(paths: list[Path]) -> int:
        return sum(len(gzip.compress(p.read_bytes(), 9)) for p in paths)

    return {"initial_gzip_kb": size(initial) / 1024, "editor_chunk_gzip_kb": size(editor) / 1024}


def main() -> None:
    from playwright.sync_api import sync_playwright

    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        server = make_server(Path(tmp)).start()
        try:
            token = server.create_user_with_token("bench", password="s3cret-pass-word")
            workflow = httpx.post(
                f"{server.base_url}/api/workflows/",
                json={"name": "big", "graph": big_graph()},
                headers={"Authorization": f"Token {token}"},
                timeout=60,
            ).json()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                page.goto(f"{server.base_url}/login/")
                page.fill("input[name=username]", "bench")
                page.fill("input[name=password]", "s3cret-pass-word")
                page.click("button[type=submit]")
                page.wait_for_url(f"{server.base_url}/")
                renders = []
                for _ in range(3):
                    started = time.perf_counter()
                    page.goto(f"{server.base_url}/workflows/{workflow['id']}")
                    # The canvas draws the nodes in view (all of them below 150 nodes): rendered = the
                    # first frame with nodes, after the graph is loaded and laid out.
                    page.wait_for_function("document.querySelectorAll('.react-flow__node').length > 0", timeout=60000)
                    renders.append((time.perf_counter() - started) * 1000)
                drawn = page.evaluate("document.querySelectorAll('.react-flow__node').length")
                page.evaluate(
                    "() => { window.__frames = []; let last = performance.now();"
                    " const tick = (t) => { window.__frames.push(t - last); last = t;"
                    " if (window.__frames.length < 100000) requestAnimationFrame(tick) };"
                    " requestAnimationFrame(tick) }"
                )
                box = page.locator(".react-flow__pane").bounding_box()
                assert box is not None, "the canvas is not visible"
                cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
                page.evaluate("() => { window.__frames = [] }")
                page.mouse.move(cx, cy)
                page.mouse.down()
                for step in range(120):
                    page.mouse.move(cx - step * 4, cy - step * 2)
                    page.wait_for_timeout(16)
                page.mouse.up()
                frames = page.evaluate("() => window.__frames.slice(1)")
                browser.close()
        finally:
            server.stop()
    q = statistics.quantiles(frames, n=100)
    sizes = bundle_sizes()
    print(f"\n{NODES} nodes, {EDGES} edges in Chromium (headless, software rendering)")
    runs = ", ".join(f"{r:.0f}" for r in renders)
    fps = 1000 / statistics.mean(frames)
    median = statistics.median(renders)
    print(f"time to first render (navigation to the nodes in view drawn, {drawn} of {NODES}): median {median:.0f} ms ({runs})")
    print(f"frame time while panning: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, max {max(frames):.1f} ms, {len(frames)} frames, {fps:.0f}fps")
    initial, editor = sizes["initial_gzip_kb"], sizes["editor_chunk_gzip_kb"]
    print(f"initial load (list page): {initial:.1f} kB gzip; editor chunk: {editor:.1f} kB gzip; elkjs loads on auto-layout only")


if __name__ == "__main__":
    main()
