"""Writes. Keyword-only arguments; each function is one use case (HackSoft styleguide)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Final, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError

from credentials.selectors import credential_types_owned
from designer.credential_refs import graph_for_export, graph_from_import
from designer.errors import GraphTooLarge, GraphUnloadable, InUse, InvalidImport, VersionConflict
from designer.gallery import Template, graph_with_workflow_ids
from designer.models import ConcurrencyPolicy, Workflow, WorkflowVersion, empty_graph, graph_hash
from designer.selectors import version_get, version_latest, workflow_ids_owned
from designer.validation import Limits, Problem, is_loadable, is_size_problem, validate_graph

if TYPE_CHECKING:
    from django.contrib.auth.models import User

EXPORT_FORMAT = "stepwise.workflow"
EXPORT_FORMAT_VERSION = 1


class _Unchanged(enum.Enum):
    """An argument not given (where None means something)."""

    UNCHANGED = enum.auto()


UNCHANGED: Final = _Unchanged.UNCHANGED


def graph_limits() -> Limits:
    return Limits(
        max_nodes=settings.STEPWISE_MAX_NODES,
        max_edges=settings.STEPWISE_MAX_EDGES,
        max_expression_chars=settings.STEPWISE_MAX_EXPRESSION_CHARS,
        max_pinned_bytes=settings.STEPWISE_MAX_PINNED_BYTES,
    )


def graph_validate(*, graph: Any, user: User | None) -> list[Problem]:
    """`user` None: a graph that names no other workflow (none is anyone's to call)."""
    return validate_graph(
        graph,
        limits=graph_limits(),
        owned_workflow_ids=lambda ids: workflow_ids_owned(user=user, ids=ids),
        credential_types=lambda ids: credential_types_owned(user=user, ids=ids),
    )


def _storable_problems(*, graph: Any, user: User) -> list[Problem]:
    """Validate a graph that is about to be stored as a draft: problems are returned (a draft
    may be work in progress), but a graph that cannot be opened or is over the size limits
    is refused."""
    problems = graph_validate(graph=graph, user=user)
    if not is_loadable(graph):
        raise GraphUnloadable("The graph cannot be stored: it must be an object with `nodes` and `edges` lists of objects.", problems)
    if any(is_size_problem(p) for p in problems):
        raise GraphTooLarge("The graph is over the size limits.", [p for p in problems if is_size_problem(p)])
    return problems


def _version_if_changed(*, workflow: Workflow, author: User, message: str) -> WorkflowVersion | None:
    latest = version_latest(workflow=workflow)
    digest = graph_hash(workflow.graph)
    if latest is not None and latest.graph_hash == digest:
        return None
    if latest is None and workflow.graph == empty_graph():
        return None  # a new, empty workflow has nothing worth a version yet
    return WorkflowVersion.objects.create(
        workflow=workflow,
        number=(latest.number + 1) if latest else 1,
        graph=workflow.graph,
        graph_hash=digest,
        author=author,
        message=message[:500],
    )


@transaction.atomic
def workflow_create(
    *,
    owner: User,
    name: str,
    description: str = "",
    graph: Any = None,
    message: str = "",
    tags: list[str] | None = None,
    concurrency_limit: int | None = None,
    concurrency_policy: str = ConcurrencyPolicy.QUEUE,
) -> tuple[Workflow, list[Problem]]:
    graph = empty_graph() if graph is None else graph
    problems = _storable_problems(graph=graph, user=owner)
    workflow = Workflow.objects.create(
        owner=owner,
        name=name,
        description=description,
        tags=tags or [],
        graph=graph,
        concurrency_limit=concurrency_limit,
        concurrency_policy=concurrency_policy,
    )
    _version_if_changed(workflow=workflow, author=owner, message=message or "Created")
    return workflow, problems


@transaction.atomic
def workflow_update(
    *,
    workflow: Workflow,
    actor: User,
    name: str | None = None,
    description: str | None = None,
    graph: Any = None,
    message: str = "",
    base_version: int | None = None,
    tags: list[str] | None = None,
    concurrency_limit: int | Literal[_Unchanged.UNCHANGED] | None = UNCHANGED,
    concurrency_policy: str | None = None,
) -> tuple[Workflow, list[Problem]]:
    """Save changes. A changed graph makes a new version; the same graph does not.
    `base_version` is the version the editor loaded: if someone saved since, 409.
    `concurrency_limit` (None: no limit) and `concurrency_policy` are the workflow's, not a
    version's: changing them makes no version."""
    locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
    latest = version_latest(workflow=locked)
    if base_version is not None and graph is not None:
        current = latest.number if latest else 0
        if current != base_version:
            raise VersionConflict(
                f"This workflow was saved as version {current} since you loaded version {base_version}. "
                "Reload it, or save without base_version to overwrite."
            )
    if name is not None:
        locked.name = name
    if description is not None:
        locked.description = description
    if tags is not None:
        locked.tags = tags
    if concurrency_limit is not UNCHANGED:
        locked.concurrency_limit = concurrency_limit
    if concurrency_policy is not None:
        locked.concurrency_policy = concurrency_policy
    if graph is not None:
        problems = _storable_problems(graph=graph, user=actor)
        locked.graph = graph
    else:
        problems = graph_validate(graph=locked.graph, user=actor)
    locked.save()
    _version_if_changed(workflow=locked, author=actor, message=message)
    return locked, problems


def workflow_set_active(*, workflow: Workflow, version: WorkflowVersion | None) -> Workflow:
    """Pin `version` for the workflow's triggers (active), or none (inactive). The engine's
    activation calls this inside its own transaction, with the checks it needs."""
    workflow.active = version is not None
    workflow.active_version = version
    workflow.save(update_fields=["active", "active_version", "updated_at"])
    return workflow


def workflow_restore_version(*, workflow: Workflow, number: int, actor: User) -> tuple[Workflow, list[Problem]]:
    """Make an older version the draft again; saving it makes a new version on top."""
    version = version_get(workflow=workflow, number=number)
    return workflow_update(workflow=workflow, actor=actor, graph=version.graph, message=f"Restored version {number}")


def workflow_delete(*, workflow: Workflow) -> None:
    try:
        workflow.delete()
    except ProtectedError:
        raise InUse("This workflow has runs that use its versions; it cannot be deleted.") from None


def workflow_duplicate(*, workflow: Workflow, owner: User) -> tuple[Workflow, list[Problem]]:
    return workflow_create(
        owner=owner,
        name=f"Copy of {workflow.name}"[:200],
        description=workflow.description,
        tags=workflow.tags,
        graph=workflow.graph,
        message=f"Duplicated from workflow {workflow.pk}",
        concurrency_limit=workflow.concurrency_limit,
        concurrency_policy=workflow.concurrency_policy,
    )


def workflow_export(*, workflow: Workflow) -> dict[str, Any]:
    latest = version_latest(workflow=workflow)
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "name": workflow.name,
        "description": workflow.description,
        "version": latest.number if latest else None,
        "graph": graph_for_export(workflow.graph, owner=workflow.owner),
    }


