"""Heartbeats of the periodic processes, and how old they are.

Production (Celery mode): every `engine_tick` process records one row, "tick", after each
pass that succeeded (`record`); any web process reads it (`durable_age`). The embedded
mode's tick is a thread of the server that answers readiness, so it beats in memory
(`local_started`, `local_beat`, `local_age`): no write on SQLite every second."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models.functions import Now

from health.models import Heartbeat

TICK = "tick"


def _process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def record(name: str, interval_s: float) -> None:
    """One beat: an UPDATE of the row by the database's clock (an INSERT the first time)."""
    fields = {"beaten_at": Now(), "interval_s": interval_s, "process": _process()}
    if Heartbeat.objects.filter(name=name).update(**fields):
        return
    with contextlib.suppress(IntegrityError), transaction.atomic():
        Heartbeat.objects.create(name=name, **fields)
        return
    Heartbeat.objects.filter(name=name).update(**fields)  # another copy inserted it first


@dataclass(frozen=True)
class Beat:
    age_s: float
    interval_s: float
    process: str


def durable_age(name: str) -> Beat | None:
    """The last recorded beat, its age by the database's clock; None if none was ever recorded."""
    row = Heartbeat.objects.filter(name=name).annotate(db_now=Now()).values("beaten_at", "interval_s", "process", "db_now").first()
    if row is None:
        return None
    return Beat(age_s=(row["db_now"] - row["beaten_at"]).total_seconds(), interval_s=row["interval_s"], process=row["process"])


_local_lock = threading.Lock()
_local: dict[str, tuple[float, float]] = {}  # name -> (interval_s, monotonic time of the last beat or of the start)


def local_started(name: str, interval_s: float) -> None:
    """A loop of this process starts: readiness expects its beats from now on."""
    with _local_lock:
        _local[name] = (interval_s, time.monotonic())


def local_beat(name: str) -> None:
    with _local_lock:
        if name in _local:
            _local[name] = (_local[name][0], time.monotonic())


def local_stopped(name: str) -> None:
    with _local_lock:
        _local.pop(name, None)


def local_age(name: str) -> Beat | None:
    """How long ago this process's loop beat (or started); None if no such loop runs here."""
    with _local_lock:
        entry = _local.get(name)
    if entry is None:
        return None
    interval_s, at = entry
    return Beat(age_s=time.monotonic() - at, interval_s=interval_s, process=_process())
