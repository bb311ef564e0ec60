"""Applying for a service and moving the application through its workflow."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections

from manassa.applications.models import Application, ApplicationEvent, Notice, ReferenceSequence
from manassa.applications.selectors import QueueFilters, access_application, work_queue
from manassa.applications.services import (
    application_answers_save,
    application_assign,
    application_note_add,
    application_start,
    application_submit,
    application_transition,
    reference_next,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.workflow import TEMPLATES, TransitionNotAllowed
from manassa.audit.models import AuditEvent
from manassa.catalog.tests.factories import make_sector, make_service
from manassa.core.errors import Forbidden, InvalidInput, NotFound
from manassa.core.events import events_dispatch

DUBAI = ZoneInfo("Asia/Dubai")
FORM = {
    "format": "manassa-form/1",
    "pages": [{
        "key": "details", "title": {"ar": "البيانات", "en": "Details"},
        "fields": [
            {"key": "full_name", "type": "text", "label": {"ar": "الاسم", "en": "Name"}, "required": True},
            {"key": "plot", "type": "number", "label": {"ar": "رقم القطعة", "en": "Plot number"}, "required": True,
             "min": 1},
        ],
    }],
}


@pytest.fixture(autouse=True)
def _calendars(request):
    """The calendars come from a data migration, which a transactional test's emptying removes."""
    if request.node.get_closest_marker("django_db") is None and "people" not in request.fixturenames:
        return
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    request.getfixturevalue("transactional_db" if _transactional(request) else "db")
    install_defaults(WorkingCalendar, Holiday)


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture
def service(people, entity_a):
    service = make_service(entity=entity_a, sector=make_sector(), code="ENT-A-PERMIT", name_ar="تصريح",
                           name_en="Permit")
    service_form_publish(actor=people["admin"], service=service, definition=FORM)
    service_workflow_publish(actor=people["admin"], service=service, definition=TEMPLATES["simple_approval"])
    return service


def _submitted(customer, service, **answers):
    application = application_start(actor=customer, service=service)
    application_answers_save(actor=customer, application=application,
                             answers={"full_name": "Maryam", "plot": "12", **answers})
    return application_submit(actor=customer, application=application)


def test_submission_checks_answers_and_gives_a_reference(customer, service):
    application = application_start(actor=customer, service=service)
    with pytest.raises(InvalidInput) as exc:
        application_submit(actor=customer, application=application)
    assert set(exc.value.fields) == {"full_name", "plot"}
    application.refresh_from_db()
    assert application.reference is None and application.state == "draft"
    application = _submitted(customer, service)
    year = datetime.now(DUBAI).year
    assert application.reference.startswith(f"SHJ-{year}-") and application.state == "submitted"
    assert application.answers == {"full_name": "Maryam", "plot": 12}
    events_dispatch()  # the applicant is told after the commit (the scheduler's job)
    assert Notice.objects.filter(user=customer, application=application).exists()
    assert AuditEvent.objects.filter(action="application.submitted", entity_code="ENT-A").exists()


def test_reference_numbers_follow_each_other_and_restart_each_year(db):
    first = [reference_next(year=2031) for _ in range(3)]
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in first]
    assert all(ref.startswith("SHJ-2031-") for ref in first) and numbers == sorted(set(numbers))
    assert reference_next(year=2032).startswith("SHJ-2032-")
    if connection.vendor == "sqlite":
        assert first == ["SHJ-2031-000001", "SHJ-2031-000002", "SHJ-2031-000003"]
        assert ReferenceSequence.objects.get(year=2031).last == 3


def test_forms_are_versioned_and_applications_keep_theirs(people, customer, service):
    first = _submitted(customer, service)
    changed = {**FORM, "pages": [{**FORM["pages"][0], "fields": FORM["pages"][0]["fields"][:1]}]}
    newer = service_form_publish(actor=people["admin"], service=service, definition=changed)
    first.refresh_from_db()
    assert newer.version == 2 and first.form.version == 1
    second = application_start(actor=customer, service=service)
    assert second.form == newer


def test_invalid_definitions_are_refused(people, service):
    from manassa.applications.formdefs import InvalidFormDefinition
    from manassa.applications.workflow import InvalidWorkflow

    with pytest.raises(InvalidFormDefinition):
        service_form_publish(actor=people["admin"], service=service, definition={"format": "nope"})
    with pytest.raises(InvalidWorkflow):
        service_workflow_publish(actor=people["admin"], service=service, definition={"format": "nope"})


