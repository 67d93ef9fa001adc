"""The OpenAPI schema is committed (openapi.yaml); this fails when the code has moved on.
Regenerate with `make schema`."""

import json
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_is_current(tmp_path):
    fresh = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(fresh), "--validate", "--fail-on-warn")
    committed = (ROOT / "openapi.yaml").read_text()
    assert fresh.read_text() == committed, "openapi.yaml is stale: run `make schema` and commit it"


def test_schema_is_served_to_signed_in_users(api):
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/workflows/{id}/validate/" in paths and "/api/node-types/" in paths
    # Every operation documents its JSON error body.
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert "404" in operation["responses"], (method, path)


def test_swagger_ui_is_served_without_a_cdn(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html and "cdn.jsdelivr" not in html


def test_generated_typescript_types_are_current(tmp_path):
    """frontend/src/api/generated/schema.d.ts is generated from the committed openapi.yaml
    by openapi-typescript (frontend/tools/openapi); this fails when it is stale."""
    import subprocess

    tool = ROOT / "frontend" / "tools" / "openapi"
    fresh = tmp_path / "schema.d.ts"
    # The options `make schema` generates with: those of the tool's `generate` script.
    script = json.loads((tool / "package.json").read_text())["scripts"]["generate"].split()
    options = script[2 : script.index("-o")]
    result = subprocess.run(
        [str(tool / "node_modules" / ".bin" / "openapi-typescript"), str(ROOT / "openapi.yaml"), *options, "-o", str(fresh)],
        cwd=tool,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    committed = (ROOT / "frontend" / "src" / "api" / "generated" / "schema.d.ts").read_text()
    assert fresh.read_text() == committed, "schema.d.ts is stale: run `make schema` and commit it"
