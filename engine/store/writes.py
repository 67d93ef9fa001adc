"""The only functions that write a run's or a step's status. Each write is a conditional
UPDATE (it succeeds only from an expected status, and for a running step only for the
lease holder) that appends its RunEvent, with the run's next sequence number, in the same
transaction; every transition is checked against the tables of engine.store.statuses."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from engine.store.events import Event, defer_run_update, defer_write, events_batched, note_workflow, published_after_commit, record_event
from engine.store.models import Run, RunEvent, StepRun
from engine.store.records import DRAFT_COLUMNS, RunSeen, StepDraft, StepState, StepThrough
from engine.store.sql import backend, columns, rows_source, set_clause, typed_param
from engine.store.statuses import RUN_TERMINAL, RUN_TRANSITIONS, STEP_TERMINAL, STEP_TRANSITIONS, IllegalTransition, RunStatus, StepStatus
from engine.store.statuses import check_transition as _check

IdsTaker = Callable[[list[int]], None]  # who takes the ids of steps created (steps_create's on_ids)

R, S = RunStatus, StepStatus


def run_created(run: Any, now: datetime, *, running: bool) -> None:
    """A run about to be written: it starts queued (with `running`, queued -> running,
    checked against the table), created now."""
    if run.status != R.QUEUED:
        raise IllegalTransition(f"a run starts queued, not {run.status}")
    run.created_at = now
    if running:
        _check(RUN_TRANSITIONS, (R.QUEUED,), R.RUNNING)
        run.status, run.started_at = R.RUNNING, now


@transaction.atomic(savepoint=False)
def run_insert(run: Any, *, data: Any = None, running: bool = False) -> None:
    """Create a run (a Run not yet saved) in its first status, queued, and record it: one
    INSERT ... RETURNING of its fields, then its event. With `running`, it is written
    already started: queued -> running checked against the table, both events recorded."""
    run_created(run, timezone.now(), running=running)
    fields = [f for f in run._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    params = [f.get_db_prep_save(getattr(run, f.attname), connection) for f in fields]
    sql = f"INSERT INTO {quote(run._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) RETURNING id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        run.pk = int(cursor.fetchone()[0])
    run._state.adding = False
    run._state.db = connection.alias
    note_workflow(run.pk, run.workflow_id)
    record_event(run_id=run.pk, kind="run", status=R.QUEUED, data=data)
    if running:
        record_event(run_id=run.pk, kind="run", status=R.RUNNING)


@transaction.atomic(savepoint=False)
def run_transition(
    run_id: int,
    sources: tuple[RunStatus, ...],
    target: RunStatus,
    *,
    data: Any = None,
    locked_status: RunStatus | str | None = None,
    **fields: Any,
) -> bool:
    """Move a run from one of `sources` to `target`; False when it was not in them. One
    conditional UPDATE. `locked_status`: the status a caller holding the run's row lock
    read in this transaction; inside `events_batched` the UPDATE is then written with the
    batch's sequence update of the same row."""
    _check(RUN_TRANSITIONS, sources, target)
    now = timezone.now()
    if target == R.RUNNING and R.QUEUED in sources:
        # A run starts once: a resume (failed -> running) keeps its first start, and its
        # event says who resumed it (the run's `resumes`).
        fields.setdefault("started_at", now)
    if target in RUN_TERMINAL:
        fields.setdefault("finished_at", now)
    values = {"status": target.value, **fields}
    if locked_status is not None:
        if locked_status not in sources:
            return False
        if defer_run_update(run_id, tuple(str(source) for source in sources), values):
            record_event(run_id=run_id, kind="run", status=target, data=data)
            return True
    where = f"id = %s AND status IN ({', '.join(['%s'] * len(sources))})"
    row = _update(Run, values, where, [run_id, *(str(source) for source in sources)], "id")
    if row is not None:
        record_event(run_id=run_id, kind="run", status=target, data=data)
    return row is not None


