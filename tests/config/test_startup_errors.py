"""A bad environment value stops every entry point with one line naming the variable on
stderr and exit code 2, not a traceback (config/env.py: EnvError, load_settings_or_exit)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

BAD_VALUES = [
    ("STEPWISE_LEASE_S", "abc", "STEPWISE_LEASE_S='abc' is not a number"),
    ("DATABASE_URL", "nonsense://", "DATABASE_URL must start with postgres:// or sqlite:///"),
    ("STEPWISE_ENCRYPTION_KEY", "not-a-key", "STEPWISE_ENCRYPTION_KEY: key 1 is not a Fernet key"),
    ("REDIS_URL", "http://cache.invalid", "REDIS_URL must be a URL with scheme redis"),
    ("STEPWISE_SIGNIN_MAX_FAILURES", "0", "STEPWISE_SIGNIN_MAX_FAILURES=0 is below the minimum of 1"),
    ("DEBUG", "sometimes", "DEBUG='sometimes' is not a boolean"),
]


def _run(args: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"STEPWISE_VAR_DIR": str(tmp_path), **extra})
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)


def _assert_one_line(result: subprocess.CompletedProcess[str], name: str, expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"stepwise: {name}")
    assert expected in lines[0]


@pytest.mark.parametrize(("name", "value", "expected"), BAD_VALUES, ids=[name for name, _, _ in BAD_VALUES])
def test_manage_py_prints_one_line_and_exits_2(tmp_path, name, value, expected):
    _assert_one_line(_run(["manage.py", "check"], tmp_path, **{name: value}), name, expected)


@pytest.mark.parametrize("module", ["config.asgi", "config.celery"])
def test_server_and_worker_entry_points_print_one_line_and_exit_2(tmp_path, module):
    """daphne imports config.asgi, `celery -A config worker` imports config.celery."""
    result = _run(["-c", f"import {module}"], tmp_path, STEPWISE_LEASE_S="abc")
    _assert_one_line(result, "STEPWISE_LEASE_S", "STEPWISE_LEASE_S='abc' is not a number")


def test_good_environment_still_checks(tmp_path):
    result = _run(["manage.py", "check"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "args",
    [["-m", "daphne", "-p", "0", "config.asgi:application"], ["-m", "celery", "-A", "config", "worker"]],
    ids=["daphne", "celery-worker"],
)
def test_the_real_processes_stop_before_serving(tmp_path, args):
    """The commands `make run` and a deployment start: they exit at once, without a traceback."""
    result = _run(args, tmp_path, STEPWISE_LEASE_S="abc")
    _assert_one_line(result, "STEPWISE_LEASE_S", "STEPWISE_LEASE_S='abc' is not a number")
