"""core/rows.py: one-statement insert-unless-present and per-row updates, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from manassa.core.models import EventOutbox
from manassa.core.rows import insert_unless_present, update_each

pytestmark = pytest.mark.django_db


def _event(**fields) -> EventOutbox:
    return EventOutbox(event_id=fields.pop("event_id", uuid.uuid4()), kind="application.submitted",
                       subject_type="applications.application", subject_id="1", occurred_at=timezone.now(),
                       **fields)


def test_insert_unless_present_inserts_once_in_one_statement():
    event_id = uuid.uuid4()
    with CaptureQueriesContext(connection) as queries:
        assert insert_unless_present(_event(event_id=event_id, data={"n": 1})) is True
    assert len(queries.captured_queries) == 1
    assert insert_unless_present(_event(event_id=event_id, data={"n": 2})) is False
    row = EventOutbox.objects.get()
    assert row.event_id == event_id and row.data == {"n": 1}  # the first one stays
    assert row.attempts == 0 and row.last_error == ""  # the model's defaults were applied


def test_update_each_writes_each_rows_own_values_and_leaves_the_others():
    rows = EventOutbox.objects.bulk_create([_event(data={"n": n}) for n in range(4)])
    untouched = rows.pop()
    later = timezone.now() + timedelta(minutes=5)
    for n, row in enumerate(rows):
        row.attempts = n + 1  # a different value per row: one CASE
        row.kind = "application.state_changed"  # the same for every row: set once
        row.next_attempt_at = later + timedelta(seconds=n) if n else None  # a NULL among dates
        row.data = {"n": n, "told": ["ar", "en"][n % 2]}
        row.last_error = "" if n else "TimeoutError: 'quoted' \\ text"
    with CaptureQueriesContext(connection) as queries:
        assert update_each(rows, ["attempts", "kind", "next_attempt_at", "data", "last_error"]) == 3
    assert len(queries.captured_queries) == 1
    for n, row in enumerate(EventOutbox.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk")):
        assert row.attempts == n + 1 and row.kind == "application.state_changed"
        assert row.next_attempt_at == (later + timedelta(seconds=n) if n else None)
        assert row.data == {"n": n, "told": ["ar", "en"][n % 2]}
        assert row.last_error == ("" if n else "TimeoutError: 'quoted' \\ text")
    untouched.refresh_from_db()
    assert untouched.attempts == 0 and untouched.kind == "application.submitted" and untouched.data == {"n": 3}


def test_update_each_splits_into_batches():
    rows = EventOutbox.objects.bulk_create([_event() for _ in range(5)])
    for n, row in enumerate(rows):
        row.attempts = n
    with CaptureQueriesContext(connection) as queries:
        assert update_each(rows, ["attempts"], batch_size=2) == 5
    assert len(queries.captured_queries) == 3
    assert list(EventOutbox.objects.order_by("pk").values_list("attempts", flat=True)) == [0, 1, 2, 3, 4]
    assert update_each([], ["attempts"]) == 0