def _update(model: Any, values: dict[str, Any], where: str, params: list[Any], returning: str) -> tuple[Any, ...] | None:
    """One UPDATE ... SET <values> WHERE <where> RETURNING <returning> on one row, values
    converted by their model fields: the returned row, or None when no row matched."""
    assignments, values_params = set_clause(model, values)
    sql = f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET {assignments} WHERE {where} RETURNING {returning}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values_params, *params])
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


@transaction.atomic(savepoint=False)
def step_transition(
    step_id: int,
    sources: tuple[StepStatus, ...],
    target: StepStatus,
    *,
    lease_token: str | None = None,
    data: Any = None,
    known: tuple[int, str, int] | None = None,
    **fields: Any,
) -> bool:
    """Move a step from one of `sources` to `target`. With `lease_token`, only the holder of
    that lease may write (fencing: a worker whose lease was reclaimed cannot). One
    conditional UPDATE ... RETURNING, which also gives the event its step's identity.

    `known`: the step's (run id, node id, attempt) as a caller holding the run's row lock
    knows them. Inside `events_batched` on PostgreSQL the UPDATE then goes with the batch's
    events (one round trip less) as a required write: True at once, and if the condition
    no longer holds the flush raises WriteRefused and the transaction rolls back."""

    _check(STEP_TRANSITIONS, sources, target)
    now = timezone.now()
    if target in STEP_TERMINAL or target in (S.WAITING, S.INTERRUPTED):
        fields.setdefault("finished_at", now if target in STEP_TERMINAL else None)
    where = f"id = %s AND status IN ({', '.join(['%s'] * len(sources))})"
    params: list[Any] = [step_id, *(str(source) for source in sources)]
    if lease_token is not None:
        where += " AND lease_token = %s"
        params.append(lease_token)
    values = {"status": target.value, "updated_at": now, **fields}
    if known is not None:
        assignments, values_params = set_clause(StepRun, values)
        sql = f"UPDATE {connection.ops.quote_name(StepRun._meta.db_table)} SET {assignments} WHERE {where} RETURNING 1"
        if defer_write(sql, [*values_params, *params], required=True):
            run_id, node_id, attempt = known
            record_event(run_id=run_id, kind="step", status=target, node_id=node_id, attempt=attempt, data=data)
            return True
    row = _update(StepRun, values, where, params, "run_id, node_id, attempt")
    if row is None:
        return False
    record_event(run_id=int(row[0]), kind="step", status=target, node_id=str(row[1]), attempt=int(row[2]), data=data)
    return True


@transaction.atomic(savepoint=False)
def step_create(run_id: int, step: StepDraft) -> int:
    """Create a step directly in its first status (queued, skipped, or succeeded for a
    trigger or a reused output) and record it. The unique (run, node, iteration) constraint
    makes a second creation fail: a node never starts twice."""
    [step_id] = steps_create(run_id, [step])
    return step_id


STEP_COLUMNS = ("created_at", "updated_at", *DRAFT_COLUMNS)


def _step_values(step: StepDraft, now: datetime) -> list[Any]:
    """Every column of a step being created (but its run), in STEP_COLUMNS' order: its
    times, then the draft's; a step created finished, finished now."""
    claim = step.claim
    if claim is not None:  # queued -> running at once, for the claiming worker, as step_claim writes it
        step = replace(
            step,
            status=S.RUNNING,
            attempt=step.attempt + 1,
            started_at=claim.at,
            lease_owner=claim.worker[:100],
            lease_token=claim.token,
            lease_expires_at=claim.until,
        )
    elif step.finished_at is None and step.status in STEP_TERMINAL:
        step = replace(step, finished_at=now)
    return [now, now, *(getattr(step, name) for name in DRAFT_COLUMNS)]


