from django.core.management.base import BaseCommand

from designer.pages import setup_token_issue


class Command(BaseCommand):
    help = "When no account exists, print a one-time link that creates the first one."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, base_url: str, **options):  # type: ignore[no-untyped-def]
        token = setup_token_issue()
        if token is None:
            self.stdout.write(f"Stepwise: sign in at {base_url}/login/")
            return
        bar = "=" * 72
        self.stdout.write(
            f"\n{bar}\n  No account yet. Open this one-time link to create the first one:\n\n    {base_url}/setup/{token}/\n{bar}\n"
        )
