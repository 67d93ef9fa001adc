import signal
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from core import tracing
from core.logging import connections_summary, get_logger
from engine.clock import tick
from health import heartbeat
from monitoring.exposition import serve_port

logger = get_logger(__name__)


def _read_clock(path: str) -> datetime:
    moment = datetime.fromisoformat(Path(path).read_text().strip())
    if moment.tzinfo is None:
        raise CommandError(f"{path}: the time needs a UTC offset (e.g. 2026-01-01T00:00:00+00:00).")
    return moment


class Command(BaseCommand):
    help = (
        "Run the engine's tick loop: re-dispatch lost messages, reclaim expired leases, fire due "
        "retries, waits and approval timeouts. Any number of copies may run (SKIP LOCKED)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between ticks.")
        parser.add_argument("--once", action="store_true", help="One tick, then exit.")
        parser.add_argument(
            "--clock-file",
            help="Simulation: schedules read the time (ISO 8601) from this file instead of the clock. "
            "Retries, waits and leases keep the real clock.",
        )

    def handle(self, *args: Any, interval: float, once: bool, clock_file: str | None = None, **options: Any) -> None:
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        tracing.setup("stepwise-tick")
        if not once:
            serve_port()  # METRICS_PORT: the tick's series, on a host that runs only the tick
        summary = connections_summary()
        logger.info("tick starting", database=summary["database"], broker=summary["broker"], interval_s=interval, once=once)
        while not stopping:
            try:
                counts = tick(schedule_now=_read_clock(clock_file) if clock_file else None)
                # A pass that went through: readiness (GET /readyz) reads how long ago.
                heartbeat.record(heartbeat.TICK, interval)
                if any(counts.values()):
                    logger.info("tick", **counts)
            except Exception:
                logger.exception("tick failed")
                connections.close_all()  # a broken connection is replaced on the next tick
            if once:
                break
            time.sleep(interval)