def steps_source(steps: list[StepDraft], now: datetime) -> tuple[str, str, list[Any]]:
    """Steps being created (but their run) as a statement's rows (engine.store.sql): the
    quoted column names, in the order of v.column1..n, the source and its parameters."""
    fields = _step_fields()
    rows = [[f.get_db_prep_save(value, connection) for f, value in zip(fields, _step_values(step, now), strict=True)] for step in steps]
    source, params = rows_source(fields, rows)
    return ", ".join(connection.ops.quote_name(name) for name in STEP_COLUMNS), source, params


@cache
def _step_fields() -> list[Any]:
    return [StepRun._meta.get_field(name) for name in STEP_COLUMNS]


@transaction.atomic(savepoint=False)
def steps_create(run_id: int, steps: list[StepDraft], *, ids: bool = True, on_ids: IdsTaker | None = None) -> list[int]:
    """Create several steps of a run, each in its first status (`step_create`), in one
    multi-row INSERT ... RETURNING, each with its event; their ids in the order given.
    `ids=False`: the caller needs no ids and reads none of them back in this transaction,
    so the INSERT may go with the events' statement (engine.store.events.defer_write); [].
    `on_ids`: the caller needs the ids only once the batch is written (to dispatch or go
    on with a step after the commit), and reads none of the steps back before: the INSERT
    goes with the events' statement all the same, and `on_ids` is handed the ids, in the
    order given, when it has run (at once where nothing is deferred); []."""
    if len(steps) > 500:  # SQLite's bound on parameters
        if on_ids is not None:
            head: list[int] = []
            steps_create(run_id, steps[:500], on_ids=head.extend)
            steps_create(run_id, steps[500:], on_ids=lambda tail: on_ids([*head, *tail]))
            return []
        return steps_create(run_id, steps[:500], ids=ids) + steps_create(run_id, steps[500:], ids=ids)
    if not steps:
        if on_ids is not None:
            on_ids([])
        return []
    names, source, source_params = steps_source(steps, timezone.now())
    run_id_param = typed_param(StepRun._meta.get_field("run"))
    table = connection.ops.quote_name(StepRun._meta.db_table)
    sql = f"INSERT INTO {table} (run_id, {names}) SELECT {run_id_param}, {columns(len(STEP_COLUMNS))} FROM {source}"
    params = [run_id, *source_params]

    def in_order(rows: list[tuple[Any, ...]]) -> list[int]:  # (id, node_id, iteration) rows
        found = {(str(node_id), int(iteration)): int(step_id) for step_id, node_id, iteration in rows}
        return [found[(step.node_id, step.iteration)] for step in steps]

    returning = sql + " RETURNING id, node_id, iteration"
    created: list[int] = []
    deferred = on_ids is not None and defer_write(returning, params, on_rows=lambda rows: on_ids(in_order(rows)))
    if not deferred and (ids or on_ids is not None or not defer_write(sql, params)):
        with connection.cursor() as cursor:
            cursor.execute(returning, params)
            created = in_order(cursor.fetchall())
    for step in steps:
        record_event(run_id=run_id, kind="step", status=step.status, node_id=step.node_id, attempt=step.attempt, data=step.data)
        if step.claim is not None:
            if step.status != S.QUEUED or not (ids or on_ids is not None) or step.claim.at is None:
                raise IllegalTransition("only a queued step whose id is read back can be created claimed, once taken")
            _check(STEP_TRANSITIONS, (S.QUEUED,), S.RUNNING)
            data = {"worker": step.claim.worker}
            record_event(run_id=run_id, kind="step", status=S.RUNNING, node_id=step.node_id, attempt=step.attempt + 1, data=data)
    if on_ids is not None:
        if not deferred:
            on_ids(created)
        return []
    return created if ids else []


class ClaimRow(NamedTuple):
    """A claimed step's run id, node id and attempt; `seen`: the run as the claim left it
    (PostgreSQL, when asked), None if the claim waited for a writer of the run."""

    run_id: int
    node_id: str
    attempt: int
    seen: RunSeen | None = None


