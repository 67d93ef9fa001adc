"""The sign-in forms of /login/ and /admin/login/, counting failures (accounts/throttle.py)
and refusing every attempt while the account or the address is locked out."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from accounts import throttle


class ThrottledSignIn(AuthenticationForm):
    """A lockout shows as the form's error and marks the request (`signin_lockout`) so
    that the view answers 429 (accounts/views.py)."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = throttle.client_address(self.request) if self.request is not None else None
        self._refuse_if_locked(username, address)
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            # A wrong password, not a right one refused (a non-staff user at the admin's).
            if getattr(error, "code", None) == "invalid_login" and self.get_user() is None:
                throttle.failure_record(username=username, address=address)
                self._refuse_if_locked(username, address)  # this failure was the last one allowed
            raise
        throttle.success_record(username=username)
        return cleaned

    def _refuse_if_locked(self, username: str, address: str | None) -> None:
        lockout = throttle.lockout_find(username=username, address=address)
        if lockout is None:
            return
        if self.request is not None:
            self.request.signin_lockout = lockout  # type: ignore[attr-defined]
        raise forms.ValidationError(lockout.message, code="locked_out")


class ThrottledAdminSignIn(ThrottledSignIn, AdminAuthenticationForm):
    """The admin's form (staff only), counted the same way."""
