from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from engine.store.retention import prunable, runs_prune
from engine.store.step_tests import step_tests_prune


class Command(BaseCommand):
    help = (
        "Delete finished runs past the retention settings (STEPWISE_RUN_RETENTION_DAYS, "
        "STEPWISE_RUN_RETENTION_PER_WORKFLOW), with their steps, events and child runs. "
        "A run in progress is never deleted. Step tests older than the days go too."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, help="Keep finished runs this many days (0: no age limit).")
        parser.add_argument("--keep-last", type=int, help="Keep this many newest runs per workflow (0: no count limit).")
        parser.add_argument("--dry-run", action="store_true", help="Only say how many would go.")

    def handle(self, *args: Any, days: int | None, keep_last: int | None, dry_run: bool, **options: Any) -> None:
        for name, value in (("--days", days), ("--keep-last", keep_last)):
            if value is not None and value < 0:
                self.stderr.write(f"{name} must be 0 or more.")
                raise SystemExit(2)
        test_days = settings.STEPWISE_RUN_RETENTION_DAYS if days is None else days
        if dry_run:
            self.stdout.write(f"{len(prunable(days=days, keep_last=keep_last))} run(s) would be deleted.")
            self.stdout.write(f"{step_tests_prune(days=test_days, dry_run=True)} step test(s) would be deleted.")
            return
        self.stdout.write(f"{runs_prune(days=days, keep_last=keep_last)} run(s) deleted.")
        self.stdout.write(f"{step_tests_prune(days=test_days)} step test(s) deleted.")