def step_claim(
    step_id: int, *, worker: str, token: str, lease_s: float, now: datetime | None = None, seeing: bool = False
) -> ClaimRow | None:
    """queued -> running for one worker: a new lease and attempt + 1, in one conditional
    UPDATE ... RETURNING, with its event. None when someone else has it, it is finished,
    or its timer is not due (the caller drops the message); else the step's (run id, node
    id, attempt). On PostgreSQL the claim, the run's sequence and the event are one
    statement, atomic by itself: no transaction of its own (one round trip, not four);
    `seeing`: it also answers the run as it left it (`ClaimRow.seen`)."""

    _check(STEP_TRANSITIONS, (S.QUEUED,), S.RUNNING)
    now = now or timezone.now()
    at = connection.ops.adapt_datetimefield_value(now)
    until = connection.ops.adapt_datetimefield_value(now + timedelta(seconds=lease_s))
    quote = connection.ops.quote_name
    table = quote(StepRun._meta.db_table)
    params: list[Any] = [S.RUNNING.value, worker[:100], token, until, at, at]
    # The claim's event needs the run's row anyway: it is locked first (the order of
    # every writer that holds the run) where rows are locked one by one.
    run_first = backend().run_first(quote(Run._meta.db_table), table)
    if run_first:
        params.append(step_id)
    params += [step_id, S.QUEUED.value, at]
    update = (
        f"UPDATE {table} SET status = %s, attempt = attempt + 1, lease_owner = %s, lease_token = %s,"
        " lease_expires_at = %s, not_before = NULL, started_at = %s, updated_at = %s"
        f" WHERE {run_first}id = %s AND status = %s AND (not_before IS NULL OR not_before <= %s)"
        " RETURNING run_id, node_id, attempt"
    )
    data = {"worker": worker}
    if backend().one_statement:
        return _claim_with_event(update, params, data, now, seeing=seeing)
    with transaction.atomic(savepoint=False), events_batched():  # the claim and its event: two statements, not three
        with connection.cursor() as cursor:
            cursor.execute(update, params)
            row = cursor.fetchone()
        if row is None:
            return None
        claimed = ClaimRow(int(row[0]), str(row[1]), int(row[2]))
        record_event(run_id=claimed[0], kind="step", status=S.RUNNING, node_id=claimed[1], attempt=claimed[2], data=data)
    return claimed


def _claim_with_event(update: str, params: list[Any], data: dict[str, Any], now: datetime, *, seeing: bool) -> ClaimRow | None:
    """PostgreSQL: the claim's UPDATE, the run's next sequence number and the claim's
    event in one data-modifying WITH; the event is published once it commits.

    `seeing`: the statement also reads the run's row and its steps' states from its
    snapshot. Those are the run as the claim left it only if nobody wrote the run between
    the snapshot and the lock (the claim's sequence number is the snapshot's + 1: see
    engine.store.reads.run_lock_states); the claimed step itself reads queued there."""
    quote = connection.ops.quote_name
    runs, steps = quote(Run._meta.db_table), quote(StepRun._meta.db_table)
    events_table = quote(RunEvent._meta.db_table)
    data_param = typed_param(RunEvent._meta.get_field("data"))
    at_param = typed_param(RunEvent._meta.get_field("at"))
    seen = (
        f", (SELECT json_build_array(r0.last_seq, r0.status, r0.error)::text FROM {runs} r0 WHERE r0.id = c.run_id),"
        f" (SELECT json_agg(json_build_array(s.node_id, s.status, s.ports))::text FROM {steps} s"
        " WHERE s.run_id = c.run_id AND s.iteration = 0)"
        if seeing
        else ""
    )
    sql = (
        f"WITH c AS ({update}),"
        f" r AS (UPDATE {runs} SET last_seq = last_seq + 1 WHERE id = (SELECT run_id FROM c) RETURNING last_seq),"
        f" e AS (INSERT INTO {events_table} (run_id, seq, kind, node_id, status, attempt, data, at)"
        f" SELECT c.run_id, r.last_seq, 'step', c.node_id, %s, c.attempt, {data_param}, {at_param} FROM c, r RETURNING seq)"
        f" SELECT c.run_id, c.node_id, c.attempt, e.seq{seen} FROM c, e"
    )
    prepared = RunEvent._meta.get_field("data").get_db_prep_save(data, connection)
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, S.RUNNING.value, prepared, at])
        row = cursor.fetchone()
    if row is None:
        return None
    run_id, node_id, attempt, seq = int(row[0]), str(row[1]), int(row[2]), int(row[3])
    event = Event(run_id=run_id, kind="step", status=S.RUNNING, node_id=node_id, attempt=attempt, data=data)
    event.seq, event.at = seq, now
    published_after_commit([event])
    run_seen = None
    if seeing:
        last_seq, status, error = json.loads(row[4])
        if last_seq + 1 == seq:  # nobody wrote the run between the snapshot and the lock
            states = {n: StepState(st, tuple(ports or ())) for n, st, ports in json.loads(row[5] or "[]")}
            states[node_id] = StepState(S.RUNNING, ())
            run_seen = RunSeen(seq, status, error, states)
    return ClaimRow(run_id, node_id, attempt, run_seen)


