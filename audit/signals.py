"""Sign-in, failed sign-in and sign-out, from Django's auth signals (the login page, the
admin's and the first-account link all sign in through django.contrib.auth.login)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import Action, How, TargetType
from audit.services import Origin, Target, origin_of, record


def _origin(request: Any, actor: Any = None) -> Origin:
    # A sign-in outside a request (a test's force_login has a bare one) has no address.
    return origin_of(request, how=How.SESSION, actor=actor) if request is not None else Origin(how=How.SESSION, actor=actor)


def _user_target(user: Any) -> Target:
    return Target(TargetType.USER, user.pk, user.get_username())


@receiver(user_logged_in, dispatch_uid="audit.signed_in")
def signed_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    record(action=Action.SIGNED_IN, origin=_origin(request, user), owner=user, target=_user_target(user))


@receiver(user_logged_out, dispatch_uid="audit.signed_out")
def signed_out(sender: Any, request: Any, user: Any, **_: Any) -> None:
    if user is None or not user.is_authenticated:
        return  # signing out while signed out
    record(action=Action.SIGNED_OUT, origin=_origin(request, user), owner=user, target=_user_target(user))


@receiver(user_login_failed, dispatch_uid="audit.sign_in_failed")
def sign_in_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any) -> None:
    """In the account's log when the name is an account's (its owner sees the attempts);
    otherwise owned by no one, for staff. The name typed is kept only when it is an
    account's: a password typed into the name field must not be stored."""
    User = get_user_model()
    name = credentials.get(User.USERNAME_FIELD)
    account = User._default_manager.filter(**{User.USERNAME_FIELD: name}).first() if isinstance(name, str) and name else None
    target = _user_target(account) if account is not None else Target(TargetType.USER, "")
    record(action=Action.SIGN_IN_FAILED, origin=_origin(request), owner=account, target=target)
