"""Loading rows on the hot paths in one narrow query each, as the ORM would return them,
without building the query each time (the SQL and each field's converters are prepared
once per database): a step with its run (each step message), and a workflow's latest
version without its graph (each run start; the graph comes from the per-version cache)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import Field, Model

from designer.models import WorkflowVersion
from engine.store.events import note_workflow
from engine.store.models import Run, StepRun
from engine.store.sql import backend_for


def _converters(alias: str, model: type[Model], skip: tuple[str, ...] = ()) -> list[tuple[Field[Any, Any], Any, list[Any]]]:
    """(field, its column expression, the converters its values go through), per field
    (but those in `skip`, left deferred)."""
    connection = connections[alias]
    result = []
    for field in model._meta.concrete_fields:
        if field.name in skip:
            continue
        column = field.get_col(model._meta.db_table)
        result.append((field, column, [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]))
    return result


@lru_cache(maxsize=8)
def _plan(alias: str) -> tuple[str, list[Any], list[Any]]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    steps, runs = _converters(alias, StepRun), _converters(alias, Run)
    columns = [f"s.{quote(str(f.column))}" for f, _, _ in steps] + [f"r.{quote(str(f.column))}" for f, _, _ in runs]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(StepRun._meta.db_table)} s"
        f" JOIN {quote(Run._meta.db_table)} r ON r.id = s.run_id WHERE s.id = %s"
    )
    return sql, steps, runs


def _instance(model: type[Model], alias: str, fields: list[Any], values: tuple[Any, ...]) -> Any:
    connection = connections[alias]
    converted = []
    for (_field, column, converters), value in zip(fields, values, strict=True):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(alias, [f.attname for f, _, _ in fields], converted)


def _step_and_run(alias: str, step_fields: list[Any], run_fields: list[Any], row: tuple[Any, ...]) -> Any:
    """A step with its run (as `step.run`), from a row of the step's columns then the run's."""
    step = _instance(StepRun, alias, step_fields, row[: len(step_fields)])
    step.run = _instance(Run, alias, run_fields, row[len(step_fields) : len(step_fields) + len(run_fields)])
    note_workflow(step.run.pk, step.run.workflow_id)
    return step


def step_with_run(step_id: int, *, alias: str = "default") -> StepRun | None:
    """The step and its run (as `step.run`), or None when there is no such step."""
    sql, step_fields, run_fields = _plan(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [step_id])
        row = cursor.fetchone()
    return _step_and_run(alias, step_fields, run_fields, row) if row is not None else None


@lru_cache(maxsize=8)
def _version_plan(alias: str) -> tuple[str, list[Any]]:
    quote = connections[alias].ops.quote_name
    fields = _converters(alias, WorkflowVersion, skip=("graph",))
    columns = ", ".join(quote(str(f.column)) for f, _, _ in fields)
    return f"SELECT {columns} FROM {quote(WorkflowVersion._meta.db_table)} WHERE workflow_id = %s ORDER BY number DESC LIMIT 1", fields


def version_latest_lean(workflow_id: int, *, alias: str = "default") -> WorkflowVersion | None:
    """A workflow's latest version, its graph deferred; None when it has none."""
    sql, fields = _version_plan(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [workflow_id])
        row = cursor.fetchone()
    return _instance(WorkflowVersion, alias, fields, row) if row is not None else None


SMALL_OUTPUT_BYTES = 8192


@lru_cache(maxsize=8)
def _locked_plan(alias: str) -> tuple[str, list[Any], list[Any]]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    steps, runs = _converters(alias, StepRun), _converters(alias, Run)
    # The step's and the run's columns only on the step's own row (not once per step).
    own = [f"CASE WHEN s.id = s0.id THEN s0.{quote(str(f.column))} END" for f, _, _ in steps]
    own += [f"CASE WHEN s.id = s0.id THEN r.{quote(str(f.column))} END" for f, _, _ in runs]
    db = backend_for(connection.vendor)
    size, lock = db.size("s.output"), db.lock_run("r")
    # Whether the statement waited for the lock (see engine.store.reads.run_lock_states): the run's
    # last_seq from the statement's snapshot beside the locked row's.
    seen = db.seen_seq(quote(Run._meta.db_table), "r")
    sql = (
        f"SELECT r.last_seq = {seen}, {', '.join(own)}, s.id, s.node_id, s.status, s.ports,"
        f" CASE WHEN {size} <= {SMALL_OUTPUT_BYTES} THEN s.output END, COALESCE({size} > {SMALL_OUTPUT_BYTES}, FALSE)"
        f" FROM {quote(StepRun._meta.db_table)} s0 JOIN {quote(Run._meta.db_table)} r ON r.id = s0.run_id"
        f" JOIN {quote(StepRun._meta.db_table)} s ON s.run_id = r.id AND s.iteration = 0 WHERE s0.id = %s{lock}"
    )
    return sql, steps, runs


def step_with_run_rows(step_id: int, *, alias: str = "default") -> tuple[StepRun, list[tuple[Any, ...]], bool] | None:
    """In a transaction: lock the step's run and read, in one query, the step with its run
    and the rows of the run's steps (iteration 0): (id, node, status, ports, output), the
    output only when small. With whether every output came (none was too big). None when
    the step is not there or not of iteration 0. When the query had to wait for the lock
    it is run again (now holding it), so that no row is older than the lock."""
    sql, step_fields, run_fields = _locked_plan(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [step_id])
        fetched = cursor.fetchall()
        if fetched and not fetched[0][0]:
            cursor.execute(sql, [step_id])
            fetched = cursor.fetchall()
    fetched = [row[1:] for row in fetched]
    width = len(step_fields) + len(run_fields)
    own = next((row for row in fetched if row[width] == step_id), None)
    if own is None:
        return None
    step = _step_and_run(alias, step_fields, run_fields, own)
    return step, [row[width:-1] for row in fetched], not any(row[-1] for row in fetched)
