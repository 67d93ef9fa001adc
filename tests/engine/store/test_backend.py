"""Where the databases differ, one backend per vendor, chosen once (engine/store/sql.py),
and no other module of the project asks which database it runs on."""

from __future__ import annotations

import re
from pathlib import Path

from django.db import connection

from engine.store.sql import Backend, PostgresBackend, backend, backend_for

ROOT = Path(__file__).resolve().parents[3]
# Asking the database what it is: its vendor, or a feature of its locks.
ASKING = re.compile(r"\.vendor\b|has_select_for_update|has_select_for_no_key_update")


def test_the_backend_is_the_databases_and_chosen_once():
    chosen = backend()
    assert chosen is backend() is backend_for(connection.vendor)
    assert type(chosen) is (PostgresBackend if connection.vendor == "postgresql" else Backend)
    assert backend_for("postgresql").one_statement and not backend_for("sqlite").one_statement


def test_only_the_backend_asks_which_database_it_runs_on():
    askers = []
    for package in ("engine", "designer", "core", "catalog"):
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative == "engine/store/sql.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                code = line.split("#", 1)[0]
                if ASKING.search(code) and "backend_for(connection.vendor)" not in code:
                    askers.append(f"{relative}:{number}: {line.strip()}")
    assert askers == []


# Queries of the run state's models through the ORM, outside the store.
QUERYING = re.compile(r"\b(Run|StepRun|RunEvent)\.objects\b")


def test_orchestration_and_triggers_read_and_write_the_run_state_only_through_the_store():
    """The interfaces above (api, live) may list runs for people; the engine's own layers
    go through engine/store/."""
    found = []
    for package in ("engine/orchestration", "engine/triggers", "engine/dispatch"):
        for path in (ROOT / package).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if QUERYING.search(line.split("#", 1)[0]):
                    found.append(f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()}")
    assert found == []
