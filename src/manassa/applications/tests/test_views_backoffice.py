"""The entity back office for applications: queue, one application, supervisor's overview."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from manassa.accounts.tests.factories import make_user
from manassa.applications.models import Application, ApplicationEvent
from manassa.applications.services import (
    application_answers_save,
    application_assign,
    application_start,
    application_submit,
    application_transition,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.views_backoffice import sla_countdown
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.tests.factories import make_sector, make_service
from manassa.entities.models import Membership

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
QUEUE = "/en/backoffice/queue/"


def _service(actor, entity, code, name_en="Permit"):
    service = make_service(entity=entity, sector=make_sector(), code=code, name_ar="تصريح", name_en=name_en)
    service_form_publish(actor=actor, service=service, definition=FORM)
    service_workflow_publish(actor=actor, service=service, definition=TEMPLATES["simple_approval"])
    return service


def _submit(customer, service, name="Maryam"):
    application = application_start(actor=customer, service=service)
    application_answers_save(actor=customer, application=application, answers={"full_name": name, "plot": "12"})
    return application_submit(actor=customer, application=application)


@pytest.fixture
def services(people, entity_a, entity_b):
    outsider_admin = make_user("admin-b@example.test", totp=True)
    Membership.objects.create(user=outsider_admin, entity=entity_b, role="admin")
    return {
        "a": _service(people["admin"], entity_a, "ENT-A-PERMIT"),
        "a2": _service(people["admin"], entity_a, "ENT-A-OTHER", name_en="Other permit"),
        "b": _service(outsider_admin, entity_b, "ENT-B-PERMIT", name_en="B permit"),
    }


@pytest.fixture
def apps(people, services):
    customer = people["customer"]
    return {
        "a1": _submit(customer, services["a"], "First"),
        "a2": _submit(customer, services["a2"], "Second"),
        "b1": _submit(customer, services["b"], "Outsider"),
    }


def _refs(response) -> list[str]:
    return [row["application"].reference for row in response.context["rows"]]


# --- the queue ---------------------------------------------------------------------------------


def test_queue_shows_only_own_entities_open_requests(client, people, apps):
    client.force_login(people["officer"])
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert set(_refs(response)) == {apps["a1"].reference, apps["a2"].reference}
    body = response.content.decode()
    assert apps["b1"].reference not in body
    assert "Submitted" in body and "Permit" in body and "due in" in body
    assert "<caption" in body and 'scope="col"' in body
    # a single entity: no entity filter
    assert 'name="entity"' not in body


@pytest.mark.parametrize("role", ["customer", "do_admin", "do_analyst", "auditor"])
def test_queue_refuses_people_without_an_entity_role(client, people, role):
    client.force_login(people[role])
    assert client.get(QUEUE).status_code == 403


@pytest.mark.parametrize("role", ["officer", "supervisor", "admin"])
def test_queue_works_for_every_staff_role(client, people, apps, role):
    client.force_login(people[role])
    assert client.get(QUEUE).status_code == 200


def test_queue_filters(client, people, services, apps):
    officer = people["officer"]
    application_assign(actor=officer, application=apps["a1"], assignee=officer)
    Application.objects.filter(pk=apps["a2"].pk).update(state_due_at=timezone.now() - timedelta(hours=2))
    client.force_login(officer)
    a1, a2 = apps["a1"].reference, apps["a2"].reference
    assert _refs(client.get(QUEUE, {"assignee": "me"})) == [a1]
    assert _refs(client.get(QUEUE, {"assignee": "unassigned"})) == [a2]
    assert set(_refs(client.get(QUEUE, {"assignee": ""}))) == {a1, a2}
    assert _refs(client.get(QUEUE, {"service": services["a2"].pk})) == [a2]
    assert _refs(client.get(QUEUE, {"sla": "overdue"})) == [a2]
    assert _refs(client.get(QUEUE, {"sla": "on_time"})) == [a1]
    assert set(_refs(client.get(QUEUE, {"state": "submitted"}))) == {a1, a2}
    empty = client.get(QUEUE, {"state": "in_review"})
    assert _refs(empty) == [] and "No open requests match these filters." in empty.content.decode()
    # another entity's service is not a choice: the filter is refused, never widened
    response = client.get(QUEUE, {"service": services["b"].pk})
    assert response.context["form"].errors and apps["b1"].reference not in response.content.decode()
    overdue = client.get(QUEUE, {"sla": "overdue"}).content.decode()
    assert "overdue by 2 h" in overdue


def test_queue_entity_filter_for_people_in_several_entities(client, people, entity_b, apps):
    officer = people["officer"]
    Membership.objects.create(user=officer, entity=entity_b, role="officer")
    client.force_login(officer)
    response = client.get(QUEUE)
    assert 'name="entity"' in response.content.decode()
    assert len(_refs(response)) == 3
    assert _refs(client.get(QUEUE, {"entity": "ENT-B"})) == [apps["b1"].reference]


def test_queue_empty_state(client, people, services):
    client.force_login(people["officer"])
    body = client.get(QUEUE).content.decode()
    assert "There are no open requests." in body and "<table" not in body


def test_queue_keyset_pagination_and_no_query_per_row(client, people, services, monkeypatch,
                                                      django_assert_max_num_queries):
    from manassa.applications import selectors

    customer = people["customer"]
    refs = [_submit(customer, services["a" if i % 2 else "a2"]).reference for i in range(7)]
    assignee = people["supervisor"]
    for ref in refs[:3]:
        application_assign(actor=assignee, application=Application.objects.get(reference=ref), assignee=assignee)
    monkeypatch.setattr(selectors, "QUEUE_PAGE", 3)
    monkeypatch.setattr(selectors.work_queue, "__kwdefaults__", {**selectors.work_queue.__kwdefaults__, "limit": 3})
    client.force_login(people["officer"])
    client.get(QUEUE)  # warm the session and role caches
    seen = []
    url = QUEUE
    pages = 0
    while url:
        with django_assert_max_num_queries(12):
            response = client.get(url)
        assert "page=" not in response.content.decode()
        seen += _refs(response)
        pages += 1
        cursor = response.context["next_cursor"]
        if cursor:
            assert "Next page" in response.content.decode()
        url = f"{QUEUE}?{urlencode({'cursor': cursor})}" if cursor else None
    assert pages == 3 and sorted(seen) == sorted(refs) and len(seen) == len(set(seen))
    # A full page costs the same number of queries as a page of one.
    with django_assert_max_num_queries(12):
        client.get(QUEUE)


def test_claim_from_the_queue(client, people, apps):
    officer = people["officer"]
    client.force_login(officer)
    ref = apps["a1"].reference
    response = client.post(reverse("workqueue:claim", args=[ref]), {"next": QUEUE + "?sla=on_time"})
    assert response.status_code == 302 and response["Location"] == QUEUE + "?sla=on_time"
    assert Application.objects.get(reference=ref).assignee == officer
    # an outside "next" is ignored
    response = client.post(reverse("workqueue:claim", args=[ref]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("workqueue:application", args=[ref])
    assert client.post(reverse("workqueue:claim", args=[apps["b1"].reference])).status_code == 404
    assert Application.objects.get(reference=apps["b1"].reference).assignee is None


# --- one application ---------------------------------------------------------------------------


def test_application_page_shows_facts_answers_history_and_actions(client, people, apps):
    client.force_login(people["officer"])
    response = client.get(reverse("workqueue:application", args=[apps["a1"].reference]))
    body = response.content.decode()
    assert response.status_code == 200
    for text in (apps["a1"].reference, "Permit", "customer@example.test", "First", "Plot number", "Submitted",
                 "Start review", "Add an internal note"):
        assert text in body, text
    # officers claim, they do not assign others
    assert "Claim this request" in body and 'name="assignee"' not in body


def test_review_request_info_and_approve(client, people, apps):
    officer = people["officer"]
    client.force_login(officer)
    ref = apps["a1"].reference
    act = reverse("workqueue:transition", args=[ref])
    page = reverse("workqueue:application", args=[ref])

    assert client.post(act, {"action": "start_review", "state": "submitted"}).status_code == 302
    assert Application.objects.get(reference=ref).state == "in_review"

    # a required comment left empty: the form comes back with the error linked to the field
    response = client.post(act, {"action": "request_info", "state": "in_review", "comment": "  "})
    body = response.content.decode()
    assert response.status_code == 200 and Application.objects.get(reference=ref).state == "in_review"
    assert 'role="alert"' in body and 'aria-invalid="true"' in body
    assert 'aria-describedby="act-request_info-comment_help act-request_info-comment_error"' in body

    response = client.post(act, {"action": "request_info", "state": "in_review", "comment": "Send the deed."})
    assert response.status_code == 302 and response["Location"] == page
    application = Application.objects.get(reference=ref)
    assert application.state == "awaiting_info"
    # the applicant answers; then the officer approves
    application_transition(actor=people["customer"], application=application, action="respond", comment="Sent.")
    client.post(act, {"action": "approve", "state": "in_review", "comment": ""})
    application = Application.objects.get(reference=ref)
    assert application.state == "approved" and application.closed_at is not None
    body = client.get(page).content.decode()
    assert "Send the deed." in body and "Sent." in body and "This request is finished." in body
    # closed: no longer in the queue
    assert ref not in _refs(client.get(QUEUE))


def test_stale_page_gets_a_clear_message_and_the_fresh_page(client, people, apps):
    ref = apps["a1"].reference
    application_transition(actor=people["supervisor"], application=apps["a1"], action="start_review")
    application_transition(actor=people["supervisor"], application=Application.objects.get(reference=ref),
                           action="reject", comment="Not eligible.")
    client.force_login(people["officer"])
    response = client.post(reverse("workqueue:transition", args=[ref]),
                           {"action": "start_review", "state": "submitted"}, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("workqueue:application", args=[ref])
    assert "This action is not possible for this request now." in body and 'role="alert"' in body
    assert Application.objects.get(reference=ref).state == "rejected"


def test_stale_state_is_refused_even_when_the_action_is_possible_again(client, people, apps):
    """The page showed "submitted"; a colleague started the review: approving must not act on unseen changes."""
    ref = apps["a1"].reference
    application_transition(actor=people["supervisor"], application=apps["a1"], action="start_review")
    client.force_login(people["officer"])
    client.post(reverse("workqueue:transition", args=[ref]), {"action": "approve", "state": "submitted"})
    assert Application.objects.get(reference=ref).state == "in_review"


def test_actions_follow_the_workflow_roles(client, people, apps):
    client.force_login(people["admin"])  # simple_approval gives entity admins no action
    ref = apps["a1"].reference
    body = client.get(reverse("workqueue:application", args=[ref])).content.decode()
    assert "Start review" not in body and "There is nothing for you to do" in body
    client.post(reverse("workqueue:transition", args=[ref]), {"action": "start_review", "state": "submitted"})
    assert Application.objects.get(reference=ref).state == "submitted"


def test_internal_notes(client, people, apps):
    client.force_login(people["officer"])
    ref = apps["a1"].reference
    url = reverse("workqueue:note", args=[ref])
    response = client.post(url, {"text": ""})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    assert client.post(url, {"text": "Called the applicant."}).status_code == 302
    event = ApplicationEvent.objects.get(application__reference=ref, action="note")
    assert event.internal and event.actor == people["officer"]
    body = client.get(reverse("workqueue:application", args=[ref])).content.decode()
    assert "Called the applicant." in body and "internal, not shown to the applicant" in body
    assert client.post(reverse("workqueue:note", args=[apps["b1"].reference]), {"text": "x"}).status_code == 404


def test_supervisor_assigns_to_a_colleague_officer_cannot(client, people, apps, entity_b):
    ref = apps["a1"].reference
    url = reverse("workqueue:assign", args=[ref])
    client.force_login(people["officer"])
    assert client.post(url, {"assignee": people["supervisor"].pk}).status_code == 403
    client.force_login(people["supervisor"])
    body = client.get(reverse("workqueue:application", args=[ref])).content.decode()
    assert 'name="assignee"' in body and "officer@example.test" in body
    assert client.post(url, {"assignee": people["officer"].pk}).status_code == 302
    assert Application.objects.get(reference=ref).assignee == people["officer"]
    # someone from another entity is not a choice
    outsider = Membership.objects.get(entity=entity_b).user
    response = client.post(url, {"assignee": outsider.pk})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    assert Application.objects.get(reference=ref).assignee == people["officer"]
    assert client.post(url, {"assignee": ""}).status_code == 302
    assert Application.objects.get(reference=ref).assignee is None


def test_other_entity_and_customers_get_404_on_application_pages(client, people, apps):
    b_ref = apps["b1"].reference
    client.force_login(people["supervisor"])
    for name in ("application",):
        assert client.get(reverse(f"workqueue:{name}", args=[b_ref])).status_code == 404
    for name in ("claim", "assign", "note", "transition"):
        assert client.post(reverse(f"workqueue:{name}", args=[b_ref]),
                           {"action": "start_review", "state": "submitted", "text": "x"}).status_code == 404
    assert Application.objects.get(reference=b_ref).state == "submitted"
    assert not ApplicationEvent.objects.filter(application__reference=b_ref, action="note").exists()
    # the applicant has no back-office view of their own request
    client.force_login(people["customer"])
    assert client.get(reverse("workqueue:application", args=[apps["a1"].reference])).status_code == 404


# --- supervisor's overview ---------------------------------------------------------------------


def test_overview_counts_breaches_and_workload(client, people, apps):
    officer, supervisor = people["officer"], people["supervisor"]
    application_assign(actor=supervisor, application=apps["a1"], assignee=officer)
    application_transition(actor=officer, application=apps["a1"], action="start_review")
    Application.objects.filter(pk=apps["a2"].pk).update(state_due_at=timezone.now() - timedelta(hours=5))
    client.force_login(supervisor)
    response = client.get(reverse("workqueue:overview"))
    assert response.status_code == 200
    assert dict(response.context["by_state"]) == {"Submitted": 1, "In review": 1}
    assert [row["application"].reference for row in response.context["breached"]] == [apps["a2"].reference]
    workload = {m.user.email: n for m, n in response.context["overview"].workload}
    assert workload == {"officer@example.test": 1, "supervisor@example.test": 0, "admin@example.test": 0}
    body = response.content.decode()
    assert apps["b1"].reference not in body and "overdue by 5 h" in body
    client.force_login(officer)
    assert client.get(reverse("workqueue:overview")).status_code == 403


def test_sla_countdown_wording():
    from django.utils import translation

    with translation.override("en"):  # the wording is checked in English; the suite's default language is Arabic
        _countdown_wording_in_english()
    with translation.override("ar"):
        assert sla_countdown(timezone.now() - timedelta(hours=2), timezone.now())["text"] != "overdue by 2 h"


def _countdown_wording_in_english():
    now = timezone.now()
    assert sla_countdown(None, now) is None
    assert sla_countdown(now + timedelta(hours=3, minutes=10), now) == {"text": "due in 3 h", "overdue": False}
    assert sla_countdown(now - timedelta(hours=2), now) == {"text": "overdue by 2 h", "overdue": True}
    assert sla_countdown(now + timedelta(minutes=5, seconds=30), now)["text"] == "due in 5 minutes"
    assert sla_countdown(now + timedelta(days=3, hours=1), now)["text"] == "due in 3 days"
