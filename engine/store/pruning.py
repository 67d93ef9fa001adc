"""Deleting finished run trees by set-based statements: a batch of top-level runs, their
child runs (at any depth), the steps and events of all of them, and whatever else refers
to a run (a webhook delivery goes with it, a schedule slot or a step test forgets it), each
table by one statement per batch (`DELETE ... WHERE run_id IN batch`), never by the
collector of Django's `delete()`, which reads every row first and names every id.

What refers to a run is read from the models (Run's reverse relations and their on_delete),
so a new reference is handled, or refused at once (see `_references`), without this
module importing the apps that hold it. Foreign keys are checked at commit (Django makes
them deferrable), so the order of the statements within the batch's transaction is free."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models import ForeignObjectRel

from engine.store.models import Run
from engine.store.sql import backend
from engine.store.statuses import RUN_TERMINAL


def _quote(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _reverse(model: type[models.Model]) -> list[ForeignObjectRel]:
    """The relations that refer to `model`'s rows, hidden ones (related_name="+") too."""
    return [f for f in model._meta.get_fields(include_hidden=True) if isinstance(f, ForeignObjectRel)]


@cache
def _references() -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(table, column) of each row that refers to a run: those deleted with it (CASCADE)
    and those whose reference is cleared (SET_NULL). A run's own references to runs (the
    root of a child run, a rerun's original) are among them."""
    deleted: list[tuple[str, str]] = []
    cleared: list[tuple[str, str]] = []
    for relation in _reverse(Run):
        model = relation.related_model
        assert not isinstance(model, str)
        target = (_quote(model._meta.db_table), _quote(str(relation.field.column)))
        if relation.on_delete is models.CASCADE:
            # What is deleted must not be referred to in turn, but by runs (child runs,
            # which are in the tree): else it needs its own step here.
            for further in () if model is Run else _reverse(model):
                if further.related_model is not Run:
                    raise ImproperlyConfigured(f"Pruning cannot delete {model.__name__}: {further.related_model} refers to it.")
            deleted.append(target)
        elif relation.on_delete is models.SET_NULL:
            cleared.append(target)
        else:
            raise ImproperlyConfigured(f"Pruning does not know on_delete={relation.on_delete} of {model.__name__}.")
    return tuple(deleted), tuple(cleared)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    size = backend().max_ids
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def tree_walk(top: Sequence[int]) -> tuple[list[int], set[int]]:
    """The child runs (at any depth) of the runs `top`, through their root (an index
    probe a run; migration 0008 gave every older child run its root), and which of `top`
    have a descendant that has not ended: those trees stay whole."""
    runs = _quote(Run._meta.db_table)
    found: list[tuple[int, int]] = []
    busy: set[int] = set()
    with connection.cursor() as cursor:
        for chunk in _chunks(top):
            condition, params = backend().ids_in("root_id", chunk)
            cursor.execute(f"SELECT id, root_id, status FROM {runs} WHERE {condition}", params)
            for child, root, status in cursor.fetchall():
                found.append((child, root))
                if status not in RUN_TERMINAL:
                    busy.add(root)
    return [child for child, root in found if root not in busy], busy


def trees_delete(*, runs: Sequence[int]) -> None:
    """Delete the runs `runs` (a whole tree each: with their child runs, as `tree_walk`
    names them) and what goes with them. Call it in a transaction."""
    deleted, cleared = _references()
    run_table = _quote(Run._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in _chunks(runs):
            for table, column in cleared:
                condition, params = backend().ids_in(column, chunk)
                cursor.execute(f"UPDATE {table} SET {column} = NULL WHERE {condition}", params)
            for table, column in deleted:
                condition, params = backend().ids_in(column, chunk)
                cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)
            condition, params = backend().ids_in("id", chunk)
            cursor.execute(f"DELETE FROM {run_table} WHERE {condition}", params)
