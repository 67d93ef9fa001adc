"""Settings, split by integration. Every value comes from the environment (config/env.py)
with an embedded default that needs no configuration: SQLite, in-process execution and an
in-memory channel layer."""

import django_stubs_ext

from config.settings.accounts import *  # noqa: F403
from config.settings.api import *  # noqa: F403
from config.settings.base import *  # noqa: F403
from config.settings.database import *  # noqa: F403
from config.settings.email import *  # noqa: F403
from config.settings.health import *  # noqa: F403
from config.settings.logging import *  # noqa: F403
from config.settings.metrics import *  # noqa: F403
from config.settings.realtime import *  # noqa: F403
from config.settings.stepwise import *  # noqa: F403
from config.settings.tasks import *  # noqa: F403

# Django's generic classes (ModelAdmin[Model], ...) take type arguments at run time too.
django_stubs_ext.monkeypatch()
