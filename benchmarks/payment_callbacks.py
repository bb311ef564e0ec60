"""Payment callbacks settled per second over real HTTP, on PostgreSQL, against a trivial view of the same server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/manassa_bench_callbacks \\
        .venv/bin/python benchmarks/payment_callbacks.py [--invoices 2000] [--clients 4] [--workers 2]

The database (its name must start with ``manassa_bench``) is dropped and
created again, then migrated. N invoices are raised (bills of a pretend
provider, so no request workflow runs) and each is paid through the real
services: ``payment_start`` opens a session at the sandbox gateway and the
sandbox charges the success card, with its own callback sending switched off.
The benchmark then is the sandbox: it signs each charge's notification and
POSTs it to ``/payments/callback/sandbox/`` of gunicorn (the production WSGI
server, sync workers, the product's settings with DEBUG off, as
``search_http.py``) from several client threads, with ~20% of the callbacks
sent twice and all of them shuffled (a duplicate may arrive first). The view
stores each notification in the callback inbox; ``manassa scheduler --only
payments-inbox`` (the product's command, in a process of its own, as in
production) settles them in batches. The rate is callbacks over the time from
the first sent to the last settled (the inbox empty, the ledger written); the
rate at which they were answered is printed too. Then all of them once more
(a retry storm: every payment is settled already). Blocks of the same number
of requests to a trivial JSON view of the same server are run before and
after, for the ratio.

Before the run, one callback is told in this process with the statements
counted (first delivery, a duplicate, and the settling of a batch), which is
where to look when the rate is low. At the end: every callback answered 204,
each invoice is paid by one payment with one ledger row, and the ledger's
total equals the sandbox's.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.search_http_settings")
os.environ.setdefault("MANASSA_VAR_DIR", tempfile.mkdtemp(prefix="manassa-bench-callbacks-"))

import django  # noqa: E402

CALLBACK = "/payments/callback/sandbox/"
TRIVIAL = "/bench/trivial"


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.startswith("manassa_bench"):
        raise SystemExit("the database is dropped and created again: its name must start with manassa_bench")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _request(port: int, method: str, target: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, target, body=body or None, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, (time.perf_counter() - started) * 1000
    finally:
        connection.close()


def _run(port: int, requests: list[tuple], clients: int) -> tuple[float, list[float], list[int]]:
    """(requests per second, latencies in ms, statuses) of ``requests`` sent by ``clients`` threads."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(lambda args: _request(port, *args), requests))
    elapsed = time.perf_counter() - started
    return len(requests) / elapsed, [ms for _status, ms in results], [status for status, _ms in results]


def _setup(count: int, seed: int):
    """An entity, ``count`` invoices, each with a payment started and its charge paid at the sandbox."""
    from django.utils import timezone

    from manassa.accounts.models import User
    from manassa.entities.models import Entity
    from manassa.payments.models import Invoice
    from manassa.payments.sandbox import bank
    from manassa.payments.services import payment_start

    entity = Entity.objects.create(code="BENCH", kind="local", name_ar="جهة", name_en="Entity")
    payers = User.objects.bulk_create([User(email=f"payer{i}@bench.test") for i in range(50)])
    rng = random.Random(seed)
    expires = timezone.now() + timezone.timedelta(days=7)
    invoices = Invoice.objects.bulk_create([
        Invoice(number=f"INV-BENCH-{i:06d}", bill_provider="bench", bill_reference=f"B{i:06d}", entity=entity,
                payer=payers[i % len(payers)], step="bill", title={"ar": "فاتورة", "en": "Bill"},
                lines=[{"kind": "service", "label": {"ar": "رسوم", "en": "Fee"}, "amount": amount}], total=amount,
                expires_at=expires)
        for i, amount in enumerate(rng.randrange(1000, 500000) for _ in range(count))])
    bank.switch_set(callback_mode="drop")  # the benchmark sends the callbacks itself
    charges = []
    for invoice in invoices:
        payment = payment_start(actor=invoice.payer, invoice=invoice, idempotency_key=f"bench:{invoice.number}")
        charges.append(bank.charge_pay(reference=payment.gateway_reference, card_number="4000000000000002"))
    return charges


