"""Notification deliveries per second: one task worker, then two sharing the queue, to Django's file e-mail backend.

    createdb -h 127.0.0.1 -U postgres manassa_bench_notify
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/manassa_bench_notify \\
        .venv/bin/python benchmarks/notifications.py [--deliveries 2000]
    dropdb -h 127.0.0.1 -U postgres manassa_bench_notify

The database is migrated here. For each case, N e-mail deliveries are created
and their tasks enqueued in one transaction (as ``on_event`` does), then
``manassa db_worker --batch`` processes (one, then two at once) send them
through the real task (lock, lease, render the HTML part, send, record the
attempt). The figure is deliveries per second between the first and the last
``sent_at`` (process start-up excluded; the wall time with start-up is shown
too). The check: every delivery sent after exactly one attempt, and as many
distinct Message-IDs in the outbox files as deliveries (none sent twice).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from email import message_from_bytes
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("MANASSA_VAR_DIR", tempfile.mkdtemp(prefix="manassa-bench-notify-"))

import django  # noqa: E402


def _message_ids(outbox: Path) -> list[str]:
    ids = []
    for path in outbox.iterdir():
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                ids.append(message_from_bytes(chunk.strip()).get("Message-ID"))
    return ids


def run_case(*, workers: int, count: int, recipient, entity) -> dict:
    from django.db import transaction
    from django.db.models import Max, Min

    from manassa.notifications.models import Delivery
    from manassa.notifications.services import _enqueue

    outbox = Path(tempfile.mkdtemp(prefix="outbox-"))
    event_id = uuid.uuid4()
    with transaction.atomic():
        for number in range(count):
            delivery = Delivery.objects.create(
                event_id=uuid.uuid4() if number else event_id, event="application.state_changed", entity=entity,
                reference=f"SHJ-2026-{number:06d}", recipient=recipient, channel="email", language="ar",
                address=recipient.email, subject=f"تحديث على طلبك SHJ-2026-{number:06d}",
                body="عزيزي/عزيزتي مريم،\n\nتغيّرت حالة طلبك إلى: قيد المراجعة.\nhttp://127.0.0.1:8000/ar/requests/")
            _enqueue(delivery)
            delivery.save(update_fields=["task_id"])
    env = dict(os.environ, EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend")
    env["MANASSA_VAR_DIR"] = str(outbox.parent / f"var-{outbox.name}")
    command = [sys.executable, "-m", "manassa.cli", "db_worker", "--batch", "--no-reload", "--no-startup-delay",
               "--verbosity", "0"]
    # The file backend writes under EMAIL_FILE_PATH = MANASSA_VAR_DIR/outbox.
    started = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(workers)]  # noqa: S603
    codes = [process.wait() for process in processes]
    wall = time.perf_counter() - started
    outbox = Path(env["MANASSA_VAR_DIR"]) / "outbox"
    rows = Delivery.objects.filter(recipient=recipient)
    span = rows.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    ids = _message_ids(outbox)
    result = {
        "workers": workers, "deliveries": count, "exit codes": codes,
        "sent": rows.filter(status="sent").count(), "more than one attempt": rows.filter(attempts__gt=1).count(),
        "messages in outbox": len(ids), "distinct Message-IDs": len(set(ids)),
        "per second": round((count - 1) / seconds, 1) if seconds else None, "wall seconds": round(wall, 2),
    }
    rows.delete()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    args = parser.parse_args()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from manassa.accounts.models import User
    from manassa.entities.models import Entity

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; deliveries per case: {args.deliveries}")
    entity, _created = Entity.objects.get_or_create(code="BENCH", defaults={"kind": "local", "name_ar": "جهة",
                                                                            "name_en": "Bench"})
    recipient = User.objects.filter(email="bench-notify@example.test").first() or User.objects.create_user(
        email="bench-notify@example.test", password=None)
    for workers in (1, 2):
        print(run_case(workers=workers, count=args.deliveries, recipient=recipient, entity=entity))


if __name__ == "__main__":
    main()
