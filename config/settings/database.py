"""Database: PostgreSQL from DATABASE_URL, or the embedded SQLite file."""

from __future__ import annotations

from config.env import database_from_url, env_bool, env_int, env_str
from config.settings.base import VAR_DIR

_url = env_str("DATABASE_URL")
if _url:
    _db = database_from_url("DATABASE_URL", _url)
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "stepwise.sqlite3")}

if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; the timeout makes a writer wait for
    # the lock instead of failing with "database is locked".
    _db["OPTIONS"] = {
        "timeout": env_int("SQLITE_TIMEOUT_S", 20, minimum=1),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # A file, not :memory:, so the engine's worker threads share the test database.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    _db["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE_S", 60, minimum=0)
    _db["CONN_HEALTH_CHECKS"] = True
    if env_bool("DB_PREPARED_STATEMENTS", True):
        # Parameters bound by the server, and a statement run twice on a connection
        # prepared there: PostgreSQL then neither parses nor plans the engine's few hot
        # statements again (half its CPU per run in bench/engine.py's W3). Off behind a
        # pooler in transaction mode, which cannot keep a connection's prepared statements.
        _db["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}

DATABASES = {"default": _db}
