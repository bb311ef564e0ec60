from django.core.management.base import BaseCommand, CommandError

from manassa.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Audit trail tools. `audit verify` checks the hash chain and names the first broken event."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action: str, **options):
        report = audit_chain_verify()
        if report.ok:
            self.stdout.write(f"audit chain OK: {report.checked} events verified")
            return
        raise CommandError(
            f"audit chain BROKEN at event {report.broken_event_id}: {report.reason} "
            f"({report.checked} events verified before it)"
        )
