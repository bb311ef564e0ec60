"""The back-office applications API: every role on every endpoint, the queue's filters and pages, the actions."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from config.api import api
from manassa.accounts.tests.factories import make_user
from manassa.applications.models import Application, ApplicationEvent
from manassa.applications.services import (
    application_answers_save,
    application_assign,
    application_start,
    application_submit,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.workflow import TEMPLATES
from manassa.audit.models import AuditEvent
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
BASE = "/api/v1/backoffice/applications"
MISSING = "NOPE-2026-000000"
ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]
STAFF = {"officer", "supervisor", "admin"}


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
def outsider(entity_b):
    """An admin of entity B: the people fixture's staff all belong to entity A."""
    user = make_user("admin-b@example.test", totp=True)
    Membership.objects.create(user=user, entity=entity_b, role="admin")
    return user


@pytest.fixture
def services(people, entity_a, entity_b, outsider):
    return {
        "a": _service(people["admin"], entity_a, "ENT-A-PERMIT"),
        "a2": _service(people["admin"], entity_a, "ENT-A-OTHER", name_en="Other permit"),
        "b": _service(outsider, entity_b, "ENT-B-PERMIT", name_en="B permit"),
    }


@pytest.fixture
def apps(people, services):
    customer = people["customer"]
    return {
        "a1": _submit(customer, services["a"], "First"),
        "a2": _submit(customer, services["a2"], "Second"),
        "b1": _submit(customer, services["b"], "Outsider"),
    }


def _as(client, people, role):
    if role != "anonymous":
        client.force_login(people[role])
    return client


def _post(client, path, body=None):
    return client.post(path, data=json.dumps(body if body is not None else {}), content_type="application/json")


def _error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def _names(error) -> set[str]:
    """The fields an error names, without the body's prefix (``body.comment`` and ``comment`` alike)."""
    return {key.rsplit(".", 1)[-1] for key in error.get("fields", {})}


def _refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["reference"] for item in response.json()["items"]]


# --- every role × own entity × other entity × missing, on every endpoint -----------------------

ENDPOINTS = {
    # name: (method, path after the reference, body, expected status on an own-entity request by staff role)
    "detail": ("get", "", None, {"officer": 200, "supervisor": 200, "admin": 200}),
    # The template's review actions are for officers and supervisors: an admin gets the workflow's refusal.
    "transition": ("post", "/transitions", {"action": "start_review"}, {"officer": 200, "supervisor": 200,
                                                                          "admin": 409}),
    "claim": ("post", "/claim", None, {"officer": 200, "supervisor": 200, "admin": 200}),
    "assign": ("post", "/assign", {"assignee": "officer@example.test"}, {"officer": 403, "supervisor": 200,
                                                                         "admin": 200}),
    "note": ("post", "/notes", {"text": "Checked the plot."}, {"officer": 201, "supervisor": 201, "admin": 201}),
}


def _expected(role, target, own_status):
    if role == "anonymous":
        return 401
    if target == "own" and role in own_status:
        return own_status[role]
    return 404  # the applicant, platform roles, another entity's request, a missing one: all the same


