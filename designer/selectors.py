"""Reads. Every query is scoped to the requesting user: another user's object is not found."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Least
from django.http import Http404

from designer.models import Workflow, WorkflowVersion

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _last_run(field: str) -> Subquery:
    """A field of the workflow's newest run (every run of it, a child run too). The runs are
    the engine's, reached through their reverse relation (`runs`) without importing it."""
    newest = Workflow.objects.filter(pk=OuterRef("pk"), runs__isnull=False).order_by("-runs__created_at", "-runs__id")
    return Subquery(newest.values(f"runs__{field}")[:1])


# The workflow list counts a workflow's runs up to this many (run_count_capped past it):
# a full count of each workflow's runs would read the user's whole history at every list.
RUN_COUNT_CAP = 1000


def _runs_counted() -> RawSQL:
    """How many runs the workflow has, counted up to RUN_COUNT_CAP + 1 (an index range of
    at most that many entries a workflow)."""
    runs = Workflow._meta.get_field("runs").related_model
    assert not isinstance(runs, str)
    quote = connection.ops.quote_name
    table, workflows = quote(runs._meta.db_table), quote(Workflow._meta.db_table)
    return RawSQL(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} r WHERE r.workflow_id = {workflows}.id LIMIT %s) counted",  # names: the models
        (RUN_COUNT_CAP + 1,),
        output_field=IntegerField(),
    )


def workflow_list_for_user(*, user: User) -> QuerySet[Workflow]:
    """The user's workflows, each with its latest version number, its newest run (id, status,
    created_at, started_at) and its count of runs (to RUN_COUNT_CAP): one statement, subqueries per row."""
    return (
        Workflow.objects.filter(owner=user)
        .select_related("active_version")
        .annotate(
            # A subquery, not Max() over a join: no GROUP BY, so the paginator's count
            # leaves the annotations out (with one, it computed them all for every row).
            latest_version=Subquery(WorkflowVersion.objects.filter(workflow=OuterRef("pk")).order_by("-number").values("number")[:1]),
            last_run_id=_last_run("id"),
            last_run_status=_last_run("status"),
            last_run_created_at=_last_run("created_at"),
            last_run_started_at=_last_run("started_at"),
            runs_counted=_runs_counted(),
        )
        .annotate(
            run_count=Least(F("runs_counted"), Value(RUN_COUNT_CAP)),
            run_count_capped=ExpressionWrapper(Q(runs_counted__gt=RUN_COUNT_CAP), output_field=BooleanField()),
        )
    )


def workflow_get_for_user(*, user: User, workflow_id: int) -> Workflow:
    try:
        return workflow_list_for_user(user=user).get(pk=workflow_id)
    except (Workflow.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("Workflow not found.") from None


def workflow_ids_owned(*, user: User | None, ids: Iterable[int]) -> set[int]:
    wanted = [i for i in ids if isinstance(i, int) and 0 < i < 2**63]
    return set(Workflow.objects.filter(owner=user, pk__in=wanted).values_list("pk", flat=True))


def version_list_for_workflow(*, workflow: Workflow) -> QuerySet[WorkflowVersion]:
    return workflow.versions.select_related("author").order_by("-number")


def version_latest(*, workflow: Workflow) -> WorkflowVersion | None:
    return workflow.versions.order_by("-number").first()


def version_get(*, workflow: Workflow, number: int) -> WorkflowVersion:
    try:
        return workflow.versions.select_related("author").get(number=number)
    except (WorkflowVersion.DoesNotExist, ValueError, OverflowError):
        raise Http404("Version not found.") from None


def workflow_ids_existing(owner_id: int, ids: list[int]) -> list[int]:
    """Of these ids, the owner's workflows that still exist (the audit log links to those)."""
    wanted = [i for i in ids if 0 < i < 2**63]
    return list(Workflow.objects.filter(owner_id=owner_id, pk__in=wanted).values_list("pk", flat=True))