def test_the_whole_cycle_with_a_request_for_information(people, customer, service):
    officer = people["officer"]
    application = _submitted(customer, service)
    application = application_transition(actor=officer, application=application, action="start_review")
    with pytest.raises(InvalidInput):
        application_transition(actor=officer, application=application, action="request_info")  # needs a comment
    application = application_transition(actor=officer, application=application, action="request_info",
                                         comment="Attach the site plan")
    assert application.state == "awaiting_info" and application.state_due_at is None  # the clock stops
    application_answers_save(actor=customer, application=application, answers={"plot": "0"})
    with pytest.raises(InvalidInput):  # the answers must be valid again before responding
        application_transition(actor=customer, application=application, action="respond", comment="Done")
    application_answers_save(actor=customer, application=application, answers={"plot": "14"})
    application = application_transition(actor=customer, application=application, action="respond",
                                         comment="Here it is")
    application = application_transition(actor=officer, application=application, action="approve")
    assert application.state == "approved" and application.outcome == "approved" and application.closed_at
    steps = list(ApplicationEvent.objects.filter(application=application).values_list("action", flat=True))
    assert steps == ["submit", "start_review", "request_info", "respond", "approve"]
    with pytest.raises(InvalidInput):
        application_answers_save(actor=customer, application=application, answers={"plot": "99"})


def test_roles_and_entities_are_enforced(people, customer, service, entity_b):
    from manassa.accounts.tests.factories import make_user
    from manassa.entities.models import Membership

    application = _submitted(customer, service)
    with pytest.raises(TransitionNotAllowed):
        application_transition(actor=customer, application=application, action="start_review")
    with pytest.raises(TransitionNotAllowed):
        application_transition(actor=people["officer"], application=application, action="withdraw")
    stranger = make_user("stranger@example.test", totp=True)
    Membership.objects.create(user=stranger, entity=entity_b, role="supervisor")
    with pytest.raises(TransitionNotAllowed):
        application_transition(actor=stranger, application=application, action="start_review")
    with pytest.raises(NotFound):
        access_application(stranger, application.reference)
    with pytest.raises(Forbidden):
        application_note_add(actor=stranger, application=application, text="hello")
    with pytest.raises(Forbidden):
        application_answers_save(actor=stranger, application=application, answers={})
    other = make_user("other.customer@example.test")
    with pytest.raises(Forbidden):
        application_submit(actor=other, application=application_start(actor=customer, service=service))
    assert application_transition(actor=customer, application=application, action="withdraw").state == "withdrawn"


def test_deadlines_count_working_hours_across_a_weekend_and_a_holiday(people, customer, service):
    # Thursday 26 November 2026, 14:00 in Sharjah; the step's SLA is counted in working hours.
    with time_machine.travel(datetime(2026, 11, 26, 14, 0, tzinfo=DUBAI), tick=False):
        application = _submitted(customer, service)
    due = application.state_due_at.astimezone(DUBAI)
    # Friday to Sunday are off in Sharjah, and 1–3 December are public holidays.
    assert due.weekday() not in (4, 5, 6) and due > datetime(2026, 11, 30, 7, 30, tzinfo=DUBAI)
    assert application.due_at > application.state_due_at


def test_internal_notes_and_assignment(people, customer, service):
    application = _submitted(customer, service)
    note = application_note_add(actor=people["officer"], application=application, text="Called the applicant")
    assert note.internal
    application_assign(actor=people["supervisor"], application=application, assignee=people["officer"])
    with pytest.raises(InvalidInput):
        application_assign(actor=people["supervisor"], application=application, assignee=customer)
    with pytest.raises(Forbidden):  # an officer claims for themselves only
        application_assign(actor=people["officer"], application=application, assignee=people["supervisor"])
    assert application_assign(actor=people["officer"], application=application,
                              assignee=people["officer"]).assignee == people["officer"]


