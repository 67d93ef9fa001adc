"""Core Django settings: apps, middleware, security, static files."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

from django.utils.csp import CSP

from config.env import env_bool, env_fernet_keys, env_int, env_list, env_proxy_ssl_header, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Local state of the embedded mode (SQLite file, generated secret key). Never committed.
VAR_DIR = Path(env_str("STEPWISE_VAR_DIR") or BASE_DIR / "var")


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    # No SECRET_KEY given: generate one once and keep it in an untracked file, so sessions
    # survive a restart without anyone committing a key.
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()


def _encryption_keys() -> list[str]:
    """The keys that encrypt what is stored secret (credentials, webhook signing secrets):
    STEPWISE_ENCRYPTION_KEY, comma-separated Fernet keys, the first encrypting and all of
    them decrypting (rotation: put the new key first, run `manage.py rotate_encryption_key`,
    then drop the old one). Unset: one generated once into the untracked local state."""
    keys = env_fernet_keys("STEPWISE_ENCRYPTION_KEY")
    if keys:
        return keys
    path = VAR_DIR / "encryption_key"
    if path.exists():
        return [path.read_text().strip()]
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    path.write_text(key)
    path.chmod(0o600)
    return [key]


STEPWISE_ENCRYPTION_KEYS = _encryption_keys()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "credentials",
    "accounts",
    "audit",
    "designer",
    "engine",
    "health",
    "monitoring",
]

MIDDLEWARE = [
    "monitoring.middleware.RequestMetrics",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "core.middleware.BodySizeLimitMiddleware",
    "core.middleware.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.exists() else []
# Serve the built frontend straight from frontend/dist without a collectstatic step.
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CSRF_FAILURE_VIEW = "core.api.errors.csrf_failure"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# One policy for every response: the single-page app (Vite builds module scripts and
# styles by URL, no inline script), the sign-in pages, the API docs (Swagger UI's own script
# loaded by URL: config/urls.py) and the API. Styles may be inline (the server pages' own
# <style>, the canvas's style attributes); scripts never are, nor evaluated from strings.
# Websockets to the same host are 'self' too.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Behind TLS (docs: "Deploying behind TLS" in README.md). All off by default: `make run`
# serves plain HTTP on 127.0.0.1. The proxy's scheme header (SECURE_PROXY_SSL_HEADER,
# "X-Forwarded-Proto: https") tells Django a request came over HTTPS; set it only when a
# proxy that overwrites that header is the only way in.
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
# How many proxies in front of the server append the client's address to the header
# STEPWISE_CLIENT_IP_HEADER names (X-Forwarded-For; core/client.py, for the audit log and
# the sign-in throttle): 0, the default, ignores that header, which anyone can send, and
# takes the peer's address. Set it only when those proxies are the only way in.
STEPWISE_TRUSTED_PROXIES = env_int("STEPWISE_TRUSTED_PROXIES", 0, minimum=0)
STEPWISE_CLIENT_IP_HEADER = env_str("STEPWISE_CLIENT_IP_HEADER") or "X-Forwarded-For"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# A load balancer's health checks (liveness, readiness) may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
