"""What the metrics cost on the step path, in CPU time (steadier than wall time on a shared
machine): W1's chain of 100 no-op steps, run in this process on SQLite, with the metrics
and with their functions replaced by no-ops, alternating, ROUNDS times each; the median
CPU microseconds per step of each, and the difference.

    .venv/bin/python bench/metrics_overhead.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROUNDS, RUNS_PER_ROUND = 7, 5
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _setup() -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    os.environ["STEPWISE_VAR_DIR"] = tempfile.mkdtemp(prefix="stepwise-metrics-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    _setup()
    from django.contrib.auth import get_user_model

    from bench.workloads import CHAIN, graphs
    from designer import services
    from engine.orchestration import chains
    from engine.orchestration.dispatch import Collecting, set_dispatcher
    from engine.orchestration.runs import run_start
    from monitoring import metrics

    dispatcher = Collecting()
    set_dispatcher(dispatcher)
    user = get_user_model().objects.create_user(username="bench", password="x-bench-password-1")
    workflow, problems = services.workflow_create(owner=user, name="W1", graph=graphs()["W1"])
    assert not problems, problems

    def one_run() -> None:
        run_start(workflow=workflow, user=user, payload={})
        while dispatcher.sent:
            chains.run_chain(dispatcher.sent.pop(0), worker="bench", pure=True)

    names = ("step_finished", "step_claimed", "run_started", "run_finished")
    real: dict[str, Callable[..., Any]] = {name: getattr(metrics, name) for name in names}

    def switched(on: bool) -> None:
        for name in names:
            setattr(metrics, name, real[name] if on else (lambda *a, **k: None))

    one_run()  # warm caches, compile queries
    cpu: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(ROUNDS):
        for on in (False, True):
            switched(on)
            started = time.process_time()
            for _ in range(RUNS_PER_ROUND):
                one_run()
            cpu[on].append((time.process_time() - started) / (RUNS_PER_ROUND * CHAIN) * 1e6)
    switched(True)
    counted = metrics.STEPS_FINISHED.labels("noop", "succeeded")._value.get()
    assert counted == (1 + ROUNDS * RUNS_PER_ROUND) * CHAIN, counted  # the rounds with metrics on, and the warm-up
    without, with_ = statistics.median(cpu[False]), statistics.median(cpu[True])
    print("W1 inline chain, CPU us per step (median of", ROUNDS, "rounds)")
    print(f"  metrics off  {without:8.1f}")
    print(f"  metrics on   {with_:8.1f}")
    print(f"  difference   {with_ - without:8.1f}  ({(with_ - without) / without:+.1%})")


if __name__ == "__main__":
    main()
