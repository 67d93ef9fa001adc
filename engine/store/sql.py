"""The SQL the store writes by hand, and where the databases differ: one backend per
database, chosen once per connection vendor (`backend()`), instead of a vendor check at
each call.

Rows as the source of a statement (INSERT ... SELECT, UPDATE ... FROM): on PostgreSQL one
array a column, unnested, so the statement's text and its number of parameters are the
same whatever the number of rows (psycopg converts it once and PostgreSQL plans it once a
connection: prepared, see config/settings/database.py); on SQLite, which has no arrays, a
VALUES list. Either way the columns are v.column1, v.column2, ..., typed as the fields'.

PostgreSQL also has what the general path does without: row locks that name their table
(FOR UPDATE OF) and skip what another holds (SKIP LOCKED), and data-modifying WITH, which
lets one statement write a run, its steps and their events."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection

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
        arrays = ", ".join(f"CAST(%s AS {db_type(f)}[])" for f in fields)
        names = ", ".join(f"column{i + 1}" for i in range(len(fields)))
        return f"unnest({arrays}) AS v({names})", [[row[i] for row in rows] for i in range(len(fields))]

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
