"""The sign-in pages (the app's and the admin's) and password change and reset: Django's
auth views with our templates, a lockout answered 429, a reset that clears the lockout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import views as auth
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse_lazy

from accounts import throttle
from accounts.forms import ThrottledSignIn

View = Callable[..., HttpResponseBase]


def lockout_status(view: View) -> View:
    """A page refused because of a lockout answers 429 Too Many Requests (with Retry-After),
    the form still on it with its message."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        lockout = getattr(request, "signin_lockout", None)
        if lockout is not None and response.status_code == 200:
            response.status_code = 429
            response["Retry-After"] = str(lockout.seconds)
        return response

    return wrapped


sign_in = lockout_status(auth.LoginView.as_view(template_name="accounts/login.html", authentication_form=ThrottledSignIn))

password_change = auth.PasswordChangeView.as_view(
    template_name="accounts/password_change.html", success_url=reverse_lazy("password_change_done")
)
password_change_done = auth.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
password_reset = auth.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
    success_url=reverse_lazy("password_reset_done"),
)
password_reset_done = auth.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")


class PasswordResetConfirm(auth.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: SetPasswordForm[Any]) -> HttpResponse:
        response = super().form_valid(form)
        # Whoever could read the account's email has proved it is theirs: the account's
        # lockout goes (not the address's, which other accounts' failures may have filled).
        throttle.unlock(username=form.user.get_username())
        return response


password_reset_confirm = PasswordResetConfirm.as_view()
password_reset_complete = auth.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")
