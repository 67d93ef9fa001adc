"""Celery application: `celery -A config worker`. Settings come from Django (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("stepwise")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["engine"])

# Celery's Django fixup closes every database connection before and after each task unless
# this is set: a new PostgreSQL connection (several ms) for every step message. Django's
# own CONN_MAX_AGE and health checks recycle them instead (run_chain ends with
# close_old_connections), as in the web process.
app.conf.CELERY_DB_REUSE_MAX = 1_000_000
