from __future__ import annotations

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
