"""follow_run RUN_ID: print the run's events as they are recorded, in sequence order, until
the run ends. It reads the event log in the database (polling), so it works in both modes
and from any machine that reaches the database (docs/cli.md)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandParser
from django.db import close_old_connections

from core.cli import Command as CliCommand
from engine.management.lookup import run_find, run_line
from engine.serializers import EventSerializer
from engine.store.models import Run, RunEvent
from engine.store.statuses import RUN_TERMINAL, RunStatus


def event_line(event: RunEvent) -> str:
    at = event.at.strftime("%H:%M:%S.%f")[:-3]
    where = f"{event.node_id}" + (f" #{event.attempt}" if event.attempt and event.attempt > 1 else "") if event.node_id else "run"
    detail = ""
    if isinstance(event.data, dict):
        message = (event.data.get("error") or {}).get("message") if isinstance(event.data.get("error"), dict) else event.data.get("error")
        detail = f"  {message}" if message else ""
    return f"{event.seq:>5}  {at}  {event.kind:<6} {where:<24} {event.status}{detail}"


class Command(CliCommand):
    help = "Follow run ID: print each event (with its sequence number) as it happens, until the run ends; exit 1 unless it succeeded."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run_id", type=int)
        parser.add_argument("--after", type=int, default=0, help="Start after this sequence number (default: from the first event).")
        parser.add_argument("--interval", type=float, default=0.2, help="Seconds between reads of the event log (default 0.2).")

    def run(self, *, run_id: int, after: int, interval: float, **options: Any) -> None:
        run = run_find(run_id)
        if not self.as_json:
            self.stderr.write(run_line(run))
        seen = max(after, 0)
        while True:
            # The run's status first, then its events: once it has ended, every event up to
            # its last sequence number is in the log and is printed before the end.
            status, last_seq = Run.objects.filter(pk=run.pk).values_list("status", "last_seq").get()
            for event in RunEvent.objects.filter(run_id=run.pk, seq__gt=seen).order_by("seq")[:1000]:
                serialized: Any = EventSerializer(event).data  # its `data` field hides Serializer.data from the stubs
                self.emit(dict(serialized), event_line(event))
                seen = event.seq
            if status in RUN_TERMINAL and seen >= last_seq:
                break
            close_old_connections()
            time.sleep(max(interval, 0.01))
        if not self.as_json:
            self.stderr.write(f"run {run.pk} {status}")
        if status != RunStatus.SUCCEEDED:
            raise SystemExit(1)
