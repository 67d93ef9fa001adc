"""Where the databases differ, one backend per vendor, chosen once (engine/store/sql.py),
and no other module of the project asks which database it runs on."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
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


@pytest.mark.django_db
def test_rows_go_in_as_they_are_whatever_their_values():
    """A statement's rows (engine.store.sql rows_source: one JSON parameter on PostgreSQL, a
    VALUES list on SQLite) come back as written: microseconds, SQL NULL apart from JSON
    null, text that JSON escapes, nested JSON, several rows in their order."""
    from django.db.models import JSONField, Value

    from engine.store.models import StepRun
    from engine.store.sql import columns, rows_source

    at = datetime(2026, 12, 4, 19, 0, 0, 123456, tzinfo=UTC)
    names = ("node_id", "attempt", "input", "output", "started_at", "not_before")
    fields = [StepRun._meta.get_field(name) for name in names]
    rows = [
        ['quote " back\\slash \u00e9\u4e2d \U0001f600 \n', 7, {"a": [1, 2.5, None, {"b": "c"}]}, None, at, None],
        ["second", 0, [], Value(None, JSONField()), None, at],
    ]
    prepared = [[f.get_db_prep_save(value, connection) for f, value in zip(fields, row, strict=True)] for row in rows]
    source, params = rows_source(fields, prepared)
    json_of = "CAST(v.column3 AS text), CAST(v.column4 AS text)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns(len(fields))}, v.column4 IS NULL FROM {source}", params)
        found = cursor.fetchall()
        cursor.execute(f"SELECT {json_of} FROM {source}", params)
        texts = cursor.fetchall()
    first, second = found
    assert first[:2] == (rows[0][0], 7) and second[:2] == ("second", 0)
    assert [_time(first[4]), _time(second[5])] == [at, at] and first[5] is None and second[4] is None
    assert bool(first[6]) is True and bool(second[6]) is False  # SQL NULL, then JSON null
    assert [json.loads(t) if t is not None else None for t in texts[0]] == [rows[0][2], None]
    assert [json.loads(t) for t in texts[1]] == [[], None]


def test_a_value_the_rows_have_no_json_form_for_is_refused_by_name():
    with pytest.raises(TypeError, match="no JSON form for a Decimal"):
        PostgresBackend().rows_source([_field("attempt")], [[Decimal("1.5")]])


def _time(value: Any) -> datetime:
    """A time as a raw cursor gives it: an aware datetime, or SQLite's text (UTC)."""
    from django.utils.dateparse import parse_datetime

    if isinstance(value, str):
        parsed = parse_datetime(value)
        assert parsed is not None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
    return value


def _field(name: str) -> Any:
    from engine.store.models import StepRun

    return StepRun._meta.get_field(name)
