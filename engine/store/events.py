"""The run's event log: every transition appends a RunEvent with the run's next sequence
number, in the transaction that makes it; once that transaction commits, the live stream
hears of it (the sink). Inside `events_batched` the events of a transaction are written
together when it ends: one statement for the sequence and the rows."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import psycopg
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.errors import DivisionByZero
from psycopg.pq import TransactionStatus

from core.lru import LRU
from engine.store.models import Run, RunEvent
from engine.store.sql import backend, columns, rows_source, set_clause, typed_param

EventSink = Callable[[list[Any]], None]
_sink: EventSink | None = None


def set_event_sink(sink: EventSink | None) -> None:
    """Who hears about events once their transaction has committed (the live stream sets
    itself here when the app starts, so this module imports no channels)."""
    global _sink
    _sink = sink


# Each run's workflow, while runs are in hand (the most recent 10,000 per process).
_workflows: LRU[int, int] = LRU(10_000)


def note_workflow(run_id: int, workflow_id: int) -> None:
    """Remember a run's workflow while the run is in hand, so publishing its events (its
    workflow's stream too) needs no query for it."""
    _workflows.put(run_id, workflow_id)


def workflow_of(run_id: int) -> int | None:
    return _workflows.get(run_id)


def published_after_commit(events: list[Any]) -> None:
    if _sink is not None and events:
        sink = _sink
        transaction.on_commit(lambda: sink(events), robust=True)


RowsTaker = Callable[[list[tuple[Any, ...]]], None]


class Deferred(NamedTuple):
    """A write deferred to the events' statement: its SQL and parameters, whether it must
    match a row (`required`), and who takes the rows its RETURNING gives (`on_rows`: each
    row its columns' values, in order), once the statement has run."""

    sql: str
    params: list[Any]
    required: bool = False
    on_rows: RowsTaker | None = None


class Written:
    """What a batch wrote, once its block has ended: each run's last sequence number."""

    __slots__ = ("last_seq",)

    def __init__(self) -> None:
        self.last_seq: dict[int, int] = {}


class _Batch(threading.local):
    events: list[Any] | None = None
    # Run rows to update with the sequence, by run: (statuses it must be in, values to set).
    run_updates: dict[int, tuple[tuple[str, ...], dict[str, Any]]] | None = None
    # Other writes to make in the same statement as the events.
    writes: list[Deferred] | None = None
    written: Written | None = None
    # (run id, last_seq) the run must still have (`events_batched(unchanged=...)`), and
    # whether the batch's own statement is the one being executed.
    unchanged: tuple[int, int] | None = None
    flushing = False


_batch = _Batch()


class WriteRefused(RuntimeError):
    """A required deferred write matched no row: the batch's transaction must roll back
    (its caller's condition, such as a lease, no longer held)."""


class Changed(BaseException):
    """Out of `events_batched(unchanged=...)`: the run changed since it was seen, a required
    write matched nothing, or the block needed a statement of its own. Nothing was
    written; do it again under the run's lock. A BaseException, so that no `except
    Exception` on its way (a node's, a hook's) takes it for a failure of its own."""


def defer_write(sql: str, params: list[Any], *, required: bool = False, on_rows: RowsTaker | None = None) -> bool:
    """Inside `events_batched` on PostgreSQL: make an INSERT or UPDATE whose result the
    transaction does not read back in the statement that writes the batch's events (a
    data-modifying WITH), one round trip less. `required`: a conditional write that must
    match a row (its SQL ends in RETURNING), else the flush raises WriteRefused and
    writes no event. `on_rows`: a write whose RETURNING rows its caller needs, but only
    after the batch is written (an INSERT's ids, to dispatch after the commit): they are
    handed to it then. False: the caller writes it now."""
    if _batch.writes is None or not backend().one_statement:
        return False
    _batch.writes.append(Deferred(sql, params, required, on_rows))
    return True


def defer_run_update(run_id: int, sources: tuple[str, ...], values: dict[str, Any]) -> bool:
    """Inside `events_batched`: write a run's conditional UPDATE (only from `sources`) with
    the batch's sequence update of the same row, one statement less. For a caller that
    holds the run's row lock and read its status in this transaction, so the condition
    cannot change before the flush (which refuses the transaction if it did). False when
    not batching or one is already pending for the run: the caller writes it now."""
    if _batch.run_updates is None or run_id in _batch.run_updates:
        return False
    _batch.run_updates[run_id] = (sources, values)
    return True


