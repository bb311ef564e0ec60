"""`manassa scheduler`: run the periodic jobs of ``MANASSA_PERIODIC_JOBS`` on their intervals.

One small process beside the web and task-worker processes (``manassa serve``
starts one). Jobs are idempotent, so a second scheduler, a restart or a cron
line calling ``--once`` never does harm; a failing job is logged and tried
again at its next turn.
"""

from __future__ import annotations

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

logger = logging.getLogger("manassa.scheduler")


class Command(BaseCommand):
    help = "Run the periodic jobs (the SLA sweep…) on their intervals; --once runs each once and stops."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once, then stop")
        parser.add_argument("--only", action="append", metavar="JOB", default=[],
                            help="run only this job (repeatable), e.g. a process of its own for payments-inbox")

    def handle(self, *args, once: bool, only: list[str], **options):
        jobs = [(name, interval, import_string(path)) for name, interval, path in settings.MANASSA_PERIODIC_JOBS
                if not only or name in only]
        unknown = set(only) - {name for name, _interval, _job in jobs}
        if unknown:
            raise CommandError(f"unknown job: {', '.join(sorted(unknown))}")
        stopping = []
        if not once:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stopping.append(True))
        due = {name: 0.0 for name, _interval, _job in jobs}
        while not stopping:
            now = time.monotonic()
            for name, interval, job in jobs:
                if now < due[name]:
                    continue
                due[name] = now + interval
                started = time.monotonic()
                try:
                    result = job()
                except Exception:
                    logger.exception("periodic job failed", extra={"job": name})
                    result = None
                else:
                    # A job that found nothing to do (the inbox every 0.2 s, the outbox every second) logs quietly.
                    logger.log(logging.INFO if result else logging.DEBUG, "periodic job done",
                               extra={"job": name, "result": result, "seconds": round(time.monotonic() - started, 3)})
                finally:
                    if not connection.in_atomic_block:  # (a test runs the scheduler inside its transaction)
                        close_old_connections()
                if once:
                    self.stdout.write(f"{name}: {result}")
            if once:
                return
            time.sleep(max(0.2, min(1.0, min(due.values()) - time.monotonic())))
