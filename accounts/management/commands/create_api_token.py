from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import tokens


class Command(BaseCommand):
    help = (
        "Create an API token for USER and print its key (shown this once: only its hash is kept). "
        "--rotate first revokes the user's tokens of the same --name."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="manage.py", help="What the token is for (default: manage.py).")
        parser.add_argument("--rotate", action="store_true", help="Revoke the user's tokens of this name first.")

    def handle(self, *args: Any, username: str, name: str, rotate: bool, **options: Any) -> None:
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if rotate:
            revoked = tokens.tokens_revoke_named(user=user, name=name)
            self.stderr.write(f"Revoked {revoked} token(s) named {name!r}.")
        self.stdout.write(tokens.token_create(owner=user, name=name).key)