def test_work_queue_is_scoped_sorted_and_paged(people, customer, service, entity_b,
                                               django_assert_max_num_queries):
    other_service = make_service(entity=entity_b, sector=service.sector, code="ENT-B-X", name_ar="س", name_en="X")
    service_form_publish(actor=None, service=other_service, definition=FORM)
    service_workflow_publish(actor=None, service=other_service, definition=TEMPLATES["simple_approval"])
    mine = [_submitted(customer, service) for _ in range(7)]
    _submitted(customer, other_service)
    seen, cursor = [], None
    while True:
        with django_assert_max_num_queries(3):
            page = work_queue(people["officer"], cursor=cursor, limit=3)
        seen += page.items
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(a.pk for a in seen) == sorted(a.pk for a in mine)
    dues = [a.state_due_at for a in seen]
    assert dues == sorted(dues)
    assert work_queue(people["do_admin"]).items == []
    application_assign(actor=people["officer"], application=mine[0], assignee=people["officer"])
    assert [a.pk for a in work_queue(people["officer"], QueueFilters(assignee_id=people["officer"].pk)).items] == [
        mine[0].pk]
    assert len(work_queue(people["officer"], QueueFilters(unassigned=True)).items) == 6


def test_work_queue_pages_through_dated_then_undated_requests_once(people, customer, service):
    requests = [_submitted(customer, service) for _ in range(7)]
    # Three wait for the applicant: no deadline, so they come last, by number.
    for application in requests[1:6:2]:
        application_transition(actor=people["officer"], application=application, action="start_review")
        application_transition(actor=people["officer"], application=application, action="request_info",
                               comment="Send the plan.")
    seen, cursor = [], None
    for _ in range(10):
        page = work_queue(people["officer"], cursor=cursor, limit=2)
        seen += page.items
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == 7 and len({a.pk for a in seen}) == 7
    dated = [a for a in seen if a.state_due_at is not None]
    assert seen[:4] == dated and [a.state_due_at for a in dated] == sorted(a.state_due_at for a in dated)
    assert [a.pk for a in seen[4:]] == sorted(a.pk for a in requests[1:6:2])
    # A cursor that is not one of ours starts again from the first page.
    assert work_queue(people["officer"], cursor="garbage", limit=2).items == seen[:2]


def test_a_transition_from_a_state_the_person_did_not_see_is_refused(people, customer, service):
    application = _submitted(customer, service)
    application_transition(actor=people["officer"], application=application, action="start_review")
    # "withdraw" is possible from "submitted" and from "in_review": the applicant saw "submitted".
    with pytest.raises(TransitionNotAllowed):
        application_transition(actor=customer, application=application, action="withdraw",
                               expected_state="submitted")
    application.refresh_from_db()
    assert application.state == "in_review"
    application_transition(actor=customer, application=application, action="withdraw", expected_state="in_review")
    application.refresh_from_db()
    assert application.state == "withdrawn"
    with pytest.raises(InvalidInput):  # closed requests are not claimed any more
        application_assign(actor=people["officer"], application=application, assignee=people["officer"])


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submissions_get_fifty_references(people, entity_a):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers race on PostgreSQL; SQLite serialises them")
    from manassa.accounts.tests.factories import make_user

    service = make_service(entity=entity_a, sector=make_sector(), code="ENT-A-RUSH", name_ar="ع", name_en="Rush")
    service_form_publish(actor=None, service=service, definition=FORM)
    service_workflow_publish(actor=None, service=service, definition=TEMPLATES["simple_approval"])
    drafts = []
    for i in range(50):
        person = make_user(f"rush{i}@example.test")
        draft = application_start(actor=person, service=service)
        application_answers_save(actor=person, application=draft, answers={"full_name": "X", "plot": "3"})
        drafts.append((person, draft))
    barrier, errors = threading.Barrier(10), []

    def submit(batch):
        try:
            barrier.wait()
            for person, draft in batch:
                application_submit(actor=person, application=draft)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(drafts[i::10],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    references = list(Application.objects.exclude(reference=None).values_list("reference", flat=True))
    assert len(references) == 50 and len(set(references)) == 50


@pytest.mark.django_db(transaction=True)
def test_two_officers_acting_at_once_make_one_transition(people, customer, entity_a):
    if connection.vendor != "postgresql":
        pytest.skip("row locks race only on PostgreSQL")
    service = make_service(entity=entity_a, sector=make_sector(), code="ENT-A-TWO", name_ar="ع", name_en="Two")
    service_form_publish(actor=None, service=service, definition=FORM)
    service_workflow_publish(actor=None, service=service, definition=TEMPLATES["simple_approval"])
    application = _submitted(customer, service)
    application = application_transition(actor=people["officer"], application=application, action="start_review")
    outcomes, barrier = [], threading.Barrier(2)

    def approve(user):
        try:
            barrier.wait()
            application_transition(actor=user, application=application, action="approve")
            outcomes.append("ok")
        except TransitionNotAllowed:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(people[r],)) for r in ("officer", "supervisor")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert ApplicationEvent.objects.filter(application=application, action="approve").count() == 1