@pytest.mark.parametrize("target", ["own", "other", "missing"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_endpoint(client, people, apps, role, endpoint, target):
    method, tail, body, own_status = ENDPOINTS[endpoint]
    reference = {"own": apps["a1"].reference, "other": apps["b1"].reference, "missing": MISSING}[target]
    before = {a.pk: (a.state, a.assignee_id) for a in Application.objects.all()}
    events, audits = ApplicationEvent.objects.count(), AuditEvent.objects.count()
    client = _as(client, people, role)
    path = f"{BASE}/{reference}{tail}"
    response = client.get(path) if method == "get" else _post(client, path, body)
    expected = _expected(role, target, own_status)
    assert response.status_code == expected, (role, path, response.content)
    if expected >= 400:
        code = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 409: "transition_not_allowed"}[expected]
        _error(response, expected, code)
        # A refusal changes nothing, and a 404 says nothing about the request.
        assert {a.pk: (a.state, a.assignee_id) for a in Application.objects.all()} == before
        assert (ApplicationEvent.objects.count(), AuditEvent.objects.count()) == (events, audits)
        assert expected == 409 or reference not in response.content.decode()
    else:
        assert response.json()["reference"] if endpoint != "note" else response.json()["internal"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("entity", ["", "ENT-A", "ENT-B", "NOPE"])
def test_every_role_on_the_queue(client, people, apps, role, entity):
    response = _as(client, people, role).get(BASE, {"entity": entity} if entity else {})
    if role == "anonymous":
        _error(response, 401, "not_authenticated")
    elif role not in STAFF:
        _error(response, 403, "forbidden")
    else:
        expected = {apps["a1"].reference, apps["a2"].reference} if entity in ("", "ENT-A") else set()
        assert set(_refs(response)) == expected


def test_staff_of_the_other_entity_see_only_theirs(client, apps, outsider):
    client.force_login(outsider)
    assert _refs(client.get(BASE)) == [apps["b1"].reference]
    assert client.get(f"{BASE}/{apps['b1'].reference}").status_code == 200
    for path in (f"{BASE}/{apps['a1'].reference}", f"{BASE}/{apps['a1'].reference}/claim"):
        response = client.get(path) if path.endswith(apps["a1"].reference) else _post(client, path)
        _error(response, 404, "not_found")


def test_staff_without_two_factor_are_refused(client, entity_a, apps):
    user = make_user("new-officer@example.test")
    Membership.objects.create(user=user, entity=entity_a, role="officer")
    client.force_login(user)
    _error(client.get(BASE), 403, "mfa_required")
    _error(_post(client, f"{BASE}/{apps['a1'].reference}/claim"), 403, "mfa_required")
    assert Application.objects.get(pk=apps["a1"].pk).assignee_id is None


def test_posts_need_the_csrf_token(people, apps):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["officer"])
    path = f"{BASE}/{apps['a1'].reference}/claim"
    refused = client.post(path)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    assert Application.objects.get(pk=apps["a1"].pk).assignee_id is None
    client.get(f"/en/backoffice/queue/{apps['a1'].reference}/")  # sets the csrftoken cookie, as a page would
    token = client.cookies["csrftoken"].value
    response = client.post(path, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and response.json()["assignee"]["email"] == "officer@example.test"


# --- the queue ---------------------------------------------------------------------------------


def test_queue_items(client, people, services, apps):
    now = timezone.now()
    Application.objects.filter(pk=apps["a1"].pk).update(state_due_at=now - timedelta(minutes=5))
    Application.objects.filter(pk=apps["a2"].pk).update(state_due_at=now + timedelta(hours=2))
    client.force_login(people["officer"])
    items = client.get(BASE).json()["items"]
    assert [i["reference"] for i in items] == [apps["a1"].reference, apps["a2"].reference]
    first = items[0]
    assert first["service"] == {"code": "ENT-A-PERMIT", "name_ar": "تصريح", "name_en": "Permit"}
    assert first["entity"] == "ENT-A"
    assert first["state"] == {"key": "submitted", "label_ar": "مُقدَّم", "label_en": "Submitted"}
    assert first["assignee"] is None and first["submitted_at"] and first["due_at"]
    assert [i["sla"] for i in items] == ["breached", "due_soon"]
    Application.objects.filter(pk=apps["a2"].pk).update(state_due_at=now + timedelta(days=2))
    Application.objects.filter(pk=apps["a1"].pk).update(state_due_at=None)
    items = client.get(BASE).json()["items"]
    assert [(i["reference"], i["sla"]) for i in items] == [(apps["a2"].reference, "on_time"),
                                                           (apps["a1"].reference, None)]
    application_assign(actor=people["officer"], application=apps["a2"], assignee=people["officer"])
    mine = client.get(BASE).json()["items"][0]["assignee"]
    assert mine == {"id": people["officer"].pk, "email": "officer@example.test",
                    "name_ar": people["officer"].name_ar, "name_en": people["officer"].name_en}


def test_queue_filters(client, people, services, apps):
    officer, supervisor = people["officer"], people["supervisor"]
    application_assign(actor=officer, application=apps["a1"], assignee=officer)
    Application.objects.filter(pk=apps["a2"].pk).update(state_due_at=timezone.now() - timedelta(hours=2))
    client.force_login(supervisor)
    a1, a2 = apps["a1"].reference, apps["a2"].reference
    assert _refs(client.get(BASE, {"assignee": "me"})) == []
    assert _refs(client.get(BASE, {"assignee": "unassigned"})) == [a2]
    assert _refs(client.get(BASE, {"assignee": str(officer.pk)})) == [a1]
    assert _refs(client.get(BASE, {"assignee": "OFFICER@example.test"})) == [a1]
    assert _refs(client.get(BASE, {"assignee": "admin-b@example.test"})) == []  # not a colleague
    assert _refs(client.get(BASE, {"assignee": "nobody@example.test"})) == []
    assert _refs(client.get(BASE, {"service": "ENT-A-OTHER"})) == [a2]
    assert _refs(client.get(BASE, {"service": "ENT-B-PERMIT"})) == []  # another entity's service
    assert _refs(client.get(BASE, {"sla": "breached"})) == [a2]
    assert _refs(client.get(BASE, {"sla": "on_time"})) == [a1]
    assert set(_refs(client.get(BASE, {"state": "submitted"}))) == {a1, a2}
    assert _refs(client.get(BASE, {"state": "in_review"})) == []
    assert _refs(client.get(BASE, {"entity": "ENT-A", "service": "ENT-A-PERMIT", "assignee": "me"})) == []
    client.force_login(officer)
    assert _refs(client.get(BASE, {"assignee": "me", "state": "submitted", "sla": "on_time"})) == [a1]
    # Closed requests leave the queue.
    Application.objects.filter(pk=apps["a1"].pk).update(state="approved", closed_at=timezone.now())
    assert _refs(client.get(BASE)) == [a2]


@pytest.mark.parametrize("params, field", [
    ({"sla": "overdue"}, "sla"),
    ({"limit": 0}, "limit"),
    ({"limit": 201}, "limit"),
    ({"assignee": "bob"}, "assignee"),
    ({"cursor": "nonsense"}, "cursor"),
    ({"cursor": "2026-11-21T10:00:00|12"}, "cursor"),  # no time zone: not one the API gave
    ({"state": "in\x00review"}, "state"),
])
def test_queue_refuses_bad_parameters(client, people, apps, params, field):
    client.force_login(people["officer"])
    error = _error(client.get(BASE, params), 422, "invalid_input")
    assert field in _names(error)


def test_cursor_pages_cover_every_row_once_in_order(client, people, services, apps, django_assert_max_num_queries):
    customer = people["customer"]
    more = [_submit(customer, services["a" if i % 2 else "a2"], f"P{i}") for i in range(14)]
    rows = [apps["a1"], apps["a2"], *more]
    now = timezone.now().replace(microsecond=0)
    # Ties on the deadline, and rows without one (they come last), so the cursor's id part matters.
    for i, application in enumerate(rows):
        due = None if i % 5 == 4 else now + timedelta(hours=i // 3)
        Application.objects.filter(pk=application.pk).update(state_due_at=due)
    expected = [a.reference for a in sorted(Application.objects.filter(pk__in=[r.pk for r in rows]),
                                            key=lambda a: (a.state_due_at is None, a.state_due_at or now, a.pk))]
    client.force_login(people["officer"])
    client.get(BASE)  # the session and roles, loaded once
    seen, cursor, pages = [], None, 0
    while True:
        with django_assert_max_num_queries(9):
            response = client.get(BASE, {"limit": 3, **({"cursor": cursor} if cursor else {})})
        seen += _refs(response)
        pages += 1
        cursor = response.json()["next_cursor"]
        if not cursor:
            break
    assert seen == expected and len(set(seen)) == len(rows) == 16
    assert pages == 6
    # The same pages with a filter: the unassigned ones, every one once.
    application_assign(actor=people["officer"], application=more[0], assignee=people["officer"])
    seen, cursor = [], None
    while True:
        response = client.get(BASE, {"limit": 4, "assignee": "unassigned", **({"cursor": cursor} if cursor else {})})
        seen += _refs(response)
        cursor = response.json()["next_cursor"]
        if not cursor:
            break
    assert seen == [ref for ref in expected if ref != more[0].reference]


def test_queue_query_count_does_not_grow_with_the_page(client, people, services, apps,
                                                        django_assert_max_num_queries):
    for i in range(10):
        application = _submit(people["customer"], services["a"], f"P{i}")
        application_assign(actor=people["officer"], application=application, assignee=people["officer"])
    client.force_login(people["officer"])
    client.get(BASE)
    # The queue reads requests with a deadline and, when the page is not full, those without: two range queries.
    with django_assert_max_num_queries(10):
        assert len(_refs(client.get(BASE))) == 12
    with django_assert_max_num_queries(11):
        assert len(_refs(client.get(BASE, {"assignee": "officer@example.test", "service": "ENT-A-PERMIT"}))) == 10


# --- one request -------------------------------------------------------------------------------


def test_detail(client, people, apps, django_assert_max_num_queries):
    client.force_login(people["officer"])
    reference = apps["a1"].reference
    assert _post(client, f"{BASE}/{reference}/notes", {"text": "Called the applicant."}).status_code == 201
    with django_assert_max_num_queries(12):
        body = client.get(f"{BASE}/{reference}").json()
    assert body["reference"] == reference and body["entity"] == "ENT-A"
    assert body["service"]["code"] == "ENT-A-PERMIT"
    assert body["state"] == {"key": "submitted", "label_ar": "مُقدَّم", "label_en": "Submitted"}
    assert body["answers"] == {"full_name": "First", "plot": 12}
    assert body["applicant"]["email"] == "customer@example.test"
    assert body["deadlines"]["state_due_at"] and body["deadlines"]["due_at"]
    assert body["deadlines"]["sla"] in ("on_time", "due_soon") and body["deadlines"]["sla_breached_at"] is None
    assert [(e["action"], e["label_en"], e["label_ar"], e["internal"]) for e in body["history"]] == [
        ("submit", "Request submitted", "تقديم الطلب", False),
        ("note", "Internal note", "ملاحظة داخلية", True)]
    assert body["history"][1]["comment"] == "Called the applicant."
    assert body["history"][1]["actor"]["email"] == "officer@example.test"
    # The applicant's own action (withdraw) is not the officer's.
    assert body["actions"] == [{"key": "start_review", "label_ar": "بدء المراجعة", "label_en": "Start review",
                                "to": "in_review", "comment": "none"}]
    assert body["can_claim"] is True and body["can_assign"] is False
    client.force_login(people["supervisor"])
    assert client.get(f"{BASE}/{reference}").json()["can_assign"] is True


def test_refused_references(client, people, apps):
    client.force_login(people["officer"])
    for reference in ("x" * 40, "SHJ%00", apps["a1"].reference.lower()):
        _error(client.get(f"{BASE}/{reference}"), 404, "not_found")
    # A draft has no reference: nothing to find.
    application_start(actor=people["customer"], service=apps["a1"].service)
    _error(client.get(f"{BASE}/None"), 404, "not_found")


# --- actions -----------------------------------------------------------------------------------


def test_transitions(client, people, apps):
    client.force_login(people["officer"])
    path = f"{BASE}/{apps['a1'].reference}/transitions"
    response = _post(client, path, {"action": "start_review", "state": "submitted"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"]["key"] == "in_review" and body["history"][-1]["action"] == "start_review"
    assert {a["key"] for a in body["actions"]} == {"request_info", "approve", "reject"}
    assert body["deadlines"]["state_due_at"] is not None
    # A required comment missing: the business rule's error, nothing changes.
    error = _error(_post(client, path, {"action": "reject"}), 400, "invalid_input")
    assert "comment" in _names(error)
    # The state the client saw is stale: 409, nothing changes.
    _error(_post(client, path, {"action": "approve", "state": "submitted"}), 409, "transition_not_allowed")
    # Unknown actions, the applicant's actions and actions from another state: one answer, 409.
    for action in ("fly", "withdraw", "start_review", "respond", ""):
        _error(_post(client, path, {"action": action}), 409, "transition_not_allowed")
    assert Application.objects.get(pk=apps["a1"].pk).state == "in_review"
    assert ApplicationEvent.objects.filter(application=apps["a1"]).count() == 2
    response = _post(client, path, {"action": "reject", "comment": "  The plot is not yours.  ", "state": "in_review"})
    body = response.json()
    assert body["state"]["key"] == "rejected" and body["outcome"] == "rejected" and body["closed_at"]
    assert body["actions"] == [] and body["can_claim"] is False
    assert body["history"][-1]["comment"] == "The plot is not yours."
    assert AuditEvent.objects.filter(action="application.reject", entity_code="ENT-A").count() == 1
    # Schema errors: 422 with the field.
    error = _error(_post(client, path, {"comment": "no action"}), 422, "invalid_input")
    assert "action" in _names(error)
    error = _error(_post(client, path, {"action": "approve", "comment": "x" * 4001}), 422, "invalid_input")
    assert "comment" in _names(error)
    error = _error(_post(client, path, {"action": "approve", "comment": "a\x00b"}), 422, "invalid_input")
    assert "comment" in _names(error)


def test_two_conflicting_transitions_make_one(client, people, apps):
    path = f"{BASE}/{apps['a1'].reference}/transitions"
    officer, supervisor = Client(), Client()
    officer.force_login(people["officer"])
    supervisor.force_login(people["supervisor"])
    assert _post(officer, path, {"action": "start_review"}).status_code == 200
    # Both saw "in review"; the officer approves first, the supervisor's reject comes too late.
    seen = officer.get(f"{BASE}/{apps['a1'].reference}").json()["state"]["key"]
    assert seen == supervisor.get(f"{BASE}/{apps['a1'].reference}").json()["state"]["key"] == "in_review"
    assert _post(officer, path, {"action": "approve", "state": seen}).status_code == 200
    _error(_post(supervisor, path, {"action": "reject", "comment": "No.", "state": seen}), 409,
           "transition_not_allowed")
    # Without the state: the same action twice, the second is refused by the workflow itself.
    _error(_post(supervisor, path, {"action": "approve"}), 409, "transition_not_allowed")
    application = Application.objects.get(pk=apps["a1"].pk)
    assert application.state == "approved" and application.outcome == "approved"
    assert list(application.events.values_list("action", flat=True)) == ["submit", "start_review", "approve"]


def test_claim_and_assign(client, people, apps, outsider):
    reference = apps["a1"].reference
    client.force_login(people["officer"])
    body = _post(client, f"{BASE}/{reference}/claim").json()
    assert body["assignee"]["email"] == "officer@example.test" and body["can_claim"] is False
    audits = AuditEvent.objects.filter(action="application.assigned").count()
    assert _post(client, f"{BASE}/{reference}/claim").status_code == 200  # already theirs: nothing to do
    assert AuditEvent.objects.filter(action="application.assigned").count() == audits
    # Officers claim for themselves only.
    _error(_post(client, f"{BASE}/{reference}/assign", {"assignee": "officer@example.test"}), 403, "forbidden")
    client.force_login(people["supervisor"])
    body = _post(client, f"{BASE}/{reference}/assign", {"assignee": " Admin@Example.test "}).json()
    assert body["assignee"]["email"] == "admin@example.test"
    for stranger in ("admin-b@example.test", "customer@example.test", "nobody@example.test"):
        error = _error(_post(client, f"{BASE}/{reference}/assign", {"assignee": stranger}), 400, "invalid_input")
        assert "assignee" in _names(error)
    assert Application.objects.get(pk=apps["a1"].pk).assignee == people["admin"]
    _error(_post(client, f"{BASE}/{reference}/assign", {}), 422, "invalid_input")
    body = _post(client, f"{BASE}/{reference}/assign", {"assignee": None}).json()
    assert body["assignee"] is None and Application.objects.get(pk=apps["a1"].pk).assignee is None
    # The supervisor takes it: a claim by a supervisor is a claim all the same.
    assert _post(client, f"{BASE}/{reference}/claim").json()["assignee"]["email"] == "supervisor@example.test"


def test_notes_stay_inside_the_entity(client, people, apps):
    reference = apps["a1"].reference
    client.force_login(people["officer"])
    response = _post(client, f"{BASE}/{reference}/notes", {"text": "  Neighbour called about the plot.  "})
    assert response.status_code == 201
    note = response.json()
    assert note["action"] == "note" and note["internal"] is True
    assert note["comment"] == "Neighbour called about the plot."
    assert note["from_state"] == note["to_state"] == "submitted"
    assert AuditEvent.objects.filter(action="application.note", entity_code="ENT-A").count() == 1
    error = _error(_post(client, f"{BASE}/{reference}/notes", {"text": "   "}), 400, "invalid_input")
    assert "text" in _names(error)
    for body in ({}, {"text": "x" * 4001}, {"text": "nul\x00"}):
        _error(_post(client, f"{BASE}/{reference}/notes", body), 422, "invalid_input")
    assert ApplicationEvent.objects.filter(application=apps["a1"], action="note").count() == 1
    # The applicant sees the request, never the note: not on their page, not through the staff API.
    client.force_login(people["customer"])
    for language in ("en", "ar"):
        page = client.get(f"/{language}/requests/{reference}/")
        assert page.status_code == 200 and reference in page.content.decode()
        assert "Neighbour called" not in page.content.decode()
    _error(client.get(f"{BASE}/{reference}"), 404, "not_found")


# --- the documented contract ---------------------------------------------------------------


def test_openapi_documents_every_endpoint():
    schema = api.get_openapi_schema()
    paths = schema["paths"]
    operations = {
        ("get", "/api/v1/backoffice/applications"): "backoffice_application_list",
        ("get", "/api/v1/backoffice/applications/{reference}"): "backoffice_application_get",
        ("post", "/api/v1/backoffice/applications/{reference}/transitions"): "backoffice_application_transition",
        ("post", "/api/v1/backoffice/applications/{reference}/claim"): "backoffice_application_claim",
        ("post", "/api/v1/backoffice/applications/{reference}/assign"): "backoffice_application_assign",
        ("post", "/api/v1/backoffice/applications/{reference}/notes"): "backoffice_application_note_add",
    }
    for (method, path), operation_id in operations.items():
        operation = paths[path][method]
        assert operation["operationId"] == operation_id
        assert {401, 403} <= set(operation["responses"])
        assert operation["summary"]
    assert 409 in paths["/api/v1/backoffice/applications/{reference}/transitions"]["post"]["responses"]
    assert 201 in paths["/api/v1/backoffice/applications/{reference}/notes"]["post"]["responses"]
    names = {p["name"] for p in paths["/api/v1/backoffice/applications"]["get"]["parameters"]}
    assert names == {"entity", "service", "state", "assignee", "sla", "cursor", "limit"}
