from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from manassa.core.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_USERS, demo_is_loaded, demo_load


class Command(BaseCommand):
    help = "Load the Sharjah-like demo data set and one demo account per role."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing if entities already exist")
        parser.add_argument("--force", action="store_true",
                            help="load even when DEBUG and MANASSA_DEMO_MODE are off (never in production)")

    def handle(self, *args, if_empty: bool, force: bool, **options):
        if not (settings.DEBUG or settings.MANASSA_DEMO_MODE or force):
            raise CommandError(
                "Refusing to load demo accounts with published passwords: DEBUG and "
                "MANASSA_DEMO_MODE are off. Use --force only on a throw-away database."
            )
        if if_empty and demo_is_loaded():
            self.stdout.write("demo data already present; nothing to do")
            return
        counts = demo_load()
        self.stdout.write("demo loaded: " + ", ".join(f"{number} {name.replace('_', ' ')}"
                                                      for name, number in counts.items()))
        self.stdout.write(f"password for every demo account: {DEMO_PASSWORD}")
        self.stdout.write(f"staff TOTP secret (base32): {DEMO_TOTP_SECRET}")
        for email, *_rest in DEMO_USERS:
            self.stdout.write(f"  {email}")
