import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from manassa.audit import db_guard
from manassa.audit.models import AuditEvent
from manassa.audit.selectors import audit_chain_verify
from manassa.audit.services import audit_record


@pytest.fixture(autouse=True)
def _guarded(request):
    """Every test runs with the append-only triggers, as in production.

    In an ordinary test the DDL is rolled back with the test's transaction; a
    transactional test commits it, so the triggers are removed afterwards to
    let the runner empty the tables.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    db_guard.install(connection)
    yield
    if transactional:
        db_guard.uninstall(connection)


def _events(n=5):
    for i in range(n):
        audit_record(actor=None, action="test.event", object_type="thing", object_id=i,
                     entity_code="ENT-A", changes={"n": i, "name": "قيمة"}, ip="10.0.0.1")


def _drop_triggers():
    # What someone with direct database access would do before editing the trail.
    db_guard.uninstall(connection)


@pytest.mark.django_db
def test_fresh_chain_verifies(capsys):
    _events(5)
    report = audit_chain_verify()
    assert report.ok and report.checked == 5
    call_command("audit", "verify")
    assert "5 events verified" in capsys.readouterr().out


@pytest.mark.django_db
def test_empty_chain_verifies():
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_events_link_to_the_previous_hash():
    _events(3)
    first, second, third = AuditEvent.objects.order_by("id")
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert [e.id for e in (first, second, third)] == [1, 2, 3]


@pytest.mark.django_db
def test_database_refuses_update_and_delete():
    _events(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(id=1).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(id=1).delete()
    assert AuditEvent.objects.get(id=1).action == "test.event"


@pytest.mark.django_db
def test_altered_row_is_named_by_verify():
    _events(5)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET changes = %s WHERE id = 3", ['{"n": 99, "name": "قيمة"}'])
    report = audit_chain_verify()
    assert not report.ok and report.broken_event_id == 3 and report.checked == 2
    with pytest.raises(CommandError, match="BROKEN at event 3"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_rewritten_hash_breaks_the_next_link():
    _events(4)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET hash = %s WHERE id = 2", ["f" * 64])
    report = audit_chain_verify()
    assert not report.ok and report.broken_event_id == 2


@pytest.mark.django_db
def test_deleted_event_is_named():
    _events(4)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = 2")
    report = audit_chain_verify()
    assert not report.ok and report.broken_event_id == 2


@pytest.mark.django_db
def test_truncated_tail_is_detected():
    _events(4)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = 4")
    report = audit_chain_verify()
    assert not report.ok and report.broken_event_id == 4


@pytest.mark.django_db
def test_event_records_request_ip_and_actor(people):
    event = audit_record(actor=people["admin"], action="x.y", object_type="t", object_id="1", ip="::ffff:10.0.0.1")
    assert event.actor_id == people["admin"].pk and event.actor_label == "admin@example.test"
    assert event.ip == "::ffff:a00:1"


@pytest.mark.django_db
def test_rolled_back_change_leaves_no_event():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="x.y", object_type="t", object_id="1")
        raise RuntimeError("change failed")
    assert AuditEvent.objects.count() == 0
    audit_record(actor=None, action="x.y", object_type="t", object_id="2")
    assert audit_chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database has no concurrent writers; PostgreSQL is where they race")
    import threading

    from django.db import connections

    errors = []

    def writer(n):
        try:
            for i in range(15):
                with transaction.atomic():
                    audit_record(actor=None, action="race", object_type="w", object_id=f"{n}-{i}")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = audit_chain_verify()
    assert report.ok and report.checked == 60
