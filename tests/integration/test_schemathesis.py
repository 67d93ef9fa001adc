"""Schemathesis against the committed OpenAPI schema and the real server: no server
error, no response that breaks the schema."""

import subprocess
import sys

import pytest

from tests.integration.server import ROOT

pytestmark = pytest.mark.integration

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "negative_data_rejection",
        "ignored_auth",
        "unsupported_method",
    ]
)


def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server_process, tmp_path):
    server = live_server_process
    token = server.create_user_with_token("fuzzer")
    # Some objects for the generated calls to find.
    server.manage(
        "shell",
        "-c",
        "from tests.factories import make_workflow; from django.contrib.auth import get_user_model; "
        "u = get_user_model().objects.get(username='fuzzer'); [make_workflow(u, name=f'W{i}') for i in range(3)]",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            str(ROOT / "openapi.yaml"),
            "--url",
            server.base_url,
            "-H",
            f"Authorization: Token {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            "25",
            "--seed",
            "20261125",
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--no-color",
            "--request-timeout",
            "20",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(result.stdout[-6000:])
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:]
