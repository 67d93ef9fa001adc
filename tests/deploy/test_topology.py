"""The production processes are one set of commands written four times: the Procfile (what
`make prod` runs with honcho), the systemd units, compose.yaml and the Dockerfile's default.
This machine has no container engine, so they are kept in step here: each file's command
for web, worker and tick, with that file's own variables filled in as its runner would,
equals the Procfile's with the same variables. Only the worker's node name (`-n`) differs
by design: each runner names its copies its own way."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ("web", "worker", "tick")
_SHELL_VAR = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}|\$(\w+)")


def _shell_expand(text: str, env: dict[str, str]) -> str:
    """What sh (honcho runs Procfile lines with it) and compose's interpolation do with
    $VAR, ${VAR}, ${VAR:-default} and ${VAR:?error} (the test's env stands in for the error)."""

    def one(match: re.Match[str]) -> str:
        name = match[1] or match[4]
        value = env.get(name, "")
        if match[2] == "-" and not value:
            return match[3]
        if match[2] == "?" and not value:
            return f"<{name}>"
        return value

    return _SHELL_VAR.sub(one, text)


def _canonical(argv: list[str]) -> list[str]:
    """The interpreter by its name (python, .venv/bin/python, /opt/venv/bin/python are one),
    and the worker's node name taken out, checked present."""
    argv = list(argv)
    if Path(argv[0]).name.startswith("python"):
        argv[0] = "python"
    if "-n" in argv:
        at = argv.index("-n")
        assert "@" in argv[at + 1], f"a worker's node name is name@host: {argv[at + 1]}"
        del argv[at : at + 2]
    return argv


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    found = dict(line.split(":", 1) for line in lines if re.match(r"^[A-Za-z0-9_-]+:", line))
    return {name: command.strip() for name, command in found.items()}


def procfile_argv(name: str, env: dict[str, str]) -> list[str]:
    return _canonical(shlex.split(_shell_expand(procfile()[name], env)))


def systemd(unit: str, instance: str = "1") -> tuple[list[str], dict[str, str]]:
    """ExecStart with Environment= filled in, as systemd does (${VAR} and $VAR, %i, %%)."""
    env: dict[str, str] = {}
    command = None
    for line in (ROOT / "deploy" / "systemd" / unit).read_text().splitlines():
        key, _, value = line.partition("=")
        if key == "Environment":
            env.update(item.split("=", 1) for item in shlex.split(value))
        elif key == "ExecStart":
            assert command is None, f"{unit}: one ExecStart"
            command = value
    assert command is not None, f"{unit} has no ExecStart"
    command = command.replace("%i", instance).replace("%%", "%")
    argv = [_shell_expand(word, env) for word in shlex.split(command)]
    return _canonical(argv), env


def compose() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def compose_argv(name: str) -> tuple[list[str], dict[str, str]]:
    """The service's command and environment after compose's interpolation (variables from
    the operator's shell or .env: none here, so every default applies)."""
    service = compose()[name]
    command = service["command"]
    argv = shlex.split(command) if isinstance(command, str) else [str(word) for word in command]
    env = {key: _shell_expand(str(value), {}) for key, value in (service.get("environment") or {}).items()}
    return _canonical([_shell_expand(word, {}).replace("$$", "$") for word in argv]), env


@pytest.mark.parametrize("name", PROCESSES)
def test_systemd_runs_the_procfiles_command(name):
    unit = {"web": "stepwise-web.service", "worker": "stepwise-worker@.service", "tick": "stepwise-tick.service"}[name]
    argv, env = systemd(unit)
    assert argv == procfile_argv(name, env)


@pytest.mark.parametrize("name", PROCESSES)
def test_compose_runs_the_procfiles_command(name):
    argv, env = compose_argv(name)
    assert argv == procfile_argv(name, env)


def test_the_images_default_command_is_the_web_process():
    [cmd] = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD ")]
    assert _canonical(json.loads(cmd.removeprefix("CMD "))) == compose_argv("web")[0]


def test_the_procfile_has_the_three_processes_and_compose_their_services():
    assert set(procfile()) == set(PROCESSES)
    assert set(PROCESSES) | {"postgres", "redis", "migrate"} == set(compose())
    # Each worker copy gets a node name of its own: honcho's PORT, systemd's instance, the container's host.
    assert "-n worker-${PORT" in procfile()["worker"]
    assert "-n worker-%i@%%h" in (ROOT / "deploy" / "systemd" / "stepwise-worker@.service").read_text()
    assert compose()["worker"]["command"][compose()["worker"]["command"].index("-n") + 1] == "worker@%h"


def test_a_command_that_drifts_is_found():
    """The comparison can fail: a queue renamed in one copy is a difference."""
    argv, env = compose_argv("worker")
    drifted = [word.replace("stepwise.steps", "celery") for word in procfile()["worker"].split()]
    assert _canonical(shlex.split(_shell_expand(" ".join(drifted), env))) != argv


def test_the_worker_consumes_the_queue_the_engine_sends_to():
    from engine.tasks import STEP_QUEUE

    argv = procfile_argv("worker", {})
    assert argv[argv.index("-Q") + 1] == STEP_QUEUE
