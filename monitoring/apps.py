from __future__ import annotations

import atexit
import os
import shutil
from typing import Any

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """Where the metrics' processes are wired: a Celery worker's parent serves METRICS_PORT
    (its pool processes write the files it reads), a pool process that exits takes its
    live gauges out of the sums, and so does this process at exit. The web server starts
    METRICS_PORT itself (config/asgi.py)."""

    name = "monitoring"
    verbose_name = "Stepwise monitoring"

    def ready(self) -> None:
        from celery.signals import worker_init, worker_process_shutdown

        from monitoring.exposition import process_exited, serve_port

        def serve(**_: Any) -> None:
            serve_port()

        def exited(pid: int | None = None, **_: Any) -> None:
            process_exited(pid or os.getpid())

        worker_init.connect(serve, weak=False, dispatch_uid="stepwise-metrics-port")
        worker_process_shutdown.connect(exited, weak=False, dispatch_uid="stepwise-metrics-pool-exit")
        atexit.register(lambda: process_exited(os.getpid()))  # in whichever process exits
        if os.environ.get("STEPWISE_METRICS_DIR_OF") == str(os.getpid()):
            # A directory this process chose for itself (config/settings/metrics.py) goes with it.
            atexit.register(_remove_own_directory, os.getpid(), os.environ["PROMETHEUS_MULTIPROC_DIR"])


def _remove_own_directory(owner: int, directory: str) -> None:
    if os.getpid() == owner:  # not in a forked child that exits before its parent
        shutil.rmtree(directory, ignore_errors=True)