_THROUGH = ("id", "attempt", "started_at", "finished_at", "input", "output", "ports", "attempts")


@transaction.atomic(savepoint=False)
def steps_run_through(steps: list[StepThrough], *, worker: str) -> list[int]:
    """queued -> running -> succeeded for pure steps run inline under their run's lock
    (engine.orchestration.inline), in one conditional UPDATE ... FROM their rows: both
    transitions are checked against the table and both events written for each. A step is
    written only if still queued at the `attempt` the caller read and due; returns the ids
    written."""

    _check(STEP_TRANSITIONS, (S.QUEUED,), S.RUNNING)
    _check(STEP_TRANSITIONS, (S.RUNNING,), S.SUCCEEDED)
    if not steps:
        return []
    now = timezone.now()
    quote = connection.ops.quote_name
    table = quote(StepRun._meta.db_table)
    fields = [StepRun._meta.get_field(name) for name in _THROUGH]
    value_of = {name: f"v.column{i + 1}" for i, name in enumerate(_THROUGH)}
    source, source_params = rows_source(fields, [[f.get_db_prep_save(getattr(step, f.name), connection) for f in fields] for step in steps])  # type: ignore[union-attr]
    at = connection.ops.adapt_datetimefield_value(now)
    params: list[Any] = [S.SUCCEEDED.value, worker[:100], at, *source_params, S.QUEUED.value, at]
    sql = (
        f"UPDATE {table} SET status = %s, attempt = {value_of['attempt']} + 1, lease_owner = %s, lease_token = '',"
        f" lease_expires_at = NULL, not_before = NULL, error = NULL, updated_at = %s,"
        + ", ".join(f"{quote(name)} = {value_of[name]}" for name in _THROUGH[2:])
        + f" FROM {source}"
        f" WHERE {table}.id = {value_of['id']} AND {table}.status = %s AND {table}.attempt = {value_of['attempt']}"
        f" AND ({table}.not_before IS NULL OR {table}.not_before <= %s)"
        f" RETURNING {table}.id, {table}.run_id, {table}.node_id, {table}.attempt"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = {int(r[0]): (int(r[1]), str(r[2]), int(r[3])) for r in cursor.fetchall()}
    inline = {"worker": worker, "inline": True}
    for step in steps:  # the events in the order given
        if step.id in written:
            run_id, node_id, attempt = written[step.id]
            record_event(run_id=run_id, kind="step", status=S.RUNNING, node_id=node_id, attempt=attempt, data=inline)
            record_event(run_id=run_id, kind="step", status=S.SUCCEEDED, node_id=node_id, attempt=attempt, data=inline)
    return [step.id for step in steps if step.id in written]
