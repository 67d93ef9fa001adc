"""Rows as the source of a statement (INSERT ... SELECT, UPDATE ... FROM). On PostgreSQL one
array a column, unnested: the statement's text and its number of parameters are the same
whatever the number of rows, so psycopg converts it once and PostgreSQL plans it once a
connection (prepared; config/settings/database.py). On SQLite, which has no arrays, a
VALUES list. Either way the columns are v.column1, v.column2, ..., typed as the fields'."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_db_types: dict[Any, str] = {}


def db_type(field: Any) -> str:
    """A field's column type on the database in use, computed once."""
    found = _db_types.get(field)
    if found is None:
        from django.db import connection

        found = _db_types[field] = str(field.db_type(connection))
    return found


def rows_source(fields: Sequence[Any], rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
    """`<source> AS v` for `rows` (each a value a field, already prepared for the database:
    get_db_prep_save) and its parameters, in the order of its placeholders."""
    from django.db import connection

    if connection.vendor == "postgresql":
        arrays = ", ".join(f"CAST(%s AS {db_type(f)}[])" for f in fields)
        names = ", ".join(f"column{i + 1}" for i in range(len(fields)))
        return f"unnest({arrays}) AS v({names})", [[row[i] for row in rows] for i in range(len(fields))]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return f"(VALUES {', '.join([row] * len(rows))}) AS v", [value for row in rows for value in row]


def typed_param(field: Any) -> str:
    """A placeholder for one value of `field` outside a row: cast to its column's type on
    PostgreSQL (a parameter's type is not always inferred there); bare on SQLite, whose
    CAST follows its own affinities (a time cast AS datetime becomes a number)."""
    from django.db import connection

    return f"CAST(%s AS {db_type(field)})" if connection.vendor == "postgresql" else "%s"


def columns(count: int) -> str:
    """v.column1, v.column2, ...: the first `count` columns of `rows_source`, in order."""
    return ", ".join(f"v.column{i + 1}" for i in range(count))


def set_clause(model: Any, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """`col = %s, ...` for an UPDATE of `model` setting `values` (by field name), and its
    parameters, each prepared by its field."""
    from django.db import connection

    quote = connection.ops.quote_name
    assignments, params = [], []
    for name, value in values.items():
        field = model._meta.get_field(name)
        assignments.append(f"{quote(str(field.column))} = %s")
        params.append(field.get_db_prep_save(value, connection))
    return ", ".join(assignments), params
