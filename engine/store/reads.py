"""Reading a run's steps for the planner and the evaluations, in one narrow query each, and
locking a run with the states of its steps (the fan-in's safe read)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django.db import connection
from django.utils import timezone

from engine.store.models import Run, StepRun
from engine.store.records import StepRow, StepState
from engine.store.sql import backend
from engine.store.statuses import RUN_TERMINAL


def run_lock_states(run: Run) -> dict[str, StepState]:
    """Lock the run's row for this transaction, refresh on the object already loaded what
    can have changed (status, error), and read the state of each of its steps (for the
    planner), in one query when nobody held the lock.

    On PostgreSQL under READ COMMITTED a statement reads from the snapshot it took when it
    began: when it had to wait for the lock, the locked row is re-read at its newest
    version but the joined step rows are not, so a sibling that committed meanwhile would
    look unfinished (a join lost) or a join it created absent (created twice). Every
    transaction that changes a step writes its run's `last_seq` (its events), so the
    statement also reads `last_seq` from its snapshot: when it differs from the locked
    row's, the states are read again, by a statement whose snapshot follows the lock."""
    quote = connection.ops.quote_name
    table = quote(Run._meta.db_table)
    db = backend()
    lock, seen = db.lock_run("r"), db.seen_seq(table, "r")
    sql = (
        f"SELECT r.status, r.error, r.last_seq, {seen}, s.node_id, s.status, s.ports FROM {table} r"
        f" LEFT JOIN {quote(StepRun._meta.db_table)} s ON s.run_id = r.id AND s.iteration = 0 WHERE r.id = %s{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [run.pk])
        fetched = cursor.fetchall()
    run.status, run.error = fetched[0][0], parse_json(fetched[0][1])
    if fetched[0][2] != fetched[0][3]:
        return plan_states(run.pk)  # it waited for the lock: the joined rows are stale
    return {node_id: StepState(status, parse_ports(ports)) for *_r, node_id, status, ports in fetched if node_id is not None}


def plan_states(run_id: int) -> dict[str, StepState]:
    """What the planner needs of each step (status, ports taken), read on every advance:
    one narrow query, no outputs, and the few distinct port lists parsed once each."""
    table = connection.ops.quote_name(StepRun._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT node_id, status, ports FROM {table} WHERE run_id = %s AND iteration = 0", [run_id])
        rows = cursor.fetchall()
    return {node_id: StepState(status, parse_ports(ports)) for node_id, status, ports in rows}


def step_rows(run_id: int, node_ids: list[str] | None = None) -> dict[str, StepRow]:
    """Status, ports and output of the run's steps (or of `node_ids`), by node."""
    table = connection.ops.quote_name(StepRun._meta.db_table)
    sql = f"SELECT node_id, status, ports, output FROM {table} WHERE run_id = %s AND iteration = 0"
    params: list[Any] = [run_id]
    if node_ids is not None:
        if not node_ids:
            return {}
        sql += f" AND node_id IN ({', '.join(['%s'] * len(node_ids))})"
        params += node_ids
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {node_id: step_row(node_id, status, parse_ports(ports), parse_json(output)) for node_id, status, ports, output in rows}


@lru_cache(maxsize=1024)
def _parsed_ports(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text) or ())


def parse_ports(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return _parsed_ports(value)
    return tuple(value or ())


def parse_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def step_row(node_id: str, status: str, ports: Any, output: Any) -> StepRow:
    """A step as the evaluations see it, from values (not the database's text: see
    `parse_ports`, `parse_json`)."""
    return StepRow(node_id, status, tuple(ports or ()), output)


# Narrow reads the orchestration needs (the ORM, on the store's models) -----------------


def run_locked(run_id: int) -> Run:
    """The run, its row locked for this transaction."""
    return Run.objects.select_for_update().get(pk=run_id)


def run_locked_or_none(run_id: int) -> Run | None:
    return Run.objects.select_for_update().filter(pk=run_id).first()


def step_ids(run_id: int, status: str) -> list[int]:
    """The ids of the run's steps in `status`."""
    return list(StepRun.objects.filter(run_id=run_id, status=status).values_list("id", flat=True))


def queued_untried(run_id: int) -> list[tuple[int, str]]:
    """(id, node) of the run's first-iteration steps queued and never tried, in order."""
    rows = StepRun.objects.filter(run_id=run_id, iteration=0, status="queued", attempt=0).order_by("id")
    return list(rows.values_list("id", "node_id"))


def first_failure(run_id: int) -> dict[str, Any] | None:
    """The error of the run's first step that failed unhandled (no port taken), with its
    node; None when there is none."""
    fields = ("node_id", "ports", "error", "finished_at")
    failed = [r for r in StepRun.objects.filter(run_id=run_id, iteration=0, status="failed").values(*fields) if not r["ports"]]
    if not failed:
        return None
    now = timezone.now()
    first = min(failed, key=lambda r: r["finished_at"] or now)
    return {"node_id": first["node_id"], **(first["error"] or {})}


def done_latest_first(run_id: int) -> list[str]:
    """The nodes of the run's succeeded (or compensated) steps, most recently finished first."""
    done = StepRun.objects.filter(run_id=run_id, iteration=0, status__in=["succeeded", "compensated"]).order_by("-finished_at", "-id")
    return list(done.values_list("node_id", flat=True))


def compensations(run_id: int) -> list[StepRun]:
    """The run's compensation steps, in the order they ran."""
    return list(StepRun.objects.filter(run_id=run_id, iteration__gt=0).order_by("iteration"))


def step_of(run_id: int, node_id: str, iteration: int = 0) -> StepRun:
    return StepRun.objects.get(run_id=run_id, node_id=node_id, iteration=iteration)


def steps_in(run_id: int, statuses: tuple[str, ...]) -> list[tuple[int, str]]:
    """(id, status) of the run's steps in one of `statuses`."""
    return [(int(i), str(s)) for i, s in StepRun.objects.filter(run_id=run_id, status__in=statuses).values_list("id", "status")]


def children_not_ended(run_id: int) -> list[int]:
    """The ids of the child runs of the run's steps that have not ended."""
    return list(Run.objects.filter(parent_step__run_id=run_id).exclude(status__in=RUN_TERMINAL).values_list("id", flat=True))


def runs_not_ended(run_ids: list[int]) -> list[Run]:
    return list(Run.objects.filter(pk__in=run_ids).exclude(status__in=RUN_TERMINAL))


def still_queued(step_ids: list[int]) -> list[int]:
    """Those of `step_ids` still queued."""
    return list(StepRun.objects.filter(pk__in=step_ids, status="queued").values_list("pk", flat=True))


def step_loaded(step_id: int) -> StepRun:
    """The step with its run (as `step.run`)."""
    return StepRun.objects.select_related("run").get(pk=step_id)


def step_run_id(step_id: int) -> int | None:
    return StepRun.objects.filter(pk=step_id).values_list("run_id", flat=True).first()


def child_runs(step_id: int, attempt: int) -> list[Run]:
    """The child runs a step's `attempt` started, in item order."""
    return list(Run.objects.filter(parent_step_id=step_id, parent_attempt=attempt).order_by("item_index", "id"))


def unhandled_failures(run_id: int) -> list[StepRun]:
    """The run's steps that failed or were interrupted without a port taken (retry from
    failure queues them again)."""
    return list(StepRun.objects.filter(run_id=run_id, status__in=["failed", "interrupted"], ports=[]))


def step_first(run_id: int, node_id: str) -> StepRun | None:
    """The node's step of the run (iteration 0), if it has one."""
    return StepRun.objects.filter(run_id=run_id, node_id=node_id, iteration=0).first()


def interrupted_latest(run_id: int, node_id: str) -> StepRun | None:
    """The node's latest interrupted step of the run, if any."""
    return StepRun.objects.filter(run_id=run_id, node_id=node_id, status="interrupted").order_by("-iteration").first()


def run_result(run_id: int, node_id: str | None) -> tuple[str, Any, Any] | None:
    """(status, output, error) of a finished run (the output of `node_id` if given), or
    None while it is still going (or there is no such run)."""
    row = Run.objects.filter(pk=run_id).values("status", "output", "error").first()
    if row is None or row["status"] not in RUN_TERMINAL:
        return None
    output = row["output"]
    if node_id:
        output = StepRun.objects.filter(run_id=run_id, node_id=node_id, iteration=0).values_list("output", flat=True).first()
    return str(row["status"]), output, row["error"]


def run_ids_existing(owner_id: int, ids: list[int]) -> list[int]:
    """Of these ids, the owner's runs that still exist (the audit log links to those)."""
    wanted = [i for i in ids if 0 < i < 2**63]
    return list(Run.objects.filter(owner_id=owner_id, pk__in=wanted).values_list("pk", flat=True))
