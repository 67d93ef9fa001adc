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
def _close_the_async_threads_connections(django_db_setup, django_db_blocker):
    """Code run through sync_to_async outside a request (the websocket consumers' tests)
    runs on asgiref's one shared thread, whose persistent connection outlived the tests:
    the test database could then not be dropped ("being accessed by other users"). Closed
    on that thread before the database is torn down."""
    yield
    import asyncio
    import threading

    from asgiref.sync import sync_to_async
    from django.db import connections

    def close() -> None:  # on a thread of its own: the browser tests may leave a loop on this one
        asyncio.run(sync_to_async(connections.close_all)())

    with django_db_blocker.unblock():
        closer = threading.Thread(target=close)
        closer.start()
        closer.join(30)
