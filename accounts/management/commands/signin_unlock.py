from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import throttle


class Command(BaseCommand):
    help = "Lift the sign-in lockout of an account (USERNAME) and/or an address (--address) and forget their failures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="The account, as typed at sign-in.")
        parser.add_argument("--address", help="A client address (an IPv6 address lifts its /64).")

    def handle(self, *args: Any, username: str | None, address: str | None, **options: Any) -> None:
        if not username and not address:
            raise CommandError("Give a username, an --address, or both.")
        removed = throttle.unlock(username=username, address=address)
        self.stdout.write(f"Lifted {removed} lockout record(s).")
