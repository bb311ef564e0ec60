"""Fixtures of the notifications tests: a service to apply for, the sandbox SMS gateway, worker processes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from manassa.applications.services import (
    application_answers_save,
    application_start,
    application_submit,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.tests.factories import make_sector, make_service
from manassa.core.events import events_dispatch

ROOT = Path(__file__).resolve().parents[4]
FORM = {
    "format": "manassa-form/1",
    "pages": [{"key": "details", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
        {"key": "full_name", "type": "text", "label": {"ar": "الاسم", "en": "Name"}, "required": True}]}],
}


@pytest.fixture(autouse=True)
def _calendars(request):
    """Working calendars come from a data migration, which a transactional test's emptying removes."""
    if "people" not in request.fixturenames:
        return
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    request.getfixturevalue("people")
    install_defaults(WorkingCalendar, Holiday)


@pytest.fixture
def service(people, entity_a):
    service = make_service(entity=entity_a, sector=make_sector(), code="ENT-A-PERMIT", name_ar="تصريح بناء",
                           name_en="Building permit")
    service_form_publish(actor=people["admin"], service=service, definition=FORM)
    service_workflow_publish(actor=people["admin"], service=service, definition=TEMPLATES["simple_approval"])
    return service


def told() -> int:
    """Run the deferred subscribers of the events in the outbox, as ``manassa scheduler`` does every second."""
    return events_dispatch()


def submit(customer, service):
    """Submit a request, and let the platform tell of it (the outbox dispatched)."""
    application = application_start(actor=customer, service=service)
    application_answers_save(actor=customer, application=application, answers={"full_name": "Maryam"})
    application = application_submit(actor=customer, application=application)
    told()
    return application


class Sandbox:
    """The sandbox SMS gateway in its own process, and a client for its control endpoints."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "manassa.notifications.sandbox", "--port", "0"], cwd=ROOT,
            stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        assert line.startswith("listening on "), line
        self.base = line.split()[-1]
        self.url = f"{self.base}/messages"

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,  # noqa: S310
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def control(self, **settings) -> None:
        self._call("POST", "/control", settings)

    def messages(self) -> list[dict]:
        return self._call("GET", "/messages")["messages"]

    def requests(self) -> int:
        return self._call("GET", "/messages")["requests"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def sandbox(settings):
    gateway = Sandbox()
    settings.MANASSA_SMS_GATEWAY_URL = gateway.url
    try:
        yield gateway
    finally:
        gateway.stop()


class SharedDatabase:
    """The test's database, seen by worker processes.

    PostgreSQL: the workers connect to the test database itself (the tests
    are transactional, so what they wrote is committed). SQLite: the test
    database lives in memory, so ``push`` copies it to a file for the workers
    and ``pull`` copies the file back, with SQLite's backup API.
    """

    def __init__(self, folder: Path) -> None:
        self.folder, self.copies, self.path = folder, 0, None
        settings = connection.settings_dict
        if connection.vendor == "postgresql":
            auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings.get("PASSWORD") else "")
            host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
            self.url = f"postgres://{auth}@{host}/{settings['NAME']}"
        else:
            self.url = ""

    def push(self) -> None:
        if connection.vendor != "sqlite":
            return
        self.copies += 1
        self.path = self.folder / f"copy{self.copies}.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(self.path)
        connection.connection.backup(target)
        target.close()
        self.url = f"sqlite:///{self.path}"

    def pull(self) -> None:
        if connection.vendor != "sqlite":
            return
        source = sqlite3.connect(self.path)
        source.backup(connection.connection)
        source.close()

    def worker(self, *, outbox: Path, batch: bool = True, **env) -> subprocess.Popen:
        command = [sys.executable, "-m", "manassa.cli", "db_worker", "--no-startup-delay", "--interval", "0.1",
                   "--verbosity", "0"]
        if batch:
            command.append("--batch")
        environ = dict(os.environ, DATABASE_URL=self.url, MANASSA_TEST_OUTBOX=str(outbox),
                       DJANGO_SETTINGS_MODULE="manassa.notifications.tests.worker_settings", **env)
        return subprocess.Popen(command, cwd=ROOT, env=environ)  # noqa: S603


@pytest.fixture
def shared_db(transactional_db, tmp_path):
    return SharedDatabase(tmp_path)


def wait_for(predicate, *, seconds: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
