"""A run's start in one PostgreSQL statement: the run (already running), its first steps
and every event of both, in a data-modifying WITH. One round trip, atomic by itself; the
transitions are checked against the tables of engine.store.statuses like any other write."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from engine.store.events import EVENT_COLUMNS, Event, events_source, note_workflow, published_after_commit
from engine.store.models import RunEvent, StepRun
from engine.store.records import StepDraft
from engine.store.sql import columns, db_type, typed_param
from engine.store.statuses import RunStatus
from engine.store.writes import STEP_COLUMNS, run_created, steps_source

R = RunStatus


def run_start_statement(
    run: Any,
    steps: list[StepDraft],
    *,
    data: Any = None,
    unless_newer_than: int | None = None,
) -> dict[str, int] | None:
    """PostgreSQL: create a run already running (queued -> running checked against the
    table), its first steps (each in its first status, as `steps_create`) and every event
    of both, numbered 1..n, in one statement (data-modifying WITH): atomic by itself, so a
    run start costs one round trip. The steps' ids by node. `unless_newer_than`: write
    nothing (None) if the workflow has a version numbered above it."""

    now = timezone.now()
    run_created(run, now, running=True)
    events = [Event(run_id=0, kind="run", status=R.QUEUED, data=data or {}), Event(run_id=0, kind="run", status=R.RUNNING)]
    events += [
        Event(run_id=0, kind="step", status=step.status, node_id=step.node_id, attempt=step.attempt, data=step.data) for step in steps
    ]
    run.last_seq = len(events)
    quote = connection.ops.quote_name

    def typed(field: Any, value: Any) -> tuple[str, Any]:
        return typed_param(field), field.get_db_prep_save(value, connection)

    run_fields = [f for f in run._meta.concrete_fields if not f.primary_key]
    run_sql = ", ".join(quote(f.column) for f in run_fields)
    run_cells = [typed(f, getattr(run, f.attname)) for f in run_fields]
    # A NULL is written as a typed NULL, not a parameter: psycopg keeps its parsed form of
    # a statement of at most 50 parameters only, and a start has a dozen NULL fields.
    run_cells = [
        (f"CAST(NULL AS {db_type(f)})", None) if value is None else (sql, value)
        for f, (sql, value) in zip(run_fields, run_cells, strict=True)
    ]
    params: list[Any] = [value for sql, value in run_cells if value is not None]
    conditions = []
    if unless_newer_than is not None:
        versions = quote(run._meta.get_field("version").related_model._meta.db_table)
        conditions.append(f"NOT EXISTS (SELECT 1 FROM {versions} WHERE workflow_id = %s AND number > %s)")
        params += [run.workflow_id, unless_newer_than]
    guard = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    step_columns, step_source, step_params = steps_source(steps, now)
    for seq, event in enumerate(events, start=1):
        event.seq, event.at = seq, now
    event_source, event_params = events_source(events, range(1, len(events) + 1))
    at_sql, at_value = typed(RunEvent._meta.get_field("at"), now)
    params += [*step_params, at_value, *event_params]  # in the order of the placeholders below
    sql = (
        f"WITH r AS (INSERT INTO {quote(run._meta.db_table)} ({run_sql})"
        f" SELECT {', '.join(sql for sql, _ in run_cells)}{guard} RETURNING id),"
        f" s AS (INSERT INTO {quote(StepRun._meta.db_table)} (run_id, {step_columns})"
        f" SELECT r.id, {columns(len(STEP_COLUMNS))} FROM r, {step_source} RETURNING id, node_id),"
        f" e AS (INSERT INTO {quote(RunEvent._meta.db_table)} (run_id, seq, kind, node_id, status, attempt, data, at)"
        f" SELECT r.id, {columns(len(EVENT_COLUMNS))}, {at_sql} FROM r, {event_source})"
        " SELECT r.id, s.id, s.node_id FROM r, s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = cursor.fetchall()
    if not written:
        run.status, run.last_seq, run.created_at, run.started_at = R.QUEUED, 0, None, None
        return None  # a newer version exists, or the owner is at their quota
    run.pk = int(written[0][0])
    run._state.adding = False
    run._state.db = connection.alias
    for event in events:
        event.run_id = run.pk
    note_workflow(run.pk, run.workflow_id)
    published_after_commit(events)
    return {str(node_id): int(step_id) for _run_id, step_id, node_id in written}