@contextmanager
def events_batched(*, unchanged: tuple[int, int] | None = None) -> Iterator[Written]:
    """Inside, the events of every transition are buffered and written when the block
    ends: one sequence update per run and one INSERT for them all, instead of two
    statements per event. Use inside the transaction that makes the transitions (the block
    must end before the commit); a nested use joins the outer one. What it gives says,
    once the block has ended, what was written.

    `unchanged` (run id, last_seq), on PostgreSQL, for a block that decided from the run's
    state as of that sequence number without locking the run (docs/architecture.md#the-
    unlocked-record): the batch's one statement writes only if the run's last_seq is still
    that, and it is the block's only statement. Any other statement raises Changed before
    it is sent; so does a run that changed, or a required write that matched nothing.
    When nothing was sent before it, the statement runs on its own, atomic by itself:
    the transaction around it costs no BEGIN and no COMMIT."""
    if _batch.events is not None:
        assert _batch.written is not None
        yield _batch.written
        return
    if unchanged is not None and not backend().one_statement:
        raise ValueError("an unlocked batch needs the one-statement backend")
    written = Written()
    _batch.events, _batch.run_updates, _batch.writes, _batch.written = [], {}, [], written
    _batch.unchanged = unchanged
    try:
        if unchanged is None:
            yield written
            _flush(_batch.events, _batch.run_updates, _batch.writes)
        else:
            with connection.execute_wrapper(_only_the_batch):
                yield written
                _flush(_batch.events, _batch.run_updates, _batch.writes)
    finally:
        _batch.events = _batch.run_updates = _batch.writes = _batch.written = _batch.unchanged = None
        _batch.flushing = False


def _only_the_batch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    """An unlocked batch's guard: its own statement goes; any other is not sent."""
    if not _batch.flushing:
        raise Changed(f"an unlocked batch needed a statement of its own: {sql[:60]}")
    return execute(sql, params, many, context)


EVENT_COLUMNS = ("seq", "kind", "node_id", "status", "attempt", "data")


def events_source(events: list[Any], seqs: Any, *, with_run: bool = False) -> tuple[str, list[Any]]:
    """Events (numbered `seqs`) as a statement's rows (engine.store.sql): v.column1..6 are seq,
    kind, node_id, status, attempt, data; `with_run` puts the run's id first."""

    names = ("run", *EVENT_COLUMNS) if with_run else EVENT_COLUMNS
    fields = [RunEvent._meta.get_field(name) for name in names]
    prepare = fields[-1].get_db_prep_save  # type: ignore[union-attr]
    rows = [
        [*([e.run_id] if with_run else []), seq, e.kind, e.node_id, e.status, e.attempt, prepare(e.data, connection)]
        for seq, e in zip(seqs, events, strict=True)
    ]
    return rows_source(fields, rows)


def _run_update_sql(
    run_id: int, count: int, update: tuple[tuple[str, ...], dict[str, Any]] | None, last_seq: int | None = None
) -> tuple[str, list[Any]]:
    """UPDATE of a run's sequence (+ `count`) and of what a deferred transition sets,
    conditional on its statuses (and on `last_seq`, when given), RETURNING the new last_seq."""

    assignments, params = "last_seq = last_seq + %s", [count]
    where, where_params = "id = %s", list[Any]([run_id])
    if last_seq is not None:
        where += " AND last_seq = %s"
        where_params.append(last_seq)
    if update is not None:
        sources, values = update
        sets, set_params = set_clause(Run, values)
        assignments, params = f"{assignments}, {sets}", [*params, *set_params]
        where += f" AND status IN ({', '.join(['%s'] * len(sources))})"
        where_params += list(sources)
    table = connection.ops.quote_name(Run._meta.db_table)
    return f"UPDATE {table} SET {assignments} WHERE {where} RETURNING last_seq", params + where_params


