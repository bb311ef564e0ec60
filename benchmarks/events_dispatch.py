"""The event outbox on PostgreSQL: events told per second by one dispatcher, beside submissions per second.

    createdb -h 127.0.0.1 -U postgres manassa_bench_events
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/manassa_bench_events \\
        .venv/bin/python benchmarks/events_dispatch.py [--events 600]
    dropdb -h 127.0.0.1 -U postgres manassa_bench_events

The database must be empty (it is migrated here). N requests are submitted in
this process through the real service (each writes one outbox row), timed;
then one dispatcher (``events_dispatch``, what ``manassa scheduler`` runs every
second) tells them all, timed: every applicant has e-mail and SMS on, so each
event makes three deliveries (portal notice, e-mail and SMS with their tasks).
The figure to watch is the ratio: while it is below 1, a sustained burst of
submissions is told later than it happens (never lost).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src"), str(ROOT / "benchmarks")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("MANASSA_VAR_DIR", tempfile.mkdtemp(prefix="manassa-bench-events-"))

import django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=600)
    args = parser.parse_args()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("run it on PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    from applications import FORM

    from manassa.accounts.models import User
    from manassa.applications.models import Application
    from manassa.applications.services import (
        application_answers_save,
        application_start,
        application_submit,
        service_form_publish,
        service_workflow_publish,
    )
    from manassa.applications.workflow import TEMPLATES
    from manassa.catalog.models import Sector, Service
    from manassa.core.events import events_dispatch
    from manassa.core.models import EventOutbox
    from manassa.entities.models import Entity
    from manassa.notifications.models import Delivery

    if Application.objects.exists():
        raise SystemExit("the database already has applications: use an empty one")
    entity = Entity.objects.create(code="BENCH", kind="local", name_ar="جهة", name_en="Entity")
    sector = Sector.objects.create(code="bench", name_ar="قطاع", name_en="Sector")
    service = Service.objects.create(code="BENCH-1", slug="bench-1", entity=entity, sector=sector,
                                     name_ar="خدمة", name_en="Service", description_ar="وصف", sla_days=3)
    service_form_publish(actor=None, service=service, definition=FORM)
    service_workflow_publish(actor=None, service=service, definition=TEMPLATES["simple_approval"])
    people = User.objects.bulk_create([User(email=f"p{i}@bench.test", mobile="+971501234567", notify_sms=True)
                                       for i in range(args.events)])
    drafts = []
    for i, person in enumerate(people):
        draft = application_start(actor=person, service=service)
        application_answers_save(actor=person, application=draft,
                                 answers={"full_name": "Resident", "emirates_id": "784-1990-1234567-6",
                                          "plot": str(i + 1)})
        drafts.append((person, draft))

    started = time.perf_counter()
    for person, draft in drafts:
        application_submit(actor=person, application=draft)
    submitting = time.perf_counter() - started
    waiting = EventOutbox.objects.count()

    started = time.perf_counter()
    told = 0
    while True:
        done = events_dispatch(limit=1000)
        if not done:
            break
        told += done
    telling = time.perf_counter() - started
    deliveries = Delivery.objects.count()
    print(f"submissions (one process): {args.events} in {submitting:.2f} s = {args.events / submitting:.0f}/s; "
          f"outbox rows: {waiting}")
    print(f"dispatch (one process): {told} events in {telling:.2f} s = {told / telling:.0f}/s; "
          f"deliveries: {deliveries} ({deliveries / max(told, 1):.1f} per event); left in the outbox: "
          f"{EventOutbox.objects.count()}")
    print(f"ratio dispatch/submissions: {(told / telling) / (args.events / submitting):.2f}")


if __name__ == "__main__":
    main()
