"""Fixtures of the integrations tests: requests in two entities, keys of every kind, a real HTTP receiver.

The receiver is a real ``http.server`` on a free local port, in a thread: the
webhook task makes real HTTP requests to it, and it answers what the test
tells it to. Tasks run through django-tasks-db's own worker code, one by one.
"""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from manassa.accounts.tests.factories import make_user
from manassa.applications.services import (
    application_answers_save,
    application_start,
    application_submit,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.tests.factories import make_sector, make_service
from manassa.entities.models import Membership
from manassa.entities.services import api_key_issue

FORM = {"format": "manassa-form/1", "pages": [{"key": "p", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
    {"key": "full_name", "type": "text", "label": {"ar": "الاسم", "en": "Name"}, "required": True}]}]}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _plain_http_to_this_machine(settings):
    # The receiver listens on plain http on 127.0.0.1; production allows https only.
    settings.MANASSA_WEBHOOK_HTTP_HOSTS = ["127.0.0.1", "localhost"]
    settings.MANASSA_WEBHOOK_TIMEOUT = 3


def submit(customer, service, name="Maryam"):
    application = application_start(actor=customer, service=service)
    application_answers_save(actor=customer, application=application, answers={"full_name": name})
    return application_submit(actor=customer, application=application)


def make_apply_service(entity, code):
    service = make_service(entity=entity, sector=make_sector(), code=code, name_ar="خدمة", name_en="Service")
    service_form_publish(actor=None, service=service, definition=FORM)
    service_workflow_publish(actor=None, service=service, definition=TEMPLATES["simple_approval"])
    return service


@pytest.fixture
def officer_b(entity_b):
    user = make_user("officer-b@example.test", totp=True)
    Membership.objects.create(user=user, entity=entity_b, role="officer")
    return user


@pytest.fixture
def apps(people, entity_a, entity_b):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    # The calendars come from a data migration, which a transactional test's emptying removes.
    install_defaults(WorkingCalendar, Holiday)
    service_a, service_b = make_apply_service(entity_a, "A-APPLY"), make_apply_service(entity_b, "B-APPLY")
    customer = people["customer"]
    submitted = {"a1": submit(customer, service_a, "First"), "a2": submit(customer, service_a, "Second"),
                 "b1": submit(customer, service_b, "Outsider")}
    # Told now, before any endpoint exists (as the scheduler would have, a second later).
    from manassa.core.events import events_dispatch

    events_dispatch()
    return submitted


@pytest.fixture
def tokens(entity_a, entity_b):
    """A token of every kind, all of entity A's systems but ``other`` (entity B's)."""
    from manassa.entities.services import api_key_revoke, api_key_rotate

    _own, own = api_key_issue(actor=None, entity=entity_a, name="licensing", scope="write")
    _read, read = api_key_issue(actor=None, entity=entity_a, name="reporting", scope="read")
    _other, other = api_key_issue(actor=None, entity=entity_b, name="B licensing", scope="write")
    revoked_key, revoked = api_key_issue(actor=None, entity=entity_a, name="old", scope="write")
    api_key_revoke(actor=None, key=revoked_key)
    grace_key, in_grace = api_key_issue(actor=None, entity=entity_a, name="rotating", scope="write")
    _successor, successor = api_key_rotate(actor=None, key=grace_key)
    expired_key, expired = api_key_issue(actor=None, entity=entity_a, name="rotated out", scope="write")
    api_key_rotate(actor=None, key=expired_key, grace=timedelta(0))
    return {"own": own, "read": read, "other": other, "revoked": revoked, "in_grace": in_grace,
            "successor": successor, "expired": expired}


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- tasks -------------------------------------------------------------------------------------


WEBHOOK_TASK = "manassa.integrations.tasks.webhook_deliver"


def webhook_tasks():
    """The webhook tasks in the queue (other apps' subscribers enqueue their own for the same events).

    The events in the outbox are dispatched first, as the scheduler does every second.
    """
    from django_tasks_db.models import DBTaskResult

    from manassa.core.events import events_dispatch

    events_dispatch()

    return DBTaskResult.objects.filter(task_path=WEBHOOK_TASK)


def run_tasks(*, due_only: bool = True) -> int:
    """Run the queued webhook tasks with django-tasks-db's worker code (``due_only``: those whose time has come).

    The events in the outbox are dispatched first, as the scheduler does every second.
    """
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from manassa.core.events import events_dispatch

    events_dispatch()

    worker = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="test-worker", excluded_queue_names=[])
    ran = 0
    while True:
        ready = DBTaskResult.objects.ready() if due_only else DBTaskResult.objects.filter(status="READY")
        ready = ready.filter(task_path=WEBHOOK_TASK)
        result = ready.order_by("enqueued_at").first()
        if result is None:
            break
        result.claim("test-worker")
        worker.run_task(result)
        ran += 1
    failed = webhook_tasks().filter(status="FAILED").first()
    assert failed is None, failed.traceback
    return ran


def time_passes() -> None:
    """Bring every scheduled retry forward to now, as if its back-off had elapsed."""
    from manassa.integrations.models import WebhookDelivery

    past = timezone.now() - timedelta(seconds=1)
    webhook_tasks().filter(status="READY").update(run_after=past)
    WebhookDelivery.objects.filter(next_attempt_at__isnull=False).update(next_attempt_at=past)


# --- the receiver ---------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    answers: queue.Queue = field(default_factory=queue.Queue)
    received: list[Received] = field(default_factory=list)
    default: tuple[int, bytes] = (200, b'{"ok": true}')

    def answer(self, *statuses) -> None:
        """The next answers, in order: a status, ``(status, body)`` or ``(status, body, headers)``; then 200."""
        for status in statuses:
            self.answers.put(status if isinstance(status, tuple) else (status, f"status {status}".encode()))


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(Received(path=self.path, headers=dict(self.headers.items()), body=body))
            try:
                status, payload, *headers = state.answers.get_nowait()
            except queue.Empty:
                (status, payload), headers = state.default, []
            self.send_response(status)
            for name, value in (headers[0] if headers else {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/manassa"
    yield state
    server.shutdown()
    server.server_close()
