"""Service delivery at scale, on PostgreSQL: submissions per second, and the work queue at 1,000,000 applications.

    createdb -h 127.0.0.1 -U postgres manassa_bench_apps
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/manassa_bench_apps \\
        .venv/bin/python benchmarks/applications.py [--submissions 2000] [--processes N] [--rows 1000000]
    dropdb -h 127.0.0.1 -U postgres manassa_bench_apps

The database must be empty (it is migrated here). Submissions go through the
real service (answer validation, reference number, deadlines, history, audit
event, notice), from several processes with their own connections; the figure
is submissions per second and the check is that no reference repeats. The
queue is then filled with generated rows by SQL and paged by an officer
through ``work_queue`` (first pages, filtered pages and deep keyset pages),
then through the API ``GET /api/v1/backoffice/applications`` with Django's
test client in this process (session, middleware, two-factor check, JSON):
the same cases, plus keyset pages from the middle of the queue.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("MANASSA_VAR_DIR", tempfile.mkdtemp(prefix="manassa-bench-apps-"))

import django  # noqa: E402

FORM = {
    "format": "manassa-form/1",
    "pages": [{"key": "p", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
        {"key": "full_name", "type": "text", "label": {"ar": "الاسم", "en": "Name"}, "required": True},
        {"key": "emirates_id", "type": "emirates_id", "label": {"ar": "الهوية", "en": "Emirates ID"}, "required": True},
        {"key": "plot", "type": "number", "label": {"ar": "القطعة", "en": "Plot"}, "required": True, "min": 1},
    ]}],
}


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2, help="one per core, as web workers")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10, help="runs of each case")
    args = parser.parse_args()
    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        raise SystemExit("run it on PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    from manassa.accounts.models import User
    from manassa.applications.models import Application
    from manassa.applications.selectors import QueueFilters, work_queue
    from manassa.applications.services import (
        application_answers_save,
        application_start,
        application_submit,
        service_form_publish,
        service_workflow_publish,
    )
    from manassa.applications.workflow import TEMPLATES
    from manassa.catalog.models import Sector, Service
    from manassa.entities.models import Entity, Membership

    if Application.objects.exists():
        raise SystemExit("the database already has applications: use an empty one")
    entity = Entity.objects.create(code="BENCH", kind="local", name_ar="جهة", name_en="Entity")
    sector = Sector.objects.create(code="bench", name_ar="قطاع", name_en="Sector")
    services = [Service.objects.create(code=f"BENCH-{i}", slug=f"bench-{i}", entity=entity, sector=sector,
                                       name_ar="خدمة", name_en="Service", description_ar="وصف", sla_days=3)
                for i in range(5)]
    for service in services:
        service_form_publish(actor=None, service=service, definition=FORM)
        service_workflow_publish(actor=None, service=service, definition=TEMPLATES["simple_approval"])
    officer = User.objects.create_user(email="officer@bench.test", password="x")
    Membership.objects.create(user=officer, entity=entity, role="officer")

    # --- submissions per second ---------------------------------------------------------
    people = User.objects.bulk_create([User(email=f"p{i}@bench.test") for i in range(args.submissions)])
    drafts = []
    for i, person in enumerate(people):
        draft = application_start(actor=person, service=services[i % len(services)])
        application_answers_save(actor=person, application=draft,
                                 answers={"full_name": "Resident", "emirates_id": "784-1990-1234567-6",
                                          "plot": str(i + 1)})
        drafts.append((person, draft))
    # Several processes, as several web workers would be (threads of one process share one core).
    connections.close_all()
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(args.processes + 1)
    failures = context.Value("i", 0)

    def submit(batch):
        ready.wait()
        for person, draft in batch:
            try:
                application_submit(actor=person, application=draft)
            except Exception:  # counted and reported below
                with failures.get_lock():
                    failures.value += 1
        connections.close_all()

    workers = [context.Process(target=submit, args=(drafts[i::args.processes],)) for i in range(args.processes)]
    for worker in workers:
        worker.start()
    ready.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    references = list(Application.objects.exclude(reference=None).values_list("reference", flat=True))
    print(f"submissions: {len(references)} in {elapsed:.2f} s = {len(references) / elapsed:.0f}/s "
          f"with {args.processes} processes; duplicate references: {len(references) - len(set(references))}; "
          f"errors: {failures.value}")

    # --- the work queue at scale -----------------------------------------------------------
    if not args.rows:
        return
    start = time.perf_counter()
    form_id, workflow_id = drafts[0][1].form_id, drafts[0][1].workflow_id
    applicant_id = people[0].pk
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO applications_application
               (reference, service_id, entity_id, applicant_id, form_id, workflow_id, state, answers,
                created_at, updated_at, submitted_at, outcome, state_due_at, due_at, assignee_id)
               SELECT 'GEN-' || g, %s + (g %% 5), %s, %s, %s, %s,
                      (ARRAY['submitted','in_review','awaiting_info'])[1 + g %% 3], '{}'::jsonb,
                      now(), now(), now(), '',
                      CASE WHEN g %% 3 = 2 THEN NULL ELSE now() + (g %% 10000) * interval '1 minute' END,
                      now() + interval '10 days', CASE WHEN g %% 4 = 0 THEN %s ELSE NULL END
               FROM generate_series(1, %s) AS g""",
            [services[0].pk, entity.pk, applicant_id, form_id, workflow_id, officer.pk, args.rows],
        )
        cursor.execute("ANALYZE applications_application")
    print(f"generated {args.rows} applications in {time.perf_counter() - start:.1f} s")
    officer = User.objects.get(pk=officer.pk)

    def timed(filters=None, pages=1):
        filters = filters or QueueFilters()
        samples, cursor_value = [], None
        for _ in range(pages):
            t = time.perf_counter()
            page = work_queue(officer, filters, cursor=cursor_value)
            samples.append((time.perf_counter() - t) * 1000)
            cursor_value = page.next_cursor
            if not cursor_value:
                break
        return samples

    cases = {
        "first page": lambda: timed(),
        "unassigned": lambda: timed(QueueFilters(unassigned=True)),
        "mine": lambda: timed(QueueFilters(assignee_id=officer.pk)),
        "one service": lambda: timed(QueueFilters(service_id=services[1].pk)),
        "state in_review": lambda: timed(QueueFilters(state="in_review")),
        "overdue": lambda: timed(QueueFilters(breached=True)),
        "20 pages deep": lambda: timed(pages=20),
    }
    everything = []
    for name, run in cases.items():
        samples = []
        for _ in range(args.runs):
            samples += run()
        everything += samples
        print(f"queue {name:16s} p50 {statistics.median(samples):6.1f} ms  p95 {percentile(samples, 0.95):6.1f} ms")
    print(f"queue overall p95 {percentile(everything, 0.95):.1f} ms over {len(everything)} page loads")

    api_queue(officer, services, runs=args.runs)


