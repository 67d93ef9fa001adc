"""Advancing a run under the lock on its row, so two workers finishing parallel branches at
once never start a node twice: the steps that became ready are created (or, with an
inliner, pure ones run at once), dead paths skipped, the run ended when nothing more can
happen, and compensations started in reverse order when it failed."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from engine.models import Run, StepRun
from engine.orchestration.graph import Graph, StepState, outcome, plan, sinks
from engine.orchestration.pinned import graph_for
from engine.states import RunStatus, StepStatus, run_transition, step_create, step_transition, steps_create

if TYPE_CHECKING:
    from engine.orchestration.inline import Inliner

R, S = RunStatus, StepStatus


def step_row(node_id: str, status: str, ports: Any, output: Any) -> dict[str, Any]:
    """What the planner and the expressions see of a step: its status, the ports it took
    and its output (values, not the database's text: see `parse_ports`, `parse_json`)."""
    return {"node_id": node_id, "status": status, "ports": list(ports or ()), "output": output}


def step_state(step: dict[str, Any]) -> StepState:
    """What the planner sees of a step about to be created (a dict as `steps_create` takes)."""
    return StepState(step["status"], tuple(step.get("ports", ())))


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
    from django.db import connection

    quote = connection.ops.quote_name
    table = quote(Run._meta.db_table)
    locking = connection.features.has_select_for_update_of
    lock = " FOR UPDATE OF r" if locking else ""
    seen = f"(SELECT r0.last_seq FROM {table} r0 WHERE r0.id = r.id)" if locking else "r.last_seq"
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


def advance(run_id: int) -> list[int]:
    """Create the steps that became ready (returned, to dispatch) and skip dead paths; end
    the run when nothing more can happen."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        return _advance_locked(run)


def plan_states(run_id: int) -> dict[str, StepState]:
    """What the planner needs of each step (status, ports taken), read on every advance:
    one narrow query, no outputs, and the few distinct port lists parsed once each."""
    from django.db import connection

    table = connection.ops.quote_name(StepRun._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT node_id, status, ports FROM {table} WHERE run_id = %s AND iteration = 0", [run_id])
        rows = cursor.fetchall()
    return {node_id: StepState(status, parse_ports(ports)) for node_id, status, ports in rows}


@lru_cache(maxsize=1024)
def _parsed_ports(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text) or ())


def parse_ports(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return _parsed_ports(value)
    return tuple(value or ())


def step_rows(run_id: int, node_ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Status, ports and output of the run's steps (or of `node_ids`), by node."""
    from django.db import connection

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


def input_rows(
    run_id: int, graph: Graph, node_id: str, known: dict[str, dict[str, Any]], *, complete: bool = False, every: bool = False
) -> dict[str, dict[str, Any]]:
    """The rows a node's evaluation sees: every step's when it reads the run's data (or
    `every`), else its predecessors'. Rows in `known` (made or read in this transaction)
    are not read again and win over the database's; what is read is added to `known`.
    `complete`: `known` holds every step of the run already."""
    if every or graph.needs_data(node_id):
        if not complete:
            merged = {**step_rows(run_id), **known}
            known.clear()
            known.update(merged)
        return known
    sources = [e.source for e in graph.inbound.get(node_id, [])]
    missing = [n for n in sources if n not in known]
    if missing and not complete:
        known.update({n: row for n, row in step_rows(run_id, missing).items() if n not in known})
    return {n: known[n] for n in sources if n in known}


def parse_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _advance_locked(run: Run) -> list[int]:
    return [step_id for step_id, _node in advance_locked_nodes(run)]


def advance_locked_nodes(
    run: Run,
    inliner: Inliner | None = None,
    *,
    states: dict[str, StepState] | None = None,
    first: list[dict[str, Any]] | None = None,
) -> list[tuple[int, str]]:
    """Advance a run whose row this transaction holds locked: (step id, node id) of the
    steps it made ready (node id "" for a compensation step). With an `inliner`, pure steps
    (queued ones never tried, and those that become ready) run at once instead. `states`:
    its steps' states as this transaction knows them (else they are read); `first`: a new
    run's trigger steps, not yet created (they are its only steps)."""
    if run.status == R.COMPENSATING:
        return [(step_id, "") for step_id in _compensate_next(run)]
    if run.status == R.CANCELLING:
        # A step interrupted after the cancel (an at-most-once call that timed out) is
        # cancelled with the run: nobody will decide on it now.
        for step_id in StepRun.objects.filter(run_id=run.pk, status=S.INTERRUPTED).values_list("id", flat=True):
            step_transition(step_id, (S.INTERRUPTED,), S.CANCELLED, data={"reason": "run is cancelling"})
        if not StepRun.objects.filter(run_id=run.pk, status=S.RUNNING).exists():
            _finish(run, (R.CANCELLING,), R.CANCELLED)
        return []
    if run.status != R.RUNNING:
        return []
    graph = graph_for(run)
    new: list[dict[str, Any]] = list(first or [])  # the steps this advance creates, in causal order: one INSERT
    if first is not None:
        states = {step["node_id"]: step_state(step) for step in first}
    elif states is None:
        states = plan_states(run.pk)
    if inliner is not None:
        _inline_queued(run, inliner, states)
    new += planned_steps(graph, states, inliner)
    result = outcome(graph, states)
    names = [node_id for node_id in sinks(graph, states) if node_id not in graph.triggers] if result == "succeeded" else []
    known = inliner.rows if inliner is not None else {}
    # The new steps' ids are needed to dispatch queued ones; the rows are read back to
    # plan a compensation or (unless in hand) to collect the run's output. Otherwise
    # their INSERT goes with the events' statement.
    outputs_in_hand = all(node_id in known for node_id in names)
    queued = any(step["status"] == S.QUEUED for step in new)
    created: list[tuple[int, str]] = []
    if queued or result == "failed" or not outputs_in_hand:
        ids = steps_create(run.pk, new)
        created = [(step_id, step["node_id"]) for step_id, step in zip(ids, new, strict=True) if step["status"] == S.QUEUED]
    else:
        steps_create(run.pk, new, ids=False)
    if result == "succeeded":
        if not outputs_in_hand:
            known = step_rows(run.pk, names)
        outputs = {node_id: row["output"] for node_id, row in known.items()}
        _finish(run, (R.RUNNING,), R.SUCCEEDED, output={node_id: outputs.get(node_id) for node_id in names})
    elif result == "failed":
        fields = ("node_id", "status", "ports", "error", "finished_at")
        rows = StepRun.objects.filter(run_id=run.pk, iteration=0, status=S.FAILED).values(*fields)
        failed = [r for r in rows if not r["ports"]]
        first = min(failed, key=lambda r: r["finished_at"] or timezone.now()) if failed else None
        error = {"node_id": first["node_id"], **(first["error"] or {})} if first else {"message": "The run could not continue."}
        if _compensation_plan(run, graph):
            run_transition(run.pk, (R.RUNNING,), R.COMPENSATING, error=error, data={"error": error})
            run.status = R.COMPENSATING
            return [(step_id, "") for step_id in _compensate_next(run)]
        _finish(run, (R.RUNNING,), R.FAILED, error=error, data={"error": error})
    return created


def planned_steps(graph: Graph, states: dict[str, StepState], inliner: Inliner | None = None) -> list[dict[str, Any]]:
    """The steps to create now, in causal order (skipped, queued, or run inline by the
    `inliner` and so succeeded, which can make more ready); `states` follows them."""
    new: list[dict[str, Any]] = []
    decided = plan(graph, states)
    while decided.ready or decided.skipped:
        round_ = [{"node_id": node_id, "status": S.SKIPPED} for node_id in decided.skipped]
        for node_id in decided.ready:
            inlined = inliner.run_new(node_id) if inliner is not None and inliner.accepts(node_id) else None
            round_.append(inlined or {"node_id": node_id, "status": S.QUEUED})
        for step in round_:
            states[step["node_id"]] = step_state(step)
            if inliner is not None:
                inliner.remember(step)
        new += round_
        if not any(step["status"] == S.SUCCEEDED for step in round_):
            break
        decided = plan(graph, states)
    return new


def _inline_queued(run: Run, inliner: Inliner, states: dict[str, StepState]) -> None:
    """Run the run's queued pure steps that were never tried (parallel branches whose
    messages are on their way: those find nothing left to claim)."""
    if not any(state.status == S.QUEUED and inliner.accepts(node_id) for node_id, state in states.items()):
        return
    queued = StepRun.objects.filter(run_id=run.pk, iteration=0, status=S.QUEUED, attempt=0).values_list("id", "node_id")
    states.update(inliner.run_queued([(step_id, node_id, 0, []) for step_id, node_id in queued.order_by("id") if inliner.accepts(node_id)]))


def _finish(run: Run, sources: tuple[RunStatus, ...], target: RunStatus, **fields: Any) -> None:
    """A run ends (the caller holds its row lock: `run.status` is current). A child run's
    parent step is resumed after commit (under the parent's lock, never this one's); the
    tick resumes it if this process dies first."""
    ended = run_transition(run.pk, sources, target, locked_status=run.status, **fields)
    if ended and run.parent_step_id:
        from engine.orchestration.children import children_resume

        parent_step_id = run.parent_step_id
        transaction.on_commit(lambda: children_resume(parent_step_id), robust=True)
    if ended and run.limited:  # a slot of its workflow's concurrency limit frees
        from engine.orchestration.admission import slots_freed

        slots_freed(run)


def _compensation_plan(run: Run, graph: Graph) -> list[tuple[str, str]]:
    """(node, its compensation node) for each succeeded step that declares one, most
    recently finished first: the saga undoes its work in reverse order."""
    done = StepRun.objects.filter(run_id=run.pk, iteration=0, status__in=[S.SUCCEEDED, S.COMPENSATED]).order_by("-finished_at", "-id")
    return [(s.node_id, graph.nodes[s.node_id]["compensation"]) for s in done if graph.nodes.get(s.node_id, {}).get("compensation")]


def _compensate_next(run: Run) -> list[int]:
    """One compensation at a time: when the last one finished, mark what it undid and start
    the next; when none is left the run is compensated; if one failed, the run fails."""
    graph = graph_for(run)
    comps = list(StepRun.objects.filter(run_id=run.pk, iteration__gt=0).order_by("iteration"))
    if comps and comps[-1].status not in (S.SUCCEEDED, S.FAILED, S.CANCELLED):
        return []  # the current compensation is still in flight
    if comps and comps[-1].status != S.SUCCEEDED:
        last = comps[-1]
        error = {
            "code": "compensation_failed",
            "message": f"Compensation {last.node_id!r} of {last.compensates!r} failed; later compensations did not run.",
            "node_id": last.node_id,
            "cause": last.error,
            "run_error": run.error,
        }
        _finish(run, (R.COMPENSATING,), R.FAILED, error=error, data={"error": error})
        return []
    if comps:
        original = StepRun.objects.get(run_id=run.pk, node_id=comps[-1].compensates, iteration=0)
        if original.status == S.SUCCEEDED:
            step_transition(original.pk, (S.SUCCEEDED,), S.COMPENSATED, data={"by": comps[-1].node_id})
    undone = {c.compensates for c in comps}
    for node_id, compensation in _compensation_plan(run, graph):
        if node_id not in undone:
            return [
                step_create(
                    run_id=run.pk,
                    node_id=compensation,
                    iteration=len(comps) + 1,
                    status=S.QUEUED,
                    compensates=node_id,
                    data={"compensates": node_id},
                )
            ]
    _finish(run, (R.COMPENSATING,), R.COMPENSATED)
    return []
