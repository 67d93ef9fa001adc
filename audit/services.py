"""Writing the audit log. The entry points (API views, the webhook view, the schedule's
tick, the sign-in signals) call `record` once the action is done, inside its transaction
where there is one, so an entry exists exactly when the action committed.

For the features being built, the same call, from their API views:

    audit.record(action=Action.CREDENTIAL_CREATED,  # _CHANGED, _ROTATED, _DELETED, _TESTED
                 origin=request_origin(request), owner=credential.owner,
                 target=Target(TargetType.CREDENTIAL, credential.pk, credential.name),
                 details={"type": credential.type, "fields": sorted(changed_field_names)})
    audit.record(action=Action.TOKEN_CREATED,  # or TOKEN_REVOKED
                 origin=request_origin(request), owner=token.user,
                 target=Target(TargetType.API_TOKEN, token.pk, token.name))

and from a manage.py command (a key rotation), `Origin(how=How.COMMAND)`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from audit.models import Action, AuditEntry, How, TargetType
from core.client import client_address, user_agent

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from core.client import HasMeta

# What `details` may hold: ids, slugs (node ids, field names, trigger kinds) and numbers.
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_WORD = re.compile(r"[A-Za-z0-9_.:-]{0,64}")
MAX_DETAILS = 12
MAX_LIST = 32

Detail = str | int | bool | None | list[str] | list[int]


@dataclass(frozen=True)
class Origin:
    """How the action came in and from where."""

    how: How
    actor: User | None = None
    address: str | None = None
    user_agent: str = ""


def origin_of(request: HasMeta, *, how: How, actor: User | None = None) -> Origin:
    """From a request whose way in the caller knows (a webhook: no actor). Reads nothing
    lazy (not `request.user`), so an async view may call it."""
    return Origin(how=how, actor=actor, address=client_address(request), user_agent=user_agent(request))


def request_origin(request: Any) -> Origin:
    """From a signed-in API request (DRF's Request: `auth` is the token when it came with
    one) or a page's HttpRequest (the session)."""
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    how = How.TOKEN if getattr(request, "auth", None) is not None else How.SESSION
    return origin_of(request, how=how, actor=actor)


@dataclass(frozen=True)
class Target:
    """What the action was done to, by type, id and its name at the time. `workflow_id`
    ties a run's entry to its workflow's activity."""

    type: TargetType
    id: int | str
    name: str = ""
    workflow_id: int | None = None


def workflow_target(workflow: Any) -> Target:
    """A designer Workflow, read by its attributes (audit imports no app above core)."""
    return Target(TargetType.WORKFLOW, workflow.pk, workflow.name, workflow_id=workflow.pk)


def run_target(run: Any) -> Target:
    """An engine Run: named after its workflow, as the run list shows it."""
    return Target(TargetType.RUN, run.pk, f"{run.workflow.name} #{run.pk}", workflow_id=run.workflow_id)


def _checked(details: Mapping[str, Detail]) -> dict[str, Detail]:
    """Refuse (a programming error) anything but ids, slugs, numbers and short lists of
    them: a value someone typed (a config, a payload, a comment) never gets in."""
    if len(details) > MAX_DETAILS:
        raise ValueError(f"audit details hold at most {MAX_DETAILS} keys")
    for key, value in details.items():
        if not _KEY.fullmatch(key):
            raise ValueError(f"audit detail key {key!r} is not a slug")
        items = value if isinstance(value, list) else [value]
        if len(items) > MAX_LIST:
            raise ValueError(f"audit detail {key!r} lists more than {MAX_LIST} items")
        for item in items:
            if item is None or isinstance(item, bool | int):
                continue
            if not isinstance(item, str) or not _WORD.fullmatch(item):
                raise ValueError(f"audit detail {key!r} must be ids, slugs or numbers")
    return dict(details)


def record(
    *,
    action: Action,
    origin: Origin,
    owner: User | None,
    target: Target | None = None,
    details: Mapping[str, Detail] | None = None,
) -> AuditEntry:
    actor = origin.actor
    return AuditEntry.objects.create(
        action=action,
        owner=owner,
        actor=actor,
        actor_name=actor.get_username()[:150] if actor is not None else "",
        target_type=target.type if target else "",
        target_id=str(target.id)[:64] if target else "",
        target_name=target.name[:200] if target else "",
        workflow_id=target.workflow_id if target else None,
        how=origin.how,
        address=origin.address,
        user_agent=origin.user_agent[:256],
        details=_checked(details or {}),
    )
