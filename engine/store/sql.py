"""The SQL the store writes by hand, and where the databases differ: one backend per
database, chosen once per connection vendor (`backend()`), instead of a vendor check at
each call.

Rows as the source of a statement (INSERT ... SELECT, UPDATE ... FROM): on PostgreSQL one
JSON parameter, the rows as objects (json_to_recordset), so the statement's text and its
number of parameters are the same whatever the number of rows (PostgreSQL plans it once a
connection: prepared, see config/settings/database.py), and the client encodes them in
one call of the json module's C encoder (an array a column cost psycopg about five times
as much: its list dumpers are Python); on SQLite a VALUES list. Either way the columns are
v.column1, v.column2, ..., typed as the fields'.

PostgreSQL also has what the general path does without: row locks that name their table
(FOR UPDATE OF) and skip what another holds (SKIP LOCKED), and data-modifying WITH, which
lets one statement write a run, its steps and their events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time
from functools import cache
from typing import Any

from django.db import connection
from psycopg.types.json import Jsonb

_db_types: dict[Any, str] = {}


def db_type(field: Any) -> str:
    """A field's column type on the database in use, computed once."""
    found = _db_types.get(field)
    if found is None:
        found = _db_types[field] = str(field.db_type(connection))
    return found


class Backend:
    """The general path (SQLite): a write locks the whole database, so no row is ever
    locked by name and no snapshot can be older than a lock."""

    vendor = "sqlite"
    # One statement (data-modifying WITH) for a run's start, and for a batch of events
    # with the writes deferred to it.
    one_statement = False
    # SELECT ... FOR UPDATE OF <table> and SKIP LOCKED.
    row_locks = False

    def rows_source(self, fields: Sequence[Any], rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
        """`<source> AS v` for `rows` (each a value a field, already prepared for the
        database: get_db_prep_save) and its parameters, in the order of its placeholders."""
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        return f"(VALUES {', '.join([row] * len(rows))}) AS v", [value for row in rows for value in row]

    def typed_param(self, field: Any) -> str:
        """A placeholder for one value of `field` outside a row: bare on SQLite, whose
        CAST follows its own affinities (a time cast AS datetime becomes a number)."""
        return "%s"

    def lock_run(self, alias: str) -> str:
        """The clause that locks the run's row (aliased `alias`) of a SELECT that joins
        it to its steps; "" where a write locks everything."""
        return ""

    def seen_seq(self, table: str, alias: str) -> str:
        """The run's last_seq as the statement's snapshot saw it, to compare with the
        locked row's: equal unless the statement waited for the lock (see
        engine.store.reads.run_lock_states). Here the two are the same."""
        return f"{alias}.last_seq"

    def size(self, column: str) -> str:
        """A JSON column's stored size in bytes, roughly."""
        return f"length({column})"

    def run_first(self, runs: str, steps: str) -> str:
        """A WHERE condition (with one parameter: the step's id) that locks a step's run
        before the step's own row is updated; "" where a write locks everything."""
        return ""

    def skip_locked(self, query: Any, *, of: tuple[str, ...] = ()) -> Any:
        """A queryset that takes its rows locked, skipping those another holds (`of`: the
        tables locked, of a query that joins others). Here, as it is."""
        return query

    def locked(self, query: Any, *, skip_locked: bool = False) -> Any:
        """A queryset that takes its rows locked for this transaction; on PostgreSQL FOR
        NO KEY UPDATE, which rows being inserted that reference them do not wait for,
        and (`skip_locked`) skipping rows another holds."""
        return query.select_for_update()

    # How many ids one statement names (`ids_in`): SQLite's default limit on a
    # statement's parameters is 999 (older builds), and Django's max_query_params the same.
    max_ids = 500
    # How many top-level runs one short transaction of the pruning deletes.
    prune_batch = 500

    def ids_in(self, column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
        """`<column> IN (...)` for at most `max_ids` ids, and its parameters."""
        return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


class PostgresBackend(Backend):
    vendor = "postgresql"
    one_statement = True
    row_locks = True

    def rows_source(self, fields: Sequence[Any], rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
        names = [f"column{i + 1}" for i in range(len(fields))]
        text, columns = _json_columns(tuple(db_type(f) for f in fields))
        objects = [dict(zip(names, row, strict=True)) for row in rows]
        return f"(SELECT {columns} FROM json_to_recordset(CAST(%s AS json)) AS x({text})) AS v", [
            json.dumps(objects, default=_json_value, separators=(",", ":"))
        ]

    def typed_param(self, field: Any) -> str:
        # A parameter's type is not always inferred there.
        return f"CAST(%s AS {db_type(field)})"

    def lock_run(self, alias: str) -> str:
        return f" FOR UPDATE OF {alias}"

    def seen_seq(self, table: str, alias: str) -> str:
        # A scalar subquery reads the statement's snapshot; the locked row is re-read at
        # its newest version when the statement had to wait for the lock.
        return f"(SELECT {alias}0.last_seq FROM {table} {alias}0 WHERE {alias}0.id = {alias}.id)"

    def size(self, column: str) -> str:
        return f"pg_column_size({column})"

    def run_first(self, runs: str, steps: str) -> str:
        # The run's row is locked before the step's, the order of every writer that holds
        # the run (an advance, a cancel): taking it after the step's could deadlock.
        return f"run_id = (SELECT r.id FROM {runs} r WHERE r.id = (SELECT s.run_id FROM {steps} s WHERE s.id = %s) FOR UPDATE) AND "

    def skip_locked(self, query: Any, *, of: tuple[str, ...] = ()) -> Any:
        return query.select_for_update(skip_locked=True, of=of)

    def locked(self, query: Any, *, skip_locked: bool = False) -> Any:
        return query.select_for_update(no_key=True, skip_locked=skip_locked)

    # One array, one parameter, whatever the number of ids: the statement's text is the
    # same for every batch (prepared once), and never near the protocol's 65,535 parameters.
    max_ids = 10**9
    prune_batch = 5000

    def ids_in(self, column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
        return f"{column} = ANY(CAST(%s AS bigint[]))", [list(ids)]


@cache
def _json_columns(types: tuple[str, ...]) -> tuple[str, str]:
    """For rows of these column types as JSON objects: the record's column definitions
    (json_to_recordset's) and the SELECT list that gives v.column1..n their types. A jsonb
    value travels as its own JSON text and is cast back: dumped by its field (its
    encoder), as a jsonb parameter is, and a JSON null stays apart from SQL's NULL."""
    text = ", ".join(f"column{i + 1} {'text' if t == 'jsonb' else t}" for i, t in enumerate(types))
    select = ", ".join(f"CAST(column{i + 1} AS jsonb) AS column{i + 1}" if t == "jsonb" else f"column{i + 1}" for i, t in enumerate(types))
    return text, select


def _json_value(value: Any) -> Any:
    """A prepared value json.dumps has no form for: a jsonb value's text, a time's ISO form."""
    if isinstance(value, Jsonb):
        return (value.dumps or json.dumps)(value.obj)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"no JSON form for a {type(value).__name__} in a statement's rows")


@cache
def backend_for(vendor: str) -> Backend:
    return PostgresBackend() if vendor == "postgresql" else Backend()


def backend() -> Backend:
    """The backend of the database in use (the default connection's)."""
    return backend_for(connection.vendor)


def rows_source(fields: Sequence[Any], rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
    return backend().rows_source(fields, rows)


def typed_param(field: Any) -> str:
    return backend().typed_param(field)


def columns(count: int) -> str:
    """v.column1, v.column2, ...: the first `count` columns of `rows_source`, in order."""
    return ", ".join(f"v.column{i + 1}" for i in range(count))


def set_clause(model: Any, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """`col = %s, ...` for an UPDATE of `model` setting `values` (by field name), and its
    parameters, each prepared by its field."""
    quote = connection.ops.quote_name
    assignments, params = [], []
    for name, value in values.items():
        field = model._meta.get_field(name)
        assignments.append(f"{quote(str(field.column))} = %s")
        params.append(field.get_db_prep_save(value, connection))
    return ", ".join(assignments), params
