from django.core.management.base import BaseCommand

from manassa.notifications.sandbox import serve


class Command(BaseCommand):
    help = ("Run the sandbox SMS gateway (POST /messages, GET /messages, POST /control to make it fail or slow). "
            "Point MANASSA_SMS_GATEWAY_URL at http://HOST:PORT/messages.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)

    def handle(self, *args, host, port, **options):
        serve(host, port, out=self.stdout)