def api_queue(officer, services, *, runs: int) -> None:
    """``GET /api/v1/backoffice/applications`` in process, through the whole Django stack."""
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db.models import F
    from django.test import Client

    from manassa.applications.models import Application

    TOTP.activate(officer, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # staff must have two-factor set up
    client = Client(HTTP_HOST="localhost")
    client.force_login(officer)
    url = "/api/v1/backoffice/applications"
    # A cursor half-way down the queue (found once with OFFSET, not timed): keyset pages from there.
    middle = (Application.objects.filter(entity_id=services[0].entity_id, closed_at__isnull=True)
              .order_by(F("state_due_at").asc(nulls_last=True), "id")
              .values_list("state_due_at", "id")[Application.objects.count() // 2])
    middle_cursor = f"{middle[0].isoformat() if middle[0] else ''}|{middle[1]}"

    def timed(params=None, pages=1, cursor=None):
        samples = []
        params = dict(params or {})
        for _ in range(pages):
            if cursor:
                params["cursor"] = cursor
            t = time.perf_counter()
            response = client.get(url, params)
            samples.append((time.perf_counter() - t) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} {params}: {response.status_code} {response.content[:300]!r}")
            cursor = response.json()["next_cursor"]
            if not cursor:
                break
        return samples

    cases = {
        "first page": lambda: timed(),
        "unassigned": lambda: timed({"assignee": "unassigned"}),
        "mine": lambda: timed({"assignee": "me"}),
        "by e-mail": lambda: timed({"assignee": officer.email}),
        "one service": lambda: timed({"service": services[1].code}),
        "state in_review": lambda: timed({"state": "in_review"}),
        "breached": lambda: timed({"sla": "breached"}),
        "limit 200": lambda: timed({"limit": 200}),
        "20 pages deep": lambda: timed(pages=20),
        "from the middle": lambda: timed(pages=10, cursor=middle_cursor),
    }
    timed()  # the first request of a process loads URL resolvers, translations and the schema
    everything = []
    for name, run in cases.items():
        samples = []
        for _ in range(runs):
            samples += run()
        everything += samples
        print(f"api   {name:16s} p50 {statistics.median(samples):6.1f} ms  p95 {percentile(samples, 0.95):6.1f} ms")
    print(f"api   overall p95 {percentile(everything, 0.95):.1f} ms over {len(everything)} requests")


if __name__ == "__main__":
    main()
