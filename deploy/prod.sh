#!/bin/sh
# `make prod`: the production topology on one machine, against PostgreSQL and Redis. Migrates
# (first, before any process of the new code starts), prints the first-account link, then
# runs the Procfile with honcho: web once, worker WORKERS times, tick once. Ctrl-C or SIGTERM
# stops them all (honcho sends each SIGTERM: daphne, the workers and the tick end cleanly).
set -eu
cd "$(dirname "$0")/.."

missing=""
[ -n "${DATABASE_URL:-}" ] || missing="DATABASE_URL"
[ -n "${REDIS_URL:-}" ] || missing="${missing:+$missing and }REDIS_URL"
if [ -n "$missing" ]; then
  echo "stepwise: make prod needs DATABASE_URL (postgres://...) and REDIS_URL (redis://...): $missing not set (see README.md#production)" >&2
  exit 2
fi

# The broker: Redis unless one is named (amqp://... for RabbitMQ).
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-$REDIS_URL}"
export HOST="${HOST:-127.0.0.1}" PORT="${PORT:-8000}"
VENV="${VENV:-.venv}"
case "$VENV" in /*) ;; *) VENV="$PWD/$VENV" ;; esac
export PATH="$VENV/bin:$PATH"

python manage.py migrate --no-input -v 0
python manage.py setup_link --base-url "${STEPWISE_BASE_URL:-http://$HOST:$PORT}"
# -e /dev/null: the processes get this environment, the one migrate saw, not a .env file's.
exec python -m honcho -e /dev/null -f Procfile start -p "$PORT" -c "web=1,worker=${WORKERS:-1},tick=1"
