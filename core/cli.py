"""What every Stepwise command shares (docs/cli.md): `--json`, finding a user by username or
email, and errors as one line with a non-zero exit, never a traceback.

A command subclasses `Command` and writes `run(**options)`; the services it calls raise
DomainError or Http404 for what a person got wrong, which become `CommandError` here (Django
prints `CommandError: <message>` and exits 1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from core.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def dumps(value: Any, *, indent: int | None = None) -> str:
    """JSON with sorted keys (stable for diffs), UTF-8 kept readable."""
    return json.dumps(value, sort_keys=True, indent=indent, ensure_ascii=False, default=str)


def user_find(value: str) -> User:
    """A user by username, else by email (case-insensitive); one clear error otherwise."""
    users = get_user_model().objects
    user = users.filter(username=value).first()
    if user is None and "@" in value:
        matches = list(users.filter(email__iexact=value)[:2])
        if len(matches) > 1:
            raise CommandError(f"More than one user has the email {value!r}: give the username.")
        user = matches[0] if matches else None
    if user is None:
        raise CommandError(f"No user with the username or email {value!r}.")
    return user


def problems_text(exc: DomainError) -> str:
    parts = [exc.detail]
    for problem in exc.problems[:10]:
        where = " ".join(str(p) for p in (problem.node_id, problem.edge_id, problem.field) if p)
        parts.append(f"{where}: {problem.message}" if where else problem.message)
    if len(exc.problems) > 10:
        parts.append(f"and {len(exc.problems) - 10} more")
    return "; ".join(parts)


class Command(BaseCommand):
    """A command with `--json`; `run` does the work, `emit` prints a result."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print JSON (one object per line) instead of text.")
        return parser

    def handle(self, *args: Any, **options: Any) -> None:
        self.as_json = bool(options.pop("as_json", False))
        try:
            self.run(**options)
        except DomainError as exc:
            raise CommandError(problems_text(exc)) from None
        except Http404 as exc:
            raise CommandError(str(exc) or "Not found.") from None

    run: Callable[..., None]  # each command's own, with its options as keyword arguments

    def emit(self, value: Any, text: str) -> None:
        """One result: `value` as a line of JSON with --json, else `text`."""
        self.stdout.write(dumps(value) if self.as_json else text)
