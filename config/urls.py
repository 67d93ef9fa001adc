from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.forms import ThrottledAdminSignIn
from accounts.views import lockout_status
from designer import pages
from engine.api.hooks import hook
from health.views import readiness
from monitoring.views import metrics

# The admin's sign-in counts failures and honours lockouts as /login/ does (accounts/).
admin.site.login_form = ThrottledAdminSignIn

urlpatterns = [
    path("admin/login/", lockout_status(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # A person opens the docs in a browser: signed out, they are sent to sign in first. The
    # split view serves its setup script by URL (?script), not inline: the CSP allows no
    # inline script (config/settings/base.py).
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="docs"),
    path("api/", include("accounts.api.urls")),
    path("api/", include("designer.api.urls")),
    path("api/", include("engine.api.urls")),
    path("api/", include("credentials.api.urls")),
    path("api/", include("audit.api.urls")),
    path("hooks/<str:token>", hook, name="hook"),
    path("", include("accounts.urls")),
    path("setup/<str:token>/", pages.setup, name="setup"),
    path("healthz", pages.health, name="health"),
    path("readyz", readiness, name="ready"),
    path("metrics", metrics, name="metrics"),
    path("", pages.app, name="app"),
    # Client-side routes of the single-page app.
    re_path(r"^(?:workflows|runs|credentials|activity)(?:/.*)?$", pages.app),
    re_path(r"^account/?$", pages.app),
]

handler400 = "core.api.errors.bad_request"
handler403 = "core.api.errors.permission_denied"
handler404 = "core.api.errors.not_found"
handler500 = "core.api.errors.internal_error"
