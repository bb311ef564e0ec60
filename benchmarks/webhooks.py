"""Webhook deliveries per second to a local receiver, on PostgreSQL, through the real task worker.

    createdb -h 127.0.0.1 -U postgres manassa_bench_hooks
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/manassa_bench_hooks \\
        .venv/bin/python benchmarks/webhooks.py [--events 2000] [--workers 1 2]
    dropdb -h 127.0.0.1 -U postgres manassa_bench_hooks

The database must be empty (it is migrated here). One entity with one
endpoint at a receiver in a second process (``http.server``, threads) that
checks every signature as docs/webhooks.md says and answers 204. For each
worker count: ``--events`` domain events go through the real subscriber in
transactions of 100 (one delivery row and one task row each: the fan-out
rate), then that many worker processes run django-tasks-db's worker loop
(``manassa worker``'s code, batch mode) until the queue is empty: the figure
is deliveries per second, end to end (claim the task, claim the delivery,
sign, POST, record the attempt). Every delivery must end ``sent`` with a
valid signature.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import logging
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("MANASSA_VAR_DIR", tempfile.mkdtemp(prefix="manassa-bench-hooks-"))

import django  # noqa: E402


def receiver(port_out, secret: str, valid, invalid, stop) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            parts = dict(part.split("=", 1) for part in self.headers["Manassa-Signature"].split(","))
            expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) <= 300
            with (valid if ok else invalid).get_lock():
                (valid if ok else invalid).value += 1
            self.send_response(204 if ok else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.value = server.server_address[1]
    server.timeout = 0.2
    while not stop.is_set():
        server.handle_request()


def worker(index: int) -> None:
    from django.db import connections

    connections.close_all()  # a forked process needs its own connection
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id=f"bench-{index}-{os.getpid()}", excluded_queue_names=[]).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    django.setup()
    logging.getLogger("django_tasks").setLevel(logging.WARNING)
    logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to an empty PostgreSQL database.")
    call_command("migrate", verbosity=0)
    settings.MANASSA_WEBHOOK_HTTP_HOSTS = ["127.0.0.1"]

    from django_tasks_db.models import DBTaskResult

    from manassa.core.events import DomainEvent
    from manassa.entities.models import Entity
    from manassa.integrations.models import WebhookDelivery
    from manassa.integrations.services import webhook_endpoint_create, webhook_event_fanout

    if Entity.objects.exists():
        sys.exit("The database is not empty.")
    entity = Entity.objects.create(code="BENCH", kind="local", name_ar="جهة", name_en="Bench")
    port, valid, invalid = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    stop = multiprocessing.Event()

    print(f"PostgreSQL {connection.cursor().connection.info.server_version}, {os.cpu_count()} cores, "
          f"{args.events} events per run")
    for workers in args.workers:
        WebhookDelivery.objects.all().delete()
        DBTaskResult.objects.all().delete()
        entity.webhook_endpoints.all().delete()
        endpoint, secret = webhook_endpoint_create(actor=None, entity=entity, url="http://127.0.0.1:1/x",
                                                   events=["application.state_changed"])
        stop.clear()
        valid.value = invalid.value = 0
        server = multiprocessing.Process(target=receiver, args=(port, secret, valid, invalid, stop), daemon=True)
        server.start()
        while not port.value:
            time.sleep(0.01)
        type(endpoint).objects.filter(pk=endpoint.pk).update(url=f"http://127.0.0.1:{port.value}/hooks")

        started = time.perf_counter()
        for first in range(0, args.events, 100):
            with transaction.atomic():
                for number in range(first, min(args.events, first + 100)):
                    webhook_event_fanout(DomainEvent(
                        kind="application.state_changed", entity_code="BENCH", subject=None,
                        data={"reference": f"SHJ-2026-{number:06d}", "state": "approved", "action": "approve",
                              "from_state": "in_review", "to_state": "approved", "outcome": "approved",
                              "closed": True}))
        fanout = time.perf_counter() - started

        connections.close_all()
        started = time.perf_counter()
        processes = [multiprocessing.Process(target=worker, args=(index,)) for index in range(workers)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        elapsed = time.perf_counter() - started
        stop.set()
        server.join(timeout=5)
        port.value = 0

        sent = WebhookDelivery.objects.filter(status="sent").count()
        assert sent == args.events, f"{sent} of {args.events} delivered"
        assert valid.value == args.events and invalid.value == 0, (valid.value, invalid.value)
        durations = sorted(WebhookDelivery.objects.values_list("last_duration_ms", flat=True))
        p50, p95 = durations[len(durations) // 2], durations[int(0.95 * (len(durations) - 1))]
        print(f"workers={workers}: fan-out {args.events / fanout:,.0f} events/s into the queue; "
              f"delivered {args.events} in {elapsed:.1f} s = {args.events / elapsed:,.0f} deliveries/s; "
              f"HTTP round trip p50 {p50} ms, p95 {p95} ms; signatures valid {valid.value}/{args.events}")


if __name__ == "__main__":
    main()