def _flush(
    events: list[Any],
    run_updates: dict[int, tuple[tuple[str, ...], dict[str, Any]]] | None = None,
    writes: list[Deferred] | None = None,
) -> None:
    """One sequence update per run (with its deferred transition, if any), then one
    multi-row INSERT for every buffered event."""

    writes = writes or []
    unchanged = _batch.unchanged
    if unchanged is not None and {e.run_id for e in events} != {unchanged[0]}:
        raise Changed("an unlocked batch wrote no event of its run, or another run's")
    if not events:
        _execute(writes)
        return
    by_run: dict[int, list[Any]] = {}
    for event in events:
        by_run.setdefault(event.run_id, []).append(event)
    now = timezone.now()
    at = connection.ops.adapt_datetimefield_value(now)
    table = connection.ops.quote_name(RunEvent._meta.db_table)
    updates = run_updates or {}
    if set(updates) - set(by_run):
        raise RuntimeError("a deferred run update without its event")
    if backend().one_statement and len(by_run) == 1:
        _flush_one_statement(events, at, updates.get(events[0].run_id), writes, unchanged)
    else:
        _execute(writes)
        for run_id, run_events in by_run.items():
            sql, update_params = _run_update_sql(run_id, len(run_events), updates.get(run_id))
            with connection.cursor() as cursor:
                cursor.execute(sql, update_params)
                row = cursor.fetchone()
            if row is None:
                raise RuntimeError(f"run {run_id} was not in the status its transition expected")  # roll back
            last = int(row[0])
            for offset, event in enumerate(run_events):
                event.seq = last - len(run_events) + 1 + offset
            if _batch.written is not None:
                _batch.written.last_seq[run_id] = last
        source, params = events_source(events, [e.seq for e in events], with_run=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (run_id, seq, kind, node_id, status, attempt, data, at)"
                f" SELECT {columns(1 + len(EVENT_COLUMNS))}, {typed_param(RunEvent._meta.get_field('at'))} FROM {source}",
                [at, *params],  # in the order of the placeholders
            )
    for event in events:
        event.at = now
    published_after_commit(events)


def _execute(writes: list[Deferred]) -> None:
    for sql, params, required, on_rows in writes:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if required and cursor.rowcount == 0:
                raise WriteRefused(sql.split(" WHERE ", 1)[0])
            if on_rows is not None:
                on_rows([tuple(row) for row in cursor.fetchall()])


def _flush_one_statement(
    events: list[Any],
    at: Any,
    update: tuple[tuple[str, ...], dict[str, Any]] | None,
    writes: list[Deferred],
    unchanged: tuple[int, int] | None = None,
) -> None:
    """PostgreSQL, one run: the deferred writes, the sequence update and the INSERT in one
    statement (a data-modifying WITH), numbering the events from the run's new last_seq.
    The events are written only if every required write matched; if one did not, the
    statement answers -1 and nothing of it is kept (WriteRefused rolls back).

    `unchanged`: the run's update also needs its last_seq to be that, and a statement that
    cannot write it all fails as a whole (a division by zero: the data-modifying parts of
    a statement are kept or lost together, where -1 relies on the transaction's
    rollback), so that it may run outside a transaction."""

    quote = connection.ops.quote_name
    n, run_id = len(events), events[0].run_id
    update_sql, update_params = _run_update_sql(run_id, n, update, unchanged[1] if unchanged is not None else None)
    before = "".join(f"w{i} AS ({write.sql}), " for i, write in enumerate(writes))
    required = " AND ".join(f"EXISTS (SELECT 1 FROM w{i})" for i, write in enumerate(writes) if write.required)
    taken = [i for i, write in enumerate(writes) if write.on_rows is not None]
    source, source_params = events_source(events, range(1, n + 1))
    params: list[Any] = [p for write in writes for p in write.params]
    params += [*update_params, run_id, n, at, *source_params]  # in the order of the placeholders below
    insert = (
        f"INSERT INTO {quote(RunEvent._meta.db_table)} (run_id, seq, kind, node_id, status, attempt, data, at)"
        f" SELECT {typed_param(RunEvent._meta.get_field('run'))}, r.last_seq - %s + v.column1,"
        f" v.column2, v.column3, v.column4, v.column5, v.column6, {typed_param(RunEvent._meta.get_field('at'))}"
        f" FROM r, {source}{f' WHERE {required}' if required else ''} RETURNING seq"
    )
    # The answer's rows, tagged: 0 an event's seq, -1 a required write that matched
    # nothing, i + 1 a row (as a JSON object, its columns in order) deferred write i returned.
    answers = ["SELECT 0, seq, NULL::text FROM e"]
    answers += [f"SELECT -1, NULL, NULL WHERE NOT ({required})"] if required else []
    answers += [f"SELECT {i + 1}, NULL, row_to_json(w{i})::text FROM w{i}" for i in taken]
    if unchanged is not None:
        whole = " AND ".join(["EXISTS (SELECT 1 FROM r)", *([required] if required else [])])
        answers.append(f"SELECT -2, 1 / CASE WHEN {whole} THEN 1 ELSE 0 END, NULL")
    sql = f"WITH {before}r AS ({update_sql}), e AS ({insert}) {' UNION ALL '.join(answers)}"
    answered = _execute_batch(sql, params, unlocked=unchanged is not None)
    seqs = [int(row[1]) for row in answered if row[0] == 0]
    if any(row[0] == -1 for row in answered):
        raise WriteRefused(f"run {run_id}: a required write matched no row")  # roll back
    if len(seqs) != n:
        raise RuntimeError(f"run {run_id}: {len(seqs)} of {n} events written")  # no such run, or not in the status expected: roll back
    for i in taken:
        on_rows = writes[i].on_rows
        assert on_rows is not None
        on_rows([tuple(json.loads(row[2]).values()) for row in answered if row[0] == i + 1])
    first = min(seqs)
    for k, event in enumerate(events):
        event.seq = first + k
    if _batch.written is not None:
        _batch.written.last_seq[run_id] = first + n - 1