def test_sla_sweep_marks_overdue_steps_once_and_escalates(people, customer, service):
    from django.core.management import call_command

    from manassa.applications.services import application_sla_sweep

    with time_machine.travel(datetime(2026, 11, 26, 14, 0, tzinfo=DUBAI), tick=False):
        application = _submitted(customer, service)
    due = application.state_due_at
    assert application_sla_sweep(now=due) == 0  # due, not yet overdue
    with time_machine.travel(due.timestamp() + 60, tick=False):
        call_command("sla", "sweep")
        assert application_sla_sweep() == 0  # the second run finds nothing new
    events_dispatch()
    application.refresh_from_db()
    assert application.sla_breached_at is not None
    assert ApplicationEvent.objects.filter(application=application, action="sla_breached", internal=True).count() == 1
    escalated = Notice.objects.filter(user=people["supervisor"], application=application)
    assert escalated.count() == 1 and application.reference in escalated.get().message_en
    with time_machine.travel(due.timestamp() + 120, tick=False):
        moved = application_transition(actor=people["officer"], application=application, action="start_review")
    assert moved.sla_breached_at is None and moved.state_due_at > due


def test_the_scheduler_runs_the_sla_sweep(people, customer, service):
    from io import StringIO

    from django.core.management import call_command

    application = _submitted(customer, service)
    out = StringIO()
    with time_machine.travel(application.state_due_at.timestamp() + 60, tick=False):
        call_command("scheduler", "--once", stdout=out)
        call_command("scheduler", "--once", stdout=out)  # a second run changes nothing
    runs = [line for line in out.getvalue().splitlines() if line.startswith("sla-sweep:")]
    assert runs == ["sla-sweep: 1", "sla-sweep: 0"]
    application.refresh_from_db()
    assert application.sla_breached_at is not None


def test_completed_requests_are_rated_once_by_their_applicant(client, people, customer, service):
    from manassa.applications.models import Rating
    from manassa.applications.services import application_rate

    application = _submitted(customer, service)
    with pytest.raises(InvalidInput):  # not complete yet
        application_rate(actor=customer, application=application, score=3)
    application = application_transition(actor=people["officer"], application=application, action="start_review")
    application = application_transition(actor=people["officer"], application=application, action="approve")
    with pytest.raises(Forbidden):
        application_rate(actor=people["officer"], application=application, score=1)
    with pytest.raises(InvalidInput):
        application_rate(actor=customer, application=application, score=7)
    client.force_login(customer)
    page = client.get(f"/en/requests/{application.reference}/").content.decode()
    assert "How was your experience?" in page
    bad = client.post(f"/en/requests/{application.reference}/rate/", {"comment": "keep me"})
    assert bad.status_code == 400 and "keep me" in bad.content.decode()
    response = client.post(f"/en/requests/{application.reference}/rate/", {"score": "3", "comment": "Quick"})
    assert response.status_code == 302
    rating = Rating.objects.get(application=application)
    assert (rating.score, rating.comment, rating.service, rating.entity) == (3, "Quick", service, service.entity)
    assert "Thank you: you rated this service" in client.get(f"/en/requests/{application.reference}/").content.decode()
    again = client.post(f"/en/requests/{application.reference}/rate/", {"score": "1"})
    assert again.status_code == 400 and Rating.objects.get(application=application).score == 3
    client.force_login(people["do_admin"])
    assert client.post(f"/en/requests/{application.reference}/rate/", {"score": "1"}).status_code == 404


def test_changes_are_told_to_subscribers_in_their_transaction(people, customer, service):
    from django.db import connection

    from manassa.core import events

    heard = []

    def listener(event):
        heard.append((event.kind, event.entity_code, event.data.get("to_state"), connection.in_atomic_block))

    events.subscribe("application.", listener)
    try:
        application = _submitted(customer, service)
        application_transition(actor=people["officer"], application=application, action="start_review")
    finally:
        events.unsubscribe("application.", listener)
    assert heard == [("application.submitted", "ENT-A", None, True),
                     ("application.state_changed", "ENT-A", "in_review", True)]
