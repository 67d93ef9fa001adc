# syntax=docker/dockerfile:1
# Stepwise in one image: the frontend built by node, served by the Python runtime. The same
# image runs every process; compose.yaml (and any orchestrator) picks one by its command,
# the Procfile's (tests/deploy/test_topology.py keeps them in step). docs/operations.md#containers.

FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

FROM python:3.13-slim-bookworm AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    STEPWISE_VAR_DIR=/var/lib/stepwise
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt
WORKDIR /app
COPY . .
COPY --from=frontend /src/frontend/dist ./frontend/dist
RUN useradd --system --home-dir /var/lib/stepwise --create-home stepwise
USER stepwise
EXPOSE 8000
# The web process (the Procfile's `web` with HOST=0.0.0.0 PORT=8000).
CMD ["python", "-m", "daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
