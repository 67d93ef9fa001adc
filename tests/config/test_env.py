import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool, env_int, env_list, env_url


def test_bool_reads_common_spellings(monkeypatch):
    for raw, expected in [("true", True), ("1", True), ("YES", True), ("off", False), ("0", False), ("", False)]:
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG") is expected


def test_bool_fails_loudly_on_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG")


def test_int_defaults_parses_and_rejects(monkeypatch):
    monkeypatch.delenv("X_INT", raising=False)
    assert env_int("X_INT", 7) == 7
    monkeypatch.setenv("X_INT", "42")
    assert env_int("X_INT", 7) == 42
    monkeypatch.setenv("X_INT", "4two")
    with pytest.raises(ImproperlyConfigured, match="X_INT='4two' is not an integer"):
        env_int("X_INT", 7)
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_int("X_INT", 7, minimum=1)


def test_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert env_list("X_LIST") == ["a.example", "b.example"]


def test_url_checks_scheme(monkeypatch):
    monkeypatch.setenv("X_URL", "http://localhost:6379")
    with pytest.raises(ImproperlyConfigured, match="redis"):
        env_url("X_URL", schemes=("redis",))


def test_database_url_postgres_and_sqlite():
    pg = database_from_url("DATABASE_URL", "postgres://u:p@db.internal:5433/stepwise")
    assert pg == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "stepwise",
        "USER": "u",
        "PASSWORD": "p",
        "HOST": "db.internal",
        "PORT": "5433",
    }
    assert database_from_url("DATABASE_URL", "sqlite:///tmp/x.db")["NAME"] == "tmp/x.db"
    with pytest.raises(ImproperlyConfigured, match="no database name"):
        database_from_url("DATABASE_URL", "postgres://u@host/")
    with pytest.raises(ImproperlyConfigured, match="must start with"):
        database_from_url("DATABASE_URL", "mysql://u@host/db")


def test_settings_module_refuses_bad_values_at_start(tmp_path):
    """A typo in production config stops the process instead of falling back silently."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DEBUG": "sometimes", "STEPWISE_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert result.returncode != 0
    assert "DEBUG='sometimes' is not a boolean" in result.stderr


def test_secret_key_generated_once_into_local_file(tmp_path):
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"STEPWISE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"})
    code = "from django.conf import settings; print(settings.SECRET_KEY); print(settings.DEBUG)"
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=root, check=True)
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=root, check=True)
    key, debug = first.stdout.split()
    assert len(key) >= 50
    assert second.stdout.split()[0] == key
    assert (tmp_path / "secret_key").read_text() == key
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert debug == "False"


def test_prepared_statements_on_postgresql_unless_switched_off(tmp_path):
    """On by default (the engine's hot statements planned once per connection); off for a
    pooler in transaction mode, which cannot keep a connection's prepared statements."""
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    env = {**os.environ, "STEPWISE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["DATABASE_URL"] = "postgres://u@db.invalid/stepwise"
    code = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS'))"

    def options(**extra: str) -> str:
        result = subprocess.run([sys.executable, "-c", code], env={**env, **extra}, capture_output=True, text=True, cwd=root, check=True)
        return result.stdout.strip()

    assert options() == "{'server_side_binding': True, 'prepare_threshold': 2}"
    assert options(DB_PREPARED_STATEMENTS="false") == "None"
