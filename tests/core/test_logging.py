"""Structured logs (core/logging.py): the fields of a JSON line, the console's lines, the
context a line carries, the start lines' masked URLs, and LOG_FORMAT/LOG_LEVEL checked at
start."""

import logging
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from core.logging import bound, database_description, formatter, get_logger, mask_url
from tests.logcapture import json_log

ROOT = Path(__file__).resolve().parents[2]


def test_a_json_line_has_timestamp_level_logger_process_and_event():
    with json_log() as log:
        get_logger("engine.somewhere").info("step ran", attempt=2)
        logging.getLogger("django.somewhere").warning("plain %s line", "stdlib")
    structured, plain = log.lines()
    for line in (structured, plain):
        assert datetime.fromisoformat(line["timestamp"]).utcoffset() == UTC.utcoffset(None)
        assert line["process"] == os.getpid()
    assert (structured["level"], structured["logger"], structured["event"], structured["attempt"]) == (
        "info",
        "engine.somewhere",
        "step ran",
        2,
    )
    assert (plain["level"], plain["logger"], plain["event"]) == ("warning", "django.somewhere", "plain stdlib line")
    assert list(structured)[:4] == ["timestamp", "level", "logger", "event"]


def test_a_traceback_stays_on_its_json_line():
    with json_log() as log:
        try:
            raise ValueError("boom")
        except ValueError:
            get_logger("engine.x").exception("step crashed")
    (line,) = log.lines()
    assert line["level"] == "error"
    assert "ValueError: boom" in line["exception"]


def test_the_console_renders_key_values_for_a_person():
    record = logging.LogRecord("engine.x", logging.INFO, __file__, 1, "tick", None, None)
    text = formatter("console").format(record)
    assert "tick" in text and "[engine.x]" in text
    with pytest.raises(ValueError):
        import json

        json.loads(text)


def test_bound_fields_reach_every_line_and_none_hides_an_outer_one():
    with json_log() as log, bound(run_id=7, step_id=3, workflow_id=1):
        logging.getLogger("celery.x").info("from a library")
        with bound(step_id=None, node_id="n2"):
            get_logger("engine.x").info("inline step")
        get_logger("engine.x").info("after")
    outside = get_logger("engine.x")
    with json_log() as after:
        outside.info("outside")
    library, inline, later = log.lines()
    assert (library["run_id"], library["step_id"], library["workflow_id"]) == (7, 3, 1)
    assert inline["run_id"] == 7 and inline["node_id"] == "n2" and "step_id" not in inline
    assert later["step_id"] == 3 and "node_id" not in later
    assert "run_id" not in after.lines()[0]


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
        ("amqp://guest:guest@127.0.0.1:5672//", "amqp://guest:***@127.0.0.1:5672//"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        (None, None),
    ],
)
def test_urls_in_start_lines_have_no_password(url, masked):
    assert mask_url(url) == masked


def test_a_database_is_described_without_its_password():
    db = {"ENGINE": "django.db.backends.postgresql", "NAME": "stepwise", "USER": "app", "PASSWORD": "s3cret", "HOST": "db", "PORT": "5432"}
    assert database_description(db) == "postgresql://app@db:5432/stepwise"


def _python(args: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "LOG_FORMAT", "LOG_LEVEL")}
    env.update({"STEPWISE_VAR_DIR": str(tmp_path), **extra})
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize(("name", "value"), [("LOG_FORMAT", "bogus"), ("LOG_LEVEL", "loud")])
def test_a_bad_log_setting_stops_the_process_in_one_line(tmp_path, name, value):
    result = _python(["manage.py", "check"], tmp_path, **{name: value})
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"stepwise: {name}='{value}' is not one of ")


def test_json_by_default_when_stderr_is_not_a_terminal(tmp_path):
    script = "import django; django.setup(); from django.conf import settings; print(settings.LOG_FORMAT, settings.LOG_LEVEL)"
    result = _python(["-c", script], tmp_path, DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="warning")
    assert result.stdout.split() == ["json", "WARNING"], result.stderr


def test_the_web_process_says_what_it_connected_to_without_passwords(tmp_path):
    """daphne imports config.asgi: its start line names the database, the broker and the
    channel layer; no password of their URLs is in the log."""
    env = {
        "LOG_FORMAT": "json",
        "DATABASE_URL": "postgres://app:dbpass123@127.0.0.1:1/stepwise",
        "CELERY_BROKER_URL": "redis://:brokerpass123@127.0.0.1:1/3",
        "REDIS_URL": "redis://:layerpass123@127.0.0.1:1/4",
    }
    result = _python(["-c", "import config.asgi"], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    import json

    lines = [json.loads(line) for line in result.stderr.splitlines()]
    (ready,) = [line for line in lines if line["event"] == "web application ready"]
    assert ready["database"] == "postgresql://app@127.0.0.1:1/stepwise"
    assert ready["broker"] == "redis://:***@127.0.0.1:1/3"
    assert ready["channel_layer"] == "RedisChannelLayer redis://:***@127.0.0.1:1/4"
    assert ready["executor"] == "celery" and ready["tracing"] is False
    assert "pass123" not in result.stderr


@pytest.mark.django_db
def test_the_tick_says_what_it_connected_to_and_its_interval():
    with json_log() as log:
        call_command("engine_tick", "--once", "--interval", "0.5")
    (start,) = [line for line in log.lines() if line["event"] == "tick starting"]
    assert start["logger"] == "engine.management.commands.engine_tick"
    assert start["interval_s"] == 0.5 and start["broker"] == "in-process"
    assert start["database"].startswith("sqlite:///") or start["database"].startswith("postgresql://")


def test_a_pool_processs_death_is_a_json_line_of_the_log(tmp_path):
    """billiard (Celery's pool) logs a pool process killed by a signal ("Process
    'ForkPoolWorker-1' pid:... exited with 'signal 15 (SIGTERM)'") on its own logger,
    which does not propagate: without a handler of ours it came out as bare text."""
    import json

    script = (
        "import django, logging.config; django.setup(); from django.conf import settings\n"
        "logging.config.dictConfig(settings.LOGGING)\n"
        "from billiard import util; util.get_logger()\n"
        "util.error('Process %r pid:%r exited with %r', 'ForkPoolWorker-1', 42, 'signal 15 (SIGTERM)')\n"
    )
    result = _python(["-c", script], tmp_path, DJANGO_SETTINGS_MODULE="config.settings", LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(text) for text in result.stderr.splitlines()]
    assert line["event"] == "Process 'ForkPoolWorker-1' pid:42 exited with 'signal 15 (SIGTERM)'"
    assert line["level"] == "error" and line["logger"] == "multiprocessing"
