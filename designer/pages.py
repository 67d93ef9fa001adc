"""Server-rendered pages: the first-account setup link and the single-page app's shell."""

from __future__ import annotations

import secrets

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from designer.models import SetupToken


def setup_token_issue() -> str | None:
    """A one-time token that creates the first account, or None when a user exists."""
    if get_user_model().objects.exists():
        return None
    token = secrets.token_urlsafe(32)
    SetupToken.objects.create(token_hash=SetupToken.hash(token))
    return token


class FirstAccountForm(UserCreationForm[User]):
    email = forms.EmailField(required=False)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


def setup(request: HttpRequest, token: str) -> HttpResponse:
    User = get_user_model()
    known = SetupToken.objects.filter(token_hash=SetupToken.hash(token)).exists()
    if not known or User.objects.exists():
        return render(request, "designer/setup_used.html", status=404)
    form = FirstAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # Consuming the token inside the transaction makes the link single-use even
            # when two browsers submit at once.
            if SetupToken.objects.filter(token_hash=SetupToken.hash(token)).delete()[0] == 0 or User.objects.exists():
                return render(request, "designer/setup_used.html", status=404)
            user = form.save(commit=False)
            user.is_staff = user.is_superuser = True
            user.save()
            SetupToken.objects.all().delete()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("/")
    return render(request, "designer/setup.html", {"form": form})


@login_required
@ensure_csrf_cookie
def app(request: HttpRequest) -> HttpResponse:
    index = settings.FRONTEND_DIST / "index.html"
    if not index.exists():
        return render(request, "designer/no_frontend.html", status=503)
    return HttpResponse(index.read_text(), content_type="text/html; charset=utf-8")


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
