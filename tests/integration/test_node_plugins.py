"""Node plugins installed as an operator installs them: the example package and two broken
ones (tests/fixtures/plugins) are pip-installed into a directory of the test's own (the
shared environment untouched), which the server's and the worker's PYTHONPATH then holds.
The example's types are in the catalog with their package and version, and a workflow
using them succeeds; the broken plugins are logged, listed and skipped, and everything
else works. In Celery mode a worker process runs the plugin's step."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.celery_mode import worker_command
from tests.integration.http_helpers import wait_run as _wait_run
from tests.integration.server import ROOT, free_port, make_server

pytestmark = pytest.mark.integration

PACKAGES = ["examples/stepwise-example-nodes", "tests/fixtures/plugins/broken-import", "tests/fixtures/plugins/duplicate-name"]

GRAPH = {
    "nodes": [
        {"id": "start", "type": "trigger.manual", "config": {}, "position": {"x": 0, "y": 0}},
        {"id": "slug", "type": "example.slugify", "config": {"text": "{{ trigger.title }}"}, "position": {"x": 200, "y": 0}},
        {"id": "hash", "type": "example.hash", "config": {"text": "{{ steps.slug.output.slug }}"}, "position": {"x": 400, "y": 0}},
        {"id": "shape", "type": "transform", "config": {"expression": "steps.hash.output.digest"}, "position": {"x": 600, "y": 0}},
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "slug"},
        {"id": "e2", "source": "slug", "target": "hash"},
        {"id": "e3", "source": "hash", "target": "shape"},
    ],
}
# sha256("grusse-welt")
DIGEST = "3a9c051bf7f5ede19e5d7e635078a9958192249313ca0e31d73cd67b474accd0"


def install_plugins(root: Path) -> Path:
    """The three packages, installed with pip into `root`/site. Built from copies, so that
    setuptools' build/ and egg-info stay out of the checkout."""
    sources = []
    for package in PACKAGES:
        copy = root / "src" / Path(package).name
        shutil.copytree(ROOT / package, copy, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests"))
        sources.append(str(copy))
    target = root / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index"]
    subprocess.run(
        [*pip, "--target", str(target), *sources],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert sorted(p.name for p in target.glob("*.dist-info")) == [
        "stepwise_example_nodes-1.0.0.dist-info",
        "stepwise_fixture_broken-0.1.0.dist-info",
        "stepwise_fixture_duplicate-0.2.0.dist-info",
    ]
    return target


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return install_plugins(tmp_path_factory.mktemp("plugins"))


def _user_token(server) -> str:
    """A user and an API token in one command (each command's start is seconds on a busy machine)."""
    code = (
        "from django.contrib.auth import get_user_model; from accounts.tokens import token_create; "
        "print(token_create(owner=get_user_model().objects.create_user('author', password='plugin-pass-77'), name='test').key)"
    )
    return server.manage("shell", "-v", "0", "-c", code).strip().splitlines()[-1]


def _run_example(client: httpx.Client) -> dict[str, Any]:
    created = client.post("/api/workflows/", json={"name": "Plugins", "graph": GRAPH})
    assert created.status_code == 201 and created.json()["problems"] == [], created.text
    started = client.post(f"/api/workflows/{created.json()['id']}/runs/", json={"input": {"title": "Grüße, Welt!"}})
    assert started.status_code == 201, started.text
    detail = _wait_run(client, started.json()["id"])
    assert detail["status"] == "succeeded", detail
    steps = {step["node_id"]: step for step in detail["steps"]}
    assert steps["slug"]["output"] == {"slug": "grusse-welt", "length": 11}
    assert steps["hash"]["output"] == {"digest": DIGEST, "algorithm": "sha256", "encoding": "hex"}
    assert steps["shape"]["output"] == DIGEST
    return detail


def test_the_example_plugin_runs_and_the_broken_ones_are_skipped(tmp_path, site):
    server = make_server(tmp_path, PYTHONPATH=str(site)).start()
    try:
        token = _user_token(server)
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {token}"}, timeout=30) as client:
            catalog = {entry["type"]: entry for entry in client.get("/api/node-types/").json()}
            for name in ("example.slugify", "example.hash"):
                entry = catalog[name]
                assert (entry["package"], entry["version"], entry["builtin"]) == ("stepwise-example-nodes", "1.0.0", False)
            assert catalog["example.slugify"]["output_schema"]["required"] == ["slug", "length"]
            # The duplicate package's good entry point loads; the names it takes again do not.
            assert catalog["fixture.echo"]["package"] == "stepwise-fixture-duplicate"
            assert catalog["noop"]["builtin"] is True and catalog["noop"]["title"] == "No operation"
            assert catalog["example.slugify"]["title"] == "Slugify"
            assert len(catalog) == 15 + 3

            plugins = {(p["package"], p["entry_point"].split(" = ")[0]): p for p in client.get("/api/node-plugins/").json()}
            assert plugins[("stepwise-example-nodes", "slugify")]["types"] == ["example.slugify"]
            assert plugins[("stepwise-example-nodes", "hash")]["types"] == ["example.hash"]
            assert plugins[("stepwise-fixture-duplicate", "echo")]["error"] is None
            broken = plugins[("stepwise-fixture-broken", "broken")]
            assert broken["types"] == [] and broken["error"] == "ModuleNotFoundError: No module named 'stepwise_fixture_not_installed'"
            assert plugins[("stepwise-fixture-duplicate", "noop")]["error"] == "node type 'noop' is built in and cannot be overridden"
            assert plugins[("stepwise-fixture-duplicate", "slugify")]["error"] == (
                "node type 'example.slugify' is already defined by stepwise-example-nodes"
            )

            _run_example(client)
        log = (tmp_path / "daphne.log").read_text()
        assert (
            "node plugin stepwise-fixture-broken 0.1.0 (entry point 'broken = stepwise_fixture_broken.nodes:Broken') skipped: "
            "ModuleNotFoundError: No module named 'stepwise_fixture_not_installed'"
        ) in log
        assert "Traceback" not in log
        assert log.count(") skipped: ") == 3, log
    finally:
        server.stop()


@pytest.fixture
def private_redis(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def test_a_celery_worker_runs_the_plugins_step(tmp_path, site, private_redis):
    server = make_server(tmp_path, PYTHONPATH=str(site), CELERY_BROKER_URL=private_redis, REDIS_URL=private_redis).start()
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(worker_command("plugins", 1, loglevel="INFO"), cwd=ROOT, env=server.env, stdout=log, stderr=subprocess.STDOUT)
    try:
        token = _user_token(server)
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {token}"}, timeout=30) as client:
            _run_example(client)
    finally:
        worker.terminate()
        worker.wait(20)
        log.close()
        server.stop()
    worker_log = (tmp_path / "worker.log").read_text()
    assert "node plugin stepwise-example-nodes 1.0.0 (entry point 'hash = stepwise_example_nodes.hashing:node_types') loaded" in worker_log
    assert "stepwise.execute_step" in worker_log or "stepwise.execute_steps" in worker_log, worker_log[-3000:]