def _execute_batch(sql: str, params: list[Any], *, unlocked: bool) -> list[tuple[Any, ...]]:
    """The batch's statement and its rows. `unlocked` (an unlocked batch): when it is the
    transaction's first statement, it is sent on its own (the connection in autocommit for
    it): the transaction had nothing else to commit; and a statement refused as a whole
    raises Changed."""
    raw: Any = connection.connection if unlocked else None
    alone = raw is not None and raw.info.transaction_status == TransactionStatus.IDLE
    _batch.flushing = True
    try:
        if alone:
            raw.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows
    except DataError as exc:
        if unlocked and isinstance(exc.__cause__, DivisionByZero):
            raise Changed("the run changed, or a required write matched nothing") from None
        raise
    except IntegrityError:
        if not unlocked:
            raise
        # A step the seen states said was not there yet (another writer made it since):
        # the run changed, and the statement, failed as a whole, wrote nothing.
        raise Changed("a write of the unlocked batch met a row made since") from None
    finally:
        _batch.flushing = False
        if alone:
            # Not on a connection that broke meanwhile: its error is the one to raise
            # (the step is retried on a new connection), and it is discarded anyway.
            with contextlib.suppress(psycopg.Error):
                raw.autocommit = False


class Event:
    """A RunEvent as written by a batch and handed to the sink: the same attributes,
    without a model instance's cost (the hot path makes several per step)."""

    __slots__ = ("at", "attempt", "data", "kind", "node_id", "run_id", "seq", "status")

    def __init__(self, *, run_id: int, kind: str, status: str, node_id: str = "", attempt: int = 0, data: Any = None) -> None:
        self.run_id, self.kind, self.status, self.node_id, self.attempt = run_id, kind, str(status), node_id, attempt
        self.data = data if data is not None else {}
        self.seq: int = 0
        self.at: Any = None


def record_event(*, run_id: int, kind: str, status: str, node_id: str = "", attempt: int = 0, data: Any = None) -> None:
    """Append one RunEvent with the run's next sequence number (buffered inside
    `events_batched`)."""

    if _batch.events is not None:
        _batch.events.append(Event(run_id=run_id, kind=kind, node_id=node_id, status=status, attempt=attempt, data=data or {}))
        return
    event = RunEvent(run_id=run_id, kind=kind, node_id=node_id, status=status, attempt=attempt, data=data or {})
    sql, params = _run_update_sql(run_id, 1, None)
    with connection.cursor() as cursor:  # also holds the run row's lock to the commit: seqs never interleave
        cursor.execute(sql, params)
        event.seq = int(cursor.fetchone()[0])
    event.save(force_insert=True)
    published_after_commit([event])
