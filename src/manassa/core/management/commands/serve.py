import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Serve the portal on 127.0.0.1:PORT (default 8000) with a task worker and the scheduler beside it. "
            "Ctrl-C stops them all.")

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the task worker and the scheduler")

    def handle(self, *args, port, host, no_worker, **options):
        helpers = []
        if not no_worker:
            # Separate processes, as in production: the worker polls the database queue, the scheduler
            # runs the periodic jobs (SLA sweep…).
            for name, command in (("task worker", ["db_worker", "--interval", "1"]), ("scheduler", ["scheduler"])):
                process = subprocess.Popen([sys.executable, "-m", "manassa.cli", *command],  # noqa: S603
                                           env=os.environ.copy())
                helpers.append(process)
                self.stdout.write(f"{name} started (pid {process.pid})")
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            for process in helpers:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in helpers:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
            self.stdout.write("stopped")
