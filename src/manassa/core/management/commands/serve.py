import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the portal on 127.0.0.1:PORT (default 8000) with a task worker beside it. Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--no-worker", action="store_true", help="do not start a task worker")

    def handle(self, *args, port, host, no_worker, **options):
        worker = None
        if not no_worker:
            # The worker is a separate process, as in production, polling the database queue.
            worker = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "manassa.cli", "db_worker", "--interval", "1"],
                env=os.environ.copy(),
            )
            self.stdout.write(f"task worker started (pid {worker.pid})")
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGINT)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
            self.stdout.write("stopped")