def _callback_request(charge, secret: str) -> tuple:
    from manassa.payments.sandbox import bank

    body = bank.callback_body(bank.charge_payload(charge))
    return ("POST", CALLBACK, body, {"Content-Type": "application/json",
                                     "X-Sandbox-Signature": bank.sign(secret, body)})


def _statements_per_callback(charge, secret: str) -> tuple[int, int, int, list[str]]:
    """Statements of one callback through the whole Django stack in this process: first delivery, duplicate, and
    the settling of the stored notification (a batch of one; a batch costs the same whatever its size)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from manassa.payments.services import payments_inbox_settle

    client = Client(HTTP_HOST="localhost")
    _method, path, body, headers = _callback_request(charge, secret)
    counts, first = [], []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(path, body, content_type="application/json",
                                   HTTP_X_SANDBOX_SIGNATURE=headers["X-Sandbox-Signature"])
        if response.status_code != 204:
            raise SystemExit(f"callback in process: {response.status_code} {response.content[:300]!r}")
        counts.append(len(queries.captured_queries))
        first = first or [q["sql"][:110] for q in queries.captured_queries]
    with CaptureQueriesContext(connection) as queries:
        if payments_inbox_settle() != 1:
            raise SystemExit("the stored callback was not settled")
    settling = [q["sql"][:110] for q in queries.captured_queries]
    return counts[0], counts[1], len(settling), first + ["-- settling:"] + settling


def _cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the processes on this machine, by kind (Linux's /proc; empty elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    used: dict[str, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        if "gunicorn" in cmdline:
            kind = "web workers"
        elif "scheduler" in cmdline:
            kind = "settling process"
        elif cmdline.startswith("postgres") or "postgres:" in cmdline:
            kind = "postgresql"
        elif int(stat.parent.name) == os.getpid():
            kind = "benchmark client"
        else:
            kind = "other"
        used[kind] = used.get(kind, 0.0) + seconds
    return used


def _wait_settled(deadline: float) -> float:
    """Poll until the inbox is empty (each notification is deleted in the transaction that settles it)."""
    from django.db import connection

    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM payments_callbackinbox)")
            if not cursor.fetchone()[0]:
                return time.perf_counter()
            time.sleep(0.02)
    raise SystemExit("the inbox was not emptied in time: is the settling process running?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of callbacks sent twice")
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (one per core)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-statements", action="store_true", help="print the statements of one callback")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("run it on PostgreSQL: set DATABASE_URL")
    _recreate_database(url)
    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.db.models import Count, F, Q, Sum

    from manassa.payments.gateways import sandbox_secret
    from manassa.payments.models import Invoice, LedgerEntry, Payment, Refund
    from manassa.payments.sandbox import bank

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    charges = _setup(args.invoices + 1, args.seed)
    print(f"setup: {args.invoices + 1} invoices, payments started and charged in {time.perf_counter() - started:.1f} s")
    secret = sandbox_secret()
    first, duplicate, batch, statements = _statements_per_callback(charges.pop(), secret)
    print(f"statements per callback (in process, whole stack): first delivery {first}, duplicate {duplicate}; "
          f"settling a batch: {batch}, whatever its size (up to 200)")
    if args.show_statements:
        print("\n".join(f"  {sql}" for sql in statements))

    rng = random.Random(args.seed)
    callbacks = [_callback_request(charge, secret) for charge in charges]
    callbacks += [callbacks[i] for i in rng.sample(range(len(callbacks)), int(len(callbacks) * args.duplicates))]
    rng.shuffle(callbacks)  # out of order, a duplicate possibly before its first delivery
    connections.close_all()

    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")])
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
         "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    settler = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("manassa")), "scheduler", "--only", "payments-inbox"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _request(port, "GET", TRIVIAL)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        trivial = [("GET", TRIVIAL)] * len(callbacks)
        # Warm every worker up: code, URL resolvers, translations, a first database connection.
        _run(port, [("GET", TRIVIAL)] * 100 + [("POST", CALLBACK, b"{}", {"Content-Type": "application/json"})] * 20,
             args.clients)
        trivial_before, _lat, _st = _run(port, trivial, args.clients)
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        answered_rate, latencies, statuses = _run(port, callbacks, args.clients)
        settled_at = _wait_settled(time.monotonic() + 120)
        cpu_after = _cpu_seconds()
        rate = len(callbacks) / (settled_at - started)
        lag = settled_at - started - len(callbacks) / answered_rate
        trivial_after, _lat, _st = _run(port, trivial, args.clients)
        # The gateway tells everything again (a retry storm after an outage): every payment is settled already.
        again_rate, again_latencies, again_statuses = _run(port, callbacks, args.clients)
    finally:
        for process in (server, settler):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    trivial_rate = (trivial_before + trivial_after) / 2
    bad = [status for status in statuses + again_statuses if status != 204]
    print(f"server: gunicorn, {args.workers} sync workers, and one settling process (manassa scheduler --only "
          f"payments-inbox); {args.clients} client threads; {os.cpu_count()} cpus")
    print(f"callbacks: {len(callbacks)} ({len(charges)} payments, {len(callbacks) - len(charges)} duplicates, "
          f"shuffled) settled at {rate:.0f}/s (first sent to last settled); answered at {answered_rate:.0f}/s, "
          f"the last settled {lag:.2f} s after the last answer; p50 {statistics.median(latencies):.1f} ms, "
          f"p95 {percentile(latencies, 0.95):.1f} ms; not 204: {len(bad)}")
    cpu = {kind: cpu_after[kind] - cpu_before.get(kind, 0.0) for kind in cpu_after}
    print("CPU seconds while the callbacks were told and settled, by process kind: "
          + ", ".join(f"{kind} {seconds:.2f}" for kind, seconds in sorted(cpu.items(), key=lambda kv: -kv[1])
                      if seconds >= 0.01)
          + f" (of {(settled_at - started) * (os.cpu_count() or 1):.2f} available)")
    print(f"told again (all settled already): {again_rate:.0f}/s; p50 {statistics.median(again_latencies):.1f} ms, "
          f"p95 {percentile(again_latencies, 0.95):.1f} ms; ratio to trivial: {again_rate / trivial_rate:.2f}")
    print(f"trivial view: {trivial_rate:.0f} req/s (before {trivial_before:.0f}, after {trivial_after:.0f}); "
          f"ratio callbacks/trivial: {rate / trivial_rate:.2f}")

    # --- exactly once ---------------------------------------------------------------------------------
    ledger = LedgerEntry.objects.aggregate(total=Sum("amount"), rows=Count("id"))
    totals = bank.totals()
    twice = (Invoice.objects.annotate(charges=Count("ledger_entries", filter=Q(ledger_entries__kind="charge")),
                                      paid=Count("payments", filter=Q(payments__status="succeeded")))
             .filter(Q(charges__gt=1) | Q(paid__gt=1)).count())
    unpaid = Invoice.objects.exclude(status="paid").count()
    mismatched = Invoice.objects.filter(status="paid").exclude(paid_by__amount=F("total")).count()
    print(f"ledger: {ledger['rows']} rows, {ledger['total']} fils; sandbox net {totals['net']} fils; "
          f"invoices paid twice: {twice}; not paid: {unpaid}; paid with another amount: {mismatched}; "
          f"refunds: {Refund.objects.count()}; payments succeeded: "
          f"{Payment.objects.filter(status='succeeded').count()}")
    ok = (not bad and ledger["total"] == totals["net"] and ledger["rows"] == len(charges) + 1 and not twice
          and not unpaid and not mismatched)
    print("check:", "ledger equals the sandbox, every invoice paid once" if ok else "FAILED")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
