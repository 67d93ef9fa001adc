from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from tests.factories import make_user, make_workflow


@pytest.fixture
def user(db):
    return make_user("alice")


@pytest.fixture
def other_user(db):
    return make_user("mallory")


def _client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def api(user) -> APIClient:
    """Signed in as `user` through the session, as the browser is."""
    return _client_for(user)


@pytest.fixture
def other_api(other_user) -> APIClient:
    return _client_for(other_user)


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def workflow(user):
    return make_workflow(user)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL: on another database they are deselected
    (reported as such), never counted as passing. Browser tests run last: once Playwright's
    sync API has run in this process, asyncio code after it would find a loop in the way."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
    if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    kept = [item for item in items if item.get_closest_marker("postgres") is None]
    deselected = [item for item in items if item.get_closest_marker("postgres") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(autouse=True, scope="session")
def _no_session_left_on_the_test_database(django_db_setup, django_db_blocker):
    """Threads of this process that outlive their tests keep persistent connections to the
    test database (asgiref's shared thread for the websocket consumers, the live
    publisher's thread, an in-process pool): PostgreSQL then refused to drop it ("being
    accessed by other users"). At the end of the session every such session is idle and
    ended here, before the database is torn down."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def pytest_configure(config):
    """Every key this process (and the processes it starts) writes in Redis starts with the
    session's prefix: tests/redis_server.py."""
    from tests.redis_server import session_prefix

    os.environ["REDIS_KEY_PREFIX"] = os.environ.get("REDIS_KEY_PREFIX", "") + session_prefix()
    layer = django_settings.CHANNEL_LAYERS["default"]
    if layer["BACKEND"] == "channels_redis.core.RedisChannelLayer":
        layer["CONFIG"]["prefix"] = f"{os.environ['REDIS_KEY_PREFIX']}asgi"


@pytest.fixture(autouse=True, scope="session")
def _redis_left_alone():
    """No test flushes a Redis this session did not start (FLUSHDB and FLUSHALL raise on
    one); at the end, the private server (if one was started) is stopped and the keys of
    this session on the REDIS_URL given, and only those, are deleted."""
    from tests import redis_server

    with redis_server.guard_flushes():
        yield
    redis_server.stop_session_server()
    if os.environ.get("REDIS_URL"):
        import contextlib

        import redis

        with contextlib.suppress(redis.ConnectionError):  # tests that needed it have failed and said so
            redis_server.delete_prefixed(os.environ["REDIS_URL"], os.environ["REDIS_KEY_PREFIX"])
