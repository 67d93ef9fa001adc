"""A run's start in one PostgreSQL statement: the run (already running), its first steps
and every event of both, in a data-modifying WITH. One round trip, atomic by itself; the
transitions are checked against the tables of engine.states like any other write."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from engine.events import Event, note_workflow
from engine.states import STEP_COLUMNS, RunStatus, db_type, run_created, step_values

R = RunStatus


def run_start_statement(
    run: Any, steps: list[dict[str, Any]], *, data: Any = None, unless_newer_than: int | None = None
) -> dict[str, int] | None:
    """PostgreSQL: create a run already running (queued -> running checked against the
    table), its first steps (each in its first status, as `steps_create`) and every event
    of both, numbered 1..n, in one statement (data-modifying WITH): atomic by itself, so a
    run start costs one round trip. The steps' ids by node. `unless_newer_than`: write
    nothing (None) if the workflow has a version numbered above it."""
    from django.db import connection

    from engine.events import published_after_commit
    from engine.models import RunEvent, StepRun

    now = timezone.now()
    run_created(run, now, running=True)
    events = [Event(run_id=0, kind="run", status=R.QUEUED, data=data or {}), Event(run_id=0, kind="run", status=R.RUNNING)]
    events += [
        Event(run_id=0, kind="step", status=step["status"], node_id=step["node_id"], attempt=step.get("attempt", 0), data=step.get("data"))
        for step in steps
    ]
    run.last_seq = len(events)
    quote = connection.ops.quote_name

    def typed(field: Any, value: Any) -> tuple[str, Any]:
        return f"CAST(%s AS {db_type(field)})", field.get_db_prep_save(value, connection)

    run_fields = [f for f in run._meta.concrete_fields if not f.primary_key]
    run_sql = ", ".join(quote(f.column) for f in run_fields)
    run_cells = [typed(f, getattr(run, f.attname)) for f in run_fields]
    params: list[Any] = [value for _, value in run_cells]
    guard = ""
    if unless_newer_than is not None:
        versions = quote(run._meta.get_field("version").related_model._meta.db_table)
        guard = f" WHERE NOT EXISTS (SELECT 1 FROM {versions} WHERE workflow_id = %s AND number > %s)"
        params += [run.workflow_id, unless_newer_than]
    step_fields = [StepRun._meta.get_field(name) for name in STEP_COLUMNS]
    rows = []
    for step in steps:
        values = step_values(step, now)
        cells = [typed(f, values[f.name]) for f in step_fields]
        rows.append("(" + ", ".join(sql for sql, _ in cells) + ")")
        params += [value for _, value in cells]
    data_field, at_field = RunEvent._meta.get_field("data"), RunEvent._meta.get_field("at")
    event_rows = []
    for seq, event in enumerate(events, start=1):
        event.seq, event.at = seq, now
        data_sql, data_value = typed(data_field, event.data)
        at_sql, at_value = typed(at_field, now)
        event_rows.append(f"(%s, %s, %s, %s, %s, {data_sql}, {at_sql})")
        params += [seq, event.kind, event.node_id, event.status, event.attempt, data_value, at_value]
    step_columns = ", ".join(quote(str(f.column)) for f in step_fields)  # type: ignore[union-attr]
    sql = (
        f"WITH r AS (INSERT INTO {quote(run._meta.db_table)} ({run_sql})"
        f" SELECT {', '.join(sql for sql, _ in run_cells)}{guard} RETURNING id),"
        f" s AS (INSERT INTO {quote(StepRun._meta.db_table)} (run_id, {step_columns})"
        f" SELECT r.id, v.* FROM r, (VALUES {', '.join(rows)}) AS v RETURNING id, node_id),"
        f" e AS (INSERT INTO {quote(RunEvent._meta.db_table)} (run_id, seq, kind, node_id, status, attempt, data, at)"
        f" SELECT r.id, v.* FROM r, (VALUES {', '.join(event_rows)}) AS v)"
        " SELECT r.id, s.id, s.node_id FROM r, s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = cursor.fetchall()
    if not written:
        run.status, run.last_seq, run.created_at, run.started_at = R.QUEUED, 0, None, None
        return None  # a newer version exists
    run.pk = int(written[0][0])
    run._state.adding = False
    run._state.db = connection.alias
    for event in events:
        event.run_id = run.pk
    note_workflow(run.pk, run.workflow_id)
    published_after_commit(events)
    return {str(node_id): int(step_id) for _run_id, step_id, node_id in written}
