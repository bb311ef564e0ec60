"""`manassa payments_reconcile [--day YYYY-MM-DD] [--gateway CODE]`: reconcile a day (default: yesterday)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from manassa.payments.gateways import gateway_codes
from manassa.payments.reconciliation import reconciliation_run, yesterday


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a day (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = "Reconcile the ledger against the gateways' settlement reports for one day (default: yesterday)."

    def add_arguments(self, parser):
        parser.add_argument("--day", type=_day, help="the day to reconcile, YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--gateway", choices=gateway_codes(), help="one gateway only (default: every gateway)")

    def handle(self, *args, day: date | None, gateway: str | None, **options):
        day = day or yesterday()
        for code in [gateway] if gateway else gateway_codes():
            report = reconciliation_run(day=day, gateway_code=code)
            state = "no report from the gateway" if not report.report_received else (
                f"{report.difference_count} difference(s)")
            self.stdout.write(f"{day.isoformat()} {code}: {state}")
