"""Advancing a run under the lock on its row, so two workers finishing parallel branches at
once never start a node twice: the steps that became ready are created (or, with an
inline strategy, pure ones run at once), dead paths skipped, the run ended when nothing
more can happen, and compensations started in reverse order when it failed.

What a run's end sets going beyond itself (a parent step to resume, a slot of its
workflow's concurrency limit to free) belongs to the layers above; they say so through
`on_run_ended`, wired once when the app starts (engine.apps), so this module imports
none of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from engine.orchestration.graph import Graph, outcome, plan, sinks
from engine.orchestration.pinned import graph_for
from engine.store import reads
from engine.store.models import Run
from engine.store.records import Claim, StepDraft, StepRow, StepState
from engine.store.statuses import RunStatus, StepStatus
from engine.store.writes import run_transition, step_create, step_transition, steps_create
from monitoring import metrics

R, S = RunStatus, StepStatus

RunEnded = Callable[[Run], None]
_run_ended: list[RunEnded] = []


def on_run_ended(hook: RunEnded) -> None:
    """Call `hook(run)` in the transaction that ends a run (it holds the run's row lock);
    what must not happen under that lock, the hook defers to the commit."""
    if hook not in _run_ended:
        _run_ended.append(hook)


class InlineStrategy(Protocol):
    """Runs pure steps at once, in the transaction that made them ready (the executor's
    engine.orchestration.inline.Inliner): what the advance asks of it."""

    rows: dict[str, StepRow]

    def accepts(self, node_id: str) -> bool: ...

    def run_new(self, node_id: str) -> StepDraft | None: ...

    def run_queued(self, queued: list[tuple[int, str, int, list[Any]]]) -> dict[str, StepState]: ...

    def remember(self, step: StepDraft) -> None: ...


def advance(run_id: int) -> list[int]:
    """Create the steps that became ready (returned, to dispatch) and skip dead paths; end
    the run when nothing more can happen."""
    with transaction.atomic():
        return advance_locked(reads.run_locked(run_id))


def advance_locked(run: Run) -> list[int]:
    """`advance` for a run whose row this transaction holds locked: the ids of the steps
    it made ready."""
    return [step_id for step_id, _node in advance_locked_nodes(run)]


def advance_locked_nodes(
    run: Run,
    inliner: InlineStrategy | None = None,
    *,
    states: dict[str, StepState] | None = None,
    first: list[StepDraft] | None = None,
    claim: Claim | None = None,
) -> list[tuple[int, str]]:
    """Advance a run whose row this transaction holds locked: (step id, node id) of the
    steps it made ready (node id "" for a compensation step). With an `inliner`, pure steps
    (queued ones never tried, and those that become ready) run at once instead. `states`:
    its steps' states as this transaction knows them (else they are read); `first`: a new
    run's trigger steps, not yet created (they are its only steps). `claim`: the first
    step made ready is created claimed by that worker (`claim.step` says which), and is not
    among those returned."""
    if run.status == R.COMPENSATING:
        return [(step_id, "") for step_id in _compensate_next(run)]
    if run.status == R.CANCELLING:
        # A step interrupted after the cancel (an at-most-once call that timed out) is
        # cancelled with the run: nobody will decide on it now.
        for step_id in reads.step_ids(run.pk, S.INTERRUPTED):
            step_transition(step_id, (S.INTERRUPTED,), S.CANCELLED, data={"reason": "run is cancelling"})
        if not reads.step_ids(run.pk, S.RUNNING):
            finish(run, (R.CANCELLING,), R.CANCELLED)
        return []
    if run.status != R.RUNNING:
        return []
    graph = graph_for(run)
    new: list[StepDraft] = list(first or [])  # the steps this advance creates, in causal order: one INSERT
    if first is not None:
        states = {step.node_id: step.state for step in first}
    elif states is None:
        states = reads.plan_states(run.pk)
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
    queued = [step for step in new if step.status == S.QUEUED]
    created: list[tuple[int, str]] = []
    if queued or result == "failed" or not outputs_in_hand:
        if claim is not None and queued:
            claim.take(timezone.now())  # now: after every step this advance ran inline
            queued[0].claim = claim

        def took(ids: list[int]) -> None:
            if claim is not None and queued:
                claim.step = next((i, step.node_id) for i, step in zip(ids, new, strict=True) if step.claim is claim)
            created.extend((i, step.node_id) for i, step in zip(ids, new, strict=True) if step.status == S.QUEUED and step.claim is None)

        if claim is not None and result is None:
            # The run goes on and nothing below reads the new steps back: the caller (that
            # passed `claim`) reads their ids once the events' statement has written them
            # too, in `created` and `claim.step` (one round trip less).
            steps_create(run.pk, new, on_ids=took)
        else:
            took(steps_create(run.pk, new))
    else:
        steps_create(run.pk, new, ids=False)
    if result == "succeeded":
        if not outputs_in_hand:
            known = reads.step_rows(run.pk, names)
        outputs = {node_id: row.output for node_id, row in known.items()}
        finish(run, (R.RUNNING,), R.SUCCEEDED, output={node_id: outputs.get(node_id) for node_id in names})
    elif result == "failed":
        error = reads.first_failure(run.pk) or {"message": "The run could not continue."}
        if _compensation_plan(run, graph):
            run_transition(run.pk, (R.RUNNING,), R.COMPENSATING, error=error, data={"error": error})
            run.status = R.COMPENSATING
            return [(step_id, "") for step_id in _compensate_next(run)]
        finish(run, (R.RUNNING,), R.FAILED, error=error, data={"error": error})
    return created


def planned_steps(graph: Graph, states: dict[str, StepState], inliner: InlineStrategy | None = None) -> list[StepDraft]:
    """The steps to create now, in causal order (skipped, queued, or run inline by the
    `inliner` and so succeeded, which can make more ready); `states` follows them."""
    new: list[StepDraft] = []
    decided = plan(graph, states)
    while decided.ready or decided.skipped:
        round_ = [StepDraft(node_id, S.SKIPPED) for node_id in decided.skipped]
        for node_id in decided.ready:
            inlined = inliner.run_new(node_id) if inliner is not None and inliner.accepts(node_id) else None
            round_.append(inlined or StepDraft(node_id, S.QUEUED))
        for step in round_:
            states[step.node_id] = step.state
            if inliner is not None:
                inliner.remember(step)
        new += round_
        if not any(step.status == S.SUCCEEDED for step in round_):
            break
        decided = plan(graph, states)
    return new


def _inline_queued(run: Run, inliner: InlineStrategy, states: dict[str, StepState]) -> None:
    """Run the run's queued pure steps that were never tried (parallel branches whose
    messages are on their way: those find nothing left to claim)."""
    if not any(state.status == S.QUEUED and inliner.accepts(node_id) for node_id, state in states.items()):
        return
    queued: list[tuple[int, str, int, list[Any]]] = [
        (i, node_id, 0, []) for i, node_id in reads.queued_untried(run.pk) if inliner.accepts(node_id)
    ]
    states.update(inliner.run_queued(queued))


def finish(run: Run, sources: tuple[RunStatus, ...], target: RunStatus, **fields: Any) -> bool:
    """A run ends (the caller holds its row lock: `run.status` is current), and what its
    end sets going is told (`on_run_ended`). Whether it ended here."""
    ended = run_transition(run.pk, sources, target, locked_status=run.status, **fields)
    if ended:
        metrics.run_finished(target, run.trigger)
        for hook in _run_ended:
            hook(run)
    return ended


def _compensation_plan(run: Run, graph: Graph) -> list[tuple[str, str]]:
    """(node, its compensation node) for each succeeded step that declares one, most
    recently finished first: the saga undoes its work in reverse order."""
    done = reads.done_latest_first(run.pk)
    return [(node_id, graph.nodes[node_id]["compensation"]) for node_id in done if graph.nodes.get(node_id, {}).get("compensation")]


def _compensate_next(run: Run) -> list[int]:
    """One compensation at a time: when the last one finished, mark what it undid and start
    the next; when none is left the run is compensated; if one failed, the run fails."""
    graph = graph_for(run)
    comps = reads.compensations(run.pk)
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
        finish(run, (R.COMPENSATING,), R.FAILED, error=error, data={"error": error})
        return []
    if comps:
        original = reads.step_of(run.pk, comps[-1].compensates)
        if original.status == S.SUCCEEDED:
            step_transition(original.pk, (S.SUCCEEDED,), S.COMPENSATED, data={"by": comps[-1].node_id})
    undone = {c.compensates for c in comps}
    for node_id, compensation in _compensation_plan(run, graph):
        if node_id not in undone:
            return [
                step_create(
                    run.pk,
                    StepDraft(compensation, S.QUEUED, iteration=len(comps) + 1, compensates=node_id, data={"compensates": node_id}),
                )
            ]
    finish(run, (R.COMPENSATING,), R.COMPENSATED)
    return []
