"""import_workflows --owner USER PATH...: exported workflows (files, or directories of them)
into the owner's, by name: updated when one has the name, a new version only if the graph
changed; made otherwise (docs/cli.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from audit.models import Action, How
from audit.services import Origin, record, workflow_target
from core.cli import Command as CliCommand
from core.cli import problems_text, user_find
from core.errors import DomainError
from designer import services
from designer.selectors import version_latest


def files_in(paths: list[str]) -> list[Path]:
    """The files named, and the `*.json` files under the directories named (sorted)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        else:
            found.append(path)
    return found


def documents(path: Path) -> list[Any]:
    """The exported workflows in a file: one object, or a list of them (export's single file)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError("no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot be read ({exc.__class__.__name__})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    return data if isinstance(data, list) else [data]


class Command(CliCommand):
    help = "Import exported workflows (files or directories) into USER's: by name, updated or made; one line per workflow."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", required=True, help="The owner's username or email.")
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A .json file or a directory of them.")

    def run(self, *, owner: str, paths: list[str], **options: Any) -> None:
        user = user_find(owner)
        failed = total = 0
        for path in files_in(paths):
            try:
                docs = documents(path)
            except ValueError as exc:
                failed, total = failed + 1, total + 1
                self.emit({"path": str(path), "status": "error", "error": str(exc)}, f"{path}: error: {exc}")
                continue
            for data in docs:
                total += 1
                try:
                    self._one(user, path, data)
                except DomainError as exc:
                    failed += 1
                    self.emit({"path": str(path), "status": "error", "error": problems_text(exc)}, f"{path}: error: {problems_text(exc)}")
        if failed:
            raise CommandError(f"{failed} of {total} workflow(s) not imported.")

    def _one(self, user: Any, path: Path, data: Any) -> None:
        with transaction.atomic():
            workflow, outcome, problems = services.workflow_import_by_name(owner=user, data=data)
            latest = version_latest(workflow=workflow)
            version = latest.number if latest else None
            action = {"created": Action.WORKFLOW_IMPORTED, "updated": Action.WORKFLOW_CHANGED}.get(outcome)
            if action is not None:  # whoever has the shell: no actor, the way in says it
                record(
                    action=action,
                    origin=Origin(how=How.COMMAND),
                    owner=user,
                    target=workflow_target(workflow),
                    details={"version": version},
                )
        result = {
            "path": str(path),
            "status": outcome,
            "workflow": workflow.pk,
            "name": workflow.name,
            "version": version,
            "problems": [p.as_dict() for p in problems],
        }
        warning = f" ({len(problems)} problem(s): it cannot run until they are fixed)" if problems else ""
        self.emit(result, f"{path}: {outcome} {workflow.name!r} (workflow {workflow.pk}, version {version}){warning}")
