"""REDIS_KEY_PREFIX goes before every key Stepwise writes in Redis: the channel layer's and
a Redis broker's (kombu's global_keyprefix), in every process, not only Celery's workers."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.config.test_channel_layer import _realtime_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_channel_layer_keys_start_with_the_prefix(monkeypatch):
    realtime = _realtime_settings(monkeypatch, REDIS_URL="redis://127.0.0.1:1/0", REDIS_KEY_PREFIX="blue:")
    assert realtime.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] == "blue:asgi"
    plain = _realtime_settings(monkeypatch, REDIS_URL="redis://127.0.0.1:1/0", REDIS_KEY_PREFIX="")
    assert plain.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] == "asgi"  # channels-redis' own default


def _celery_options(**env):
    """The transport options of the Celery app that a web or tick process (not started by
    `celery -A config`) publishes with, once Django is set up: read in a fresh process."""
    code = (
        "import django; django.setup()\n"
        "from engine.orchestration.dispatch import get_dispatcher\n"
        "from celery import current_app\n"
        "print(type(get_dispatcher()).__name__)\n"
        "print(__import__('json').dumps(current_app.conf.broker_transport_options))\n"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "REDIS_KEY_PREFIX", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    name, options = result.stdout.strip().splitlines()[-2:]
    return name, json.loads(options)


def test_a_web_or_tick_process_publishes_with_the_prefix_and_the_settings_options():
    name, options = _celery_options(CELERY_BROKER_URL="redis://127.0.0.1:1/0", REDIS_KEY_PREFIX="blue:")
    assert name == "CeleryDispatcher"
    assert options == {"visibility_timeout": 2 * 86400, "global_keyprefix": "blue:"}


def test_no_prefix_on_a_broker_that_is_not_redis():
    _, options = _celery_options(CELERY_BROKER_URL="amqp://guest@127.0.0.1:1//", REDIS_KEY_PREFIX="blue:")
    assert "global_keyprefix" not in options
