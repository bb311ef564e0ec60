from django.core.management.base import BaseCommand

from manassa.applications.services import application_sla_sweep


class Command(BaseCommand):
    help = "`sla sweep`: mark overdue application steps and alert their escalation role. Run it every few minutes."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sweep"])

    def handle(self, *args, action: str, **options):
        marked = application_sla_sweep()
        self.stdout.write(f"{marked} application(s) newly overdue")
