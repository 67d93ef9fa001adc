"""export_workflows --owner USER --out DIR|FILE: the owner's workflows as the API exports
them, with sorted keys, for keeping them in git (docs/cli.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from audit.models import Action, How
from audit.services import Origin, record, workflow_target
from core.cli import Command as CliCommand
from core.cli import dumps, user_find
from designer import services
from designer.models import Workflow


def file_name(workflow: Workflow) -> str:
    """The name the API's download gives it: `<slug>.stepwise.json`."""
    slug = "".join(c if c.isalnum() else "-" for c in workflow.name.lower()).strip("-")[:60] or "workflow"
    return f"{slug}.stepwise.json"


def document(exported: Any) -> str:
    return dumps(exported, indent=2) + "\n"


class Command(CliCommand):
    help = (
        "Export USER's workflows: with --out DIR one file per workflow (<name>.stepwise.json), with "
        "--out FILE.json (or -, standard output) one file: the workflow, or a list when there are several."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", required=True, help="The owner's username or email.")
        parser.add_argument("--out", required=True, help="A directory (made if missing), a file ending in .json, or - for standard output.")
        parser.add_argument("--workflow", type=int, action="append", default=[], help="Only this workflow id (repeatable).")

    def run(self, *, owner: str, out: str, workflow: list[int], **options: Any) -> None:
        user = user_find(owner)
        workflows = list(Workflow.objects.filter(owner=user).order_by("pk"))
        if workflow:
            missing = sorted(set(workflow) - {w.pk for w in workflows})
            if missing:
                raise CommandError(f"{user.get_username()} has no workflow {', '.join(map(str, missing))}.")
            workflows = [w for w in workflows if w.pk in workflow]
        with transaction.atomic():
            exported = [(w, services.workflow_export(workflow=w)) for w in workflows]
            for w, data in exported:
                target = workflow_target(w)
                record(
                    action=Action.WORKFLOW_EXPORTED,
                    origin=Origin(how=How.COMMAND),
                    owner=user,
                    target=target,
                    details={"version": data["version"]},
                )
        if out == "-" or out.endswith(".json"):
            single = exported[0][1] if len(exported) == 1 and workflow else [data for _, data in exported]
            if out == "-":
                self.stdout.write(document(single), ending="")
                return
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            Path(out).write_text(document(single), encoding="utf-8")
            for w, data in exported:
                self.emit(
                    {"workflow": w.pk, "name": w.name, "version": data["version"], "path": out},
                    f"{out}: {w.name} (workflow {w.pk}, version {data['version']})",
                )
            return
        directory = Path(out)
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"--out {out} is a file: give a directory, or a name ending in .json for one file.")
        directory.mkdir(parents=True, exist_ok=True)
        taken: set[str] = set()
        for w, data in exported:
            name = file_name(w)
            if name in taken:  # two names with the same slug: the later workflow gets its id
                name = name.replace(".stepwise.json", f"-{w.pk}.stepwise.json")
            taken.add(name)
            path = directory / name
            path.write_text(document(data), encoding="utf-8")
            self.emit(
                {"workflow": w.pk, "name": w.name, "version": data["version"], "path": str(path)},
                f"{path}: {w.name} (workflow {w.pk}, version {data['version']})",
            )
        if not exported and not self.as_json:
            self.stderr.write(f"{user.get_username()} has no workflows.")
