import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connections

from engine.orchestration.tick import tick

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run the engine's tick loop: re-dispatch lost messages, reclaim expired leases, fire due "
        "retries, waits and approval timeouts. Any number of copies may run (SKIP LOCKED)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between ticks.")
        parser.add_argument("--once", action="store_true", help="One tick, then exit.")

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            try:
                counts = tick()
                if any(counts.values()):
                    logger.info("tick: %s", counts)
            except Exception:
                logger.exception("tick failed")
                connections.close_all()  # a broken connection is replaced on the next tick
            if once:
                break
            time.sleep(interval)
