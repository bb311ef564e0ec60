from django.core.management.base import BaseCommand

from manassa.notifications.services import deliveries_recover, install_defaults


class Command(BaseCommand):
    help = ("Notifications: 'recover' enqueues again deliveries whose worker died; "
            "'install-defaults' writes the platform's default texts where missing.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["recover", "install-defaults"])

    def handle(self, *args, action, **options):
        if action == "recover":
            self.stdout.write(f"re-enqueued: {deliveries_recover()}")
        else:
            self.stdout.write(f"templates installed: {install_defaults()}")
