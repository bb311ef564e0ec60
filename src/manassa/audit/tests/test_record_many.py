"""``audit_record_many``: the same hash chain as ``audit_record``, with the head moved once."""

import pytest

from manassa.audit.models import AuditChainHead, AuditEvent
from manassa.audit.selectors import audit_chain_verify
from manassa.audit.services import AuditEntry, audit_record, audit_record_many

pytestmark = pytest.mark.django_db


def test_many_events_extend_the_chain_like_single_ones(entity_a, django_assert_max_num_queries):
    audit_record(actor=None, action="first", object_type="x", object_id="1")
    entries = [AuditEntry(action="bulk", obj=entity_a, entity_code="ENT-A", changes={"n": n}) for n in range(1200)]
    # A few statements per batch, never one per event (SQLite splits a batch at 999 parameters).
    with django_assert_max_num_queries(30):
        assert len(audit_record_many(actor=None, entries=entries, batch_size=500)) == 1200
    audit_record(actor=None, action="last", object_type="x", object_id="2")

    assert list(AuditEvent.objects.order_by("id").values_list("id", flat=True)) == list(range(1, 1203))
    event = AuditEvent.objects.get(id=1201)
    assert (event.action, event.object_type, event.object_id, event.changes) == (
        "bulk", "entities.entity", str(entity_a.pk), {"n": 1199})
    assert AuditChainHead.objects.get(id=1).last_event_id == 1202
    assert audit_chain_verify().ok


def test_no_entries_write_nothing(django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert audit_record_many(actor=None, entries=iter([])) == []