def _import_read(*, owner: User, data: Any, name: str | None) -> tuple[str, str, str, Any, list[Problem]]:
    """An exported document checked: its name, description, version message, the graph with
    the owner's credentials put in, and the references that found none."""
    if not isinstance(data, dict):
        raise InvalidImport("The file must be a JSON object exported from Stepwise.")
    fmt = data.get("format", EXPORT_FORMAT)
    if fmt != EXPORT_FORMAT:
        raise InvalidImport(f"Unknown format {fmt!r}: expected {EXPORT_FORMAT!r}.")
    fmt_version = data.get("format_version", EXPORT_FORMAT_VERSION)
    if not isinstance(fmt_version, int) or isinstance(fmt_version, bool) or not 1 <= fmt_version <= EXPORT_FORMAT_VERSION:
        raise InvalidImport(f"Unsupported format_version {fmt_version!r}: this server reads version {EXPORT_FORMAT_VERSION}.")
    if "graph" not in data:
        raise InvalidImport("The file has no `graph`.", [Problem("invalid_graph", "The file has no `graph`.", field="/graph")])
    title = name or data.get("name") or "Imported workflow"
    description = data.get("description") or ""
    if not isinstance(title, str) or not isinstance(description, str):
        raise InvalidImport("`name` and `description` must be strings.")
    source_version = data.get("version")
    message = f"Imported (exported from version {source_version})" if isinstance(source_version, int) else "Imported"
    graph, unmapped = graph_from_import(data["graph"], owner=owner)
    return title.strip()[:200] or "Imported workflow", description, message, graph, unmapped


def workflow_import(*, owner: User, data: Any, name: str | None = None) -> tuple[Workflow, list[Problem]]:
    title, description, message, graph, unmapped = _import_read(owner=owner, data=data, name=name)
    workflow, problems = workflow_create(owner=owner, name=title, description=description, graph=graph, message=message)
    return workflow, unmapped + problems


ImportOutcome = Literal["created", "updated", "unchanged"]


@transaction.atomic
def workflow_import_by_name(*, owner: User, data: Any) -> tuple[Workflow, ImportOutcome, list[Problem]]:
    """Import into the owner's workflow of the document's name (made when there is none):
    the graph and description replace its draft, a new version only if the graph changed
    (for keeping workflows in git: importing the same files again changes nothing).
    "updated": a new version or a new description; "unchanged": neither."""
    title, description, message, graph, unmapped = _import_read(owner=owner, data=data, name=None)
    same_name = list(Workflow.objects.filter(owner=owner, name=title).order_by("pk")[:2])
    if len(same_name) > 1:
        raise InvalidImport(f"More than one of your workflows is named {title!r}: rename one, or import it in the editor.")
    if not same_name:
        workflow, problems = workflow_create(owner=owner, name=title, description=description, graph=graph, message=message)
        return workflow, "created", unmapped + problems
    before = version_latest(workflow=same_name[0])
    old_description = same_name[0].description
    workflow, problems = workflow_update(workflow=same_name[0], actor=owner, description=description, graph=graph, message=message)
    after = version_latest(workflow=workflow)
    changed = (after and after.pk) != (before and before.pk) or description != old_description
    return workflow, "updated" if changed else "unchanged", unmapped + problems


@transaction.atomic
def workflow_from_template(*, owner: User, template: Template, name: str | None = None) -> tuple[Workflow, list[Problem]]:
    """A new workflow of the owner's from a gallery template, with the helper workflows it
    calls made first (their ids put where the template names them)."""
    ids: dict[str, int] = {}
    for key, helper in template.subworkflows.items():
        made, _ = workflow_create(
            owner=owner,
            name=helper["name"][:200],
            description=helper.get("description", ""),
            graph=graph_with_workflow_ids(helper["graph"], ids),
            tags=list(template.tags),
            message=f"Created from the template {template.name!r}",
        )
        ids[key] = made.pk
    return workflow_create(
        owner=owner,
        name=(name or template.name)[:200],
        description=template.description,
        graph=graph_with_workflow_ids(template.graph, ids),
        tags=list(template.tags),
        message=f"Created from the template {template.name!r}",
    )
