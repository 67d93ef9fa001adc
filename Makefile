# Stepwise: `make run` serves the designer on http://127.0.0.1:8000; `make test` runs the suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Django 6 needs Python >= 3.12. Look in PATH, then in pyenv's versions.
PYTHON_FOR_VENV ?= $(shell for p in python3.13 python3.12 python3 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v $$p; break; }; done)

FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/index.html frontend/vite.config.ts frontend/tsconfig.app.json frontend/package-lock.json

.PHONY: run prod test frontend-test chromium test-embedded lint check-migrations schema frontend venv clean help bench

help:
	@echo "make run    serve the designer on http://$(HOST):$(PORT) (SQLite, in-process engine)"
	@echo "make prod   web, WORKERS Celery workers and the tick (honcho, Procfile) against DATABASE_URL and REDIS_URL"
	@echo "make test   lint, contracts and the whole test suite (DATABASE_URL/REDIS_URL to use real services)"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON_FOR_VENV)" ]; then \
	  echo "error: Stepwise needs Python >= 3.12 (Django 6) and none was found in PATH or pyenv." >&2; \
	  echo "       Install one (e.g. 'pyenv install 3.13') or run: make PYTHON_FOR_VENV=/path/to/python3.12 run" >&2; exit 1; fi
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then rm -rf $(VENV); fi
	@[ -x $(PY) ] || { echo "Creating $(VENV) with $(PYTHON_FOR_VENV)"; "$(PYTHON_FOR_VENV)" -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json frontend/tools/openapi/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	cd frontend/tools/openapi && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npm run build --silent
	@touch $@

frontend: frontend/dist/index.html

run: venv frontend
	$(PY) manage.py migrate --no-input -v 0
	@$(PY) manage.py setup_link --base-url http://$(HOST):$(PORT)
	$(PY) -m daphne -b $(HOST) -p $(PORT) config.asgi:application

# The production topology on this machine (README.md#production): migrate, the first-account
# link, then the Procfile under honcho. Refuses in one line without DATABASE_URL and REDIS_URL.
WORKERS ?= 1
ifneq ($(filter prod,$(MAKECMDGOALS)),)
ifeq ($(and $(DATABASE_URL),$(REDIS_URL)),)
$(error stepwise: make prod needs DATABASE_URL (postgres://...) and REDIS_URL (redis://...): set both, see README.md#production)
endif
endif
prod: venv frontend
	@HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) VENV=$(VENV) ./deploy/prod.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

check-migrations: venv
	$(PY) manage.py makemigrations --check --dry-run

# The committed API schema and the TypeScript types generated from it (tests fail when stale).
schema: venv frontend/node_modules/.installed
	$(PY) manage.py spectacular --file openapi.yaml --validate
	cd frontend/tools/openapi && npm run --silent generate

# Browser tests drive Debian's Chromium; installed here when missing (as root), so that
# `make test` works on a fresh machine.
chromium:
	@[ -x /usr/bin/chromium ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "error: browser tests need /usr/bin/chromium: sudo apt-get install -y chromium" >&2; exit 1; fi; }

frontend-test: frontend
	cd frontend && npx vitest run

# The whole suite. With DATABASE_URL (PostgreSQL) and REDIS_URL set it runs against them.
# In-process tests on two xdist workers (each its own test database); the tests that start
# real processes (servers, Celery workers, Chromium) one at a time after them.
PYTEST_JOBS ?= 2
test: venv frontend lint check-migrations frontend-test chromium
	$(PY) -m pytest -n $(PYTEST_JOBS) -m "not integration and not e2e" $(PYTEST_ARGS)
	$(PY) -m pytest -m "integration or e2e" $(PYTEST_ARGS)

# The tests that concern the embedded default (SQLite, in-memory layer, in-process engine).
test-embedded: venv frontend
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(PY) -m pytest -n $(PYTEST_JOBS) -m "not postgres and not e2e and not integration" $(PYTEST_ARGS)
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(PY) -m pytest -m "integration and not postgres and not e2e" $(PYTEST_ARGS)

# Benchmarks print figures (they assert nothing); they need PostgreSQL and Redis on 127.0.0.1.
bench: venv
	$(PY) bench/validate_graph.py
	$(PY) bench/engine.py
	$(PY) bench/live.py
	$(PY) bench/canvas.py
	$(PY) bench/webhooks.py

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist var .pytest_cache
