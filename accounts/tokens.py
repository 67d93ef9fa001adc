"""API tokens: creating one (its key shown once), checking a key, revoking. Services write,
selectors read (docs/architecture.md)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from accounts import throttle
from accounts.errors import SignInLocked, TokenLimitReached, TokenNotFound, TokenRefused
from accounts.models import ApiToken, key_hash

# "sw_" marks a Stepwise key (secret scanners can match it) and 43 URL-safe characters of
# 256 random bits follow. Keys migrated from DRF's tokens are 40 hex digits, without it.
KEY_MARK = "sw_"
PREFIX_CHARS = 10
# last_used_at is written at most this often: a busy integration costs one UPDATE a minute.
LAST_USED_EVERY = timedelta(seconds=60)
# Live (not revoked) tokens a user may hold: the list is one short page, never paginated.
MAX_TOKENS_PER_USER = 100


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # the only time it is known


def token_create(*, owner: User, name: str, expires_at: datetime | None = None) -> NewToken:
    if token_list_for_user(user=owner).count() >= MAX_TOKENS_PER_USER:
        raise TokenLimitReached(f"You have {MAX_TOKENS_PER_USER} tokens: revoke one you no longer use first.")
    key = KEY_MARK + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(owner=owner, name=name, prefix=key[:PREFIX_CHARS], key_hash=key_hash(key), expires_at=expires_at)
    return NewToken(token=token, key=key)


def token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that are not revoked (expired ones too: the list says so)."""
    return ApiToken.objects.filter(owner=user, revoked_at__isnull=True)


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens; another user's, or one revoked already, is a 404."""
    revoked = ApiToken.objects.filter(pk=token_id, owner=user, revoked_at__isnull=True).update(revoked_at=throttle.now())
    if not revoked:
        raise TokenNotFound("No such token.")
    return ApiToken.objects.get(pk=token_id)


def tokens_revoke_named(*, user: User, name: str) -> int:
    return ApiToken.objects.filter(owner=user, name=name, revoked_at__isnull=True).update(revoked_at=throttle.now())


def token_authenticate(*, key: str, address: str) -> tuple[User, ApiToken]:
    """The user a key belongs to. A locked-out address is refused before the key is looked
    at (429), the right key too, or guessing would go on; a key that matches none counts as
    a failed sign-in of the address (401). An expired or revoked key is a real one, which no
    guess found: 401 without counting."""
    lockout = throttle.lockout_find(address=address)
    if lockout is not None:
        raise SignInLocked(lockout.message, lockout.seconds)
    digest = key_hash(key)
    # Found by its hash through the unique index: what an attacker could learn from the
    # lookup's timing is about the hash of their own guess, never the key. The final
    # comparison is in constant time all the same.
    token = ApiToken.objects.select_related("owner").filter(key_hash=digest).first()
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        throttle.failure_record(address=address)
        raise TokenRefused("Invalid token.")
    at = throttle.now()
    if token.revoked_at is not None:
        raise TokenRefused("This token has been revoked.")
    if token.expires_at is not None and token.expires_at <= at:
        raise TokenRefused("This token has expired.")
    if not token.owner.is_active:
        raise TokenRefused("User inactive or deleted.")
    if token.last_used_at is None or at - token.last_used_at >= LAST_USED_EVERY:
        # Conditional, so that requests arriving together write it once.
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=at - LAST_USED_EVERY)
        if ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=at):
            token.last_used_at = at
    return token.owner, token
