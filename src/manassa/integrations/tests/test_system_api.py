"""The entity-system API: every endpoint with every kind of key, the entity boundary, actions and results."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from manassa.applications.models import Application, ApplicationDocument, ApplicationEvent
from manassa.audit.models import AuditEvent
from manassa.entities.models import EntityApiKey
from manassa.integrations.tests.conftest import PDF, bearer

BASE = "/api/v1/system"

# Every endpoint, on a request of entity A: (name, method, path template).
ENDPOINTS = [
    ("list", "get", "/applications"),
    ("get", "get", "/applications/{ref}"),
    ("transition", "post", "/applications/{ref}/transitions"),
    ("results", "post", "/applications/{ref}/results"),
    ("deliveries", "get", "/webhooks/deliveries"),
]
OK = {"list": 200, "get": 200, "transition": 200, "results": 201, "deliveries": 200}
# What each kind of caller gets on each endpoint, for a request of entity A.
EXPECTED = {
    "own": OK,
    "in_grace": OK,                     # rotated: still valid in the grace period
    "successor": OK,
    "read": {**OK, "transition": 403, "results": 403},
    "other": {**OK, "get": 404, "transition": 404, "results": 404},  # entity B's key: A's request is not there
    "revoked": dict.fromkeys(OK, 401),
    "expired": dict.fromkeys(OK, 401),  # rotated, grace period over
    "none": dict.fromkeys(OK, 401),
    "forged": dict.fromkeys(OK, 401),
    "session": dict.fromkeys(OK, 401),  # a browser session (entity A's admin) is not a key
}


def _call(client, method, path, headers):
    if path.endswith("/transitions"):
        return client.post(BASE + path, data=json.dumps({"action": "start_review", "state": "submitted"}),
                           content_type="application/json", **headers)
    if path.endswith("/results"):
        upload = SimpleUploadedFile("permit.pdf", PDF, content_type="application/pdf")
        return client.post(BASE + path, {"file": upload, "description": "Permit"}, **headers)
    return getattr(client, method)(BASE + path, **headers)


def _headers(kind, tokens):
    if kind in ("none", "session"):
        return {}
    if kind == "forged":
        return bearer(tokens["own"][:-4] + "AAAA")
    return bearer(tokens[kind])


@pytest.mark.parametrize("kind", list(EXPECTED))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_every_caller_on_every_endpoint(client, people, apps, tokens, kind, endpoint):
    name, method, template = endpoint
    if kind == "session":
        client.force_login(people["admin"])
    response = _call(client, method, template.format(ref=apps["a1"].reference), _headers(kind, tokens))
    assert response.status_code == EXPECTED[kind][name], (kind, name, response.content)
    if response.status_code >= 400:
        error = response.json()["error"]
        code = {401: "not_authenticated", 403: "forbidden", 404: "not_found"}[response.status_code]
        assert error["code"] == code and error["message"]
    if kind == "other" and name == "list":
        assert {item["reference"] for item in response.json()["items"]} == {apps["b1"].reference}
    if kind == "other" and name != "list" and name != "deliveries":
        application = Application.objects.get(pk=apps["a1"].pk)
        assert application.state == "submitted" and not application.documents.filter(kind="result").exists()


@pytest.mark.parametrize("endpoint", ENDPOINTS[1:4], ids=[e[0] for e in ENDPOINTS[1:4]])
def test_missing_request_is_the_same_404(client, apps, tokens, endpoint):
    _name, method, template = endpoint
    response = _call(client, method, template.format(ref="NOPE-2026-000000"), bearer(tokens["own"]))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_entity_b_key_acts_on_its_own_requests_only(client, apps, tokens):
    ref_b = apps["b1"].reference
    response = _call(client, "post", f"/applications/{ref_b}/transitions", bearer(tokens["other"]))
    assert response.status_code == 200 and response.json()["entity"] == "ENT-B"
    response = _call(client, "post", f"/applications/{ref_b}/transitions", bearer(tokens["own"]))
    assert response.status_code == 404


def test_list_filters_status_and_pages(client, people, apps, tokens):
    from manassa.applications.services import application_transition

    headers = bearer(tokens["own"])
    application_transition(actor=people["customer"], application=apps["a2"], action="withdraw")
    open_refs = [i["reference"] for i in client.get(f"{BASE}/applications", **headers).json()["items"]]
    assert open_refs == [apps["a1"].reference]
    closed = client.get(f"{BASE}/applications?status=closed", **headers).json()["items"]
    assert [i["reference"] for i in closed] == [apps["a2"].reference]
    assert closed[0]["outcome"] == "withdrawn" and closed[0]["closed_at"]
    first = client.get(f"{BASE}/applications?status=all&limit=1", **headers).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = client.get(f"{BASE}/applications", {"status": "all", "limit": 1, "cursor": first["next_cursor"]},
                        **headers).json()
    refs = {first["items"][0]["reference"], second["items"][0]["reference"]}
    assert refs == {apps["a1"].reference, apps["a2"].reference} and second["next_cursor"] is None
    assert client.get(f"{BASE}/applications?state=in_review", **headers).json()["items"] == []
    assert client.get(f"{BASE}/applications?service=B-APPLY", **headers).json()["items"] == []
    assert client.get(f"{BASE}/applications?cursor=nonsense", **headers).status_code == 422
    assert client.get(f"{BASE}/applications?status=draft", **headers).status_code == 422


def test_detail_shows_the_actions_open_to_the_key(client, apps, tokens):
    ref = apps["a1"].reference
    detail = client.get(f"{BASE}/applications/{ref}", **bearer(tokens["own"])).json()
    assert detail["reference"] == ref and detail["state"]["key"] == "submitted"
    assert [a["key"] for a in detail["actions"]] == ["start_review"]
    assert detail["answers"] == {"full_name": "First"} and detail["history"][0]["action"] == "submit"
    read_only = client.get(f"{BASE}/applications/{ref}", **bearer(tokens["read"])).json()
    assert read_only["actions"] == []


def test_transition_by_key_is_recorded_with_the_key(client, apps, tokens):
    ref = apps["a1"].reference
    prefix = tokens["own"].split("_")[1]
    response = _call(client, "post", f"/applications/{ref}/transitions", bearer(tokens["own"]))
    assert response.status_code == 200 and response.json()["state"]["key"] == "in_review"
    event = ApplicationEvent.objects.get(application=apps["a1"], action="start_review")
    assert event.actor is None
    audit = AuditEvent.objects.get(action="application.start_review")
    assert audit.actor_label == "system" and audit.changes["via"] == prefix


def test_transition_conflicts_and_refusals(client, apps, tokens):
    ref = apps["a1"].reference
    headers = bearer(tokens["own"])

    def act(body):
        return client.post(f"{BASE}/applications/{ref}/transitions", data=json.dumps(body),
                           content_type="application/json", **headers)

    # The request moved on since the state the system saw: nothing changes.
    stale = act({"action": "start_review", "state": "in_review"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "transition_not_allowed"
    assert Application.objects.get(pk=apps["a1"].pk).state == "submitted"
    assert act({"action": "start_review", "state": "submitted"}).status_code == 200
    again = act({"action": "start_review", "state": "submitted"})
    assert again.status_code == 409
    # The applicant's own action is not open to an officer's key.
    assert act({"action": "withdraw"}).status_code == 409
    missing_comment = act({"action": "request_info", "state": "in_review"})
    assert missing_comment.status_code == 400 and "comment" in missing_comment.json()["error"]["fields"]
    assert act({"action": "x" * 41}).status_code == 422


def test_result_upload_checks_the_content(client, apps, tokens):
    ref = apps["a1"].reference
    headers = bearer(tokens["own"])
    fake = SimpleUploadedFile("permit.pdf", b"not a pdf at all, just text", content_type="application/pdf")
    response = client.post(f"{BASE}/applications/{ref}/results", {"file": fake}, **headers)
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]
    assert not ApplicationDocument.objects.filter(kind="result").exists()
    assert client.post(f"{BASE}/applications/{ref}/results", {}, **headers).status_code == 422
    upload = SimpleUploadedFile("permit.pdf", PDF, content_type="application/pdf")
    response = client.post(f"{BASE}/applications/{ref}/results", {"file": upload, "description": "Permit"},
                           **headers)
    assert response.status_code == 201
    document = ApplicationDocument.objects.get(ref=response.json()["ref"])
    assert document.kind == "result" and document.content_type == "application/pdf"
    assert document.uploaded_by is None and document.application_id == apps["a1"].pk
    audit = AuditEvent.objects.get(action="apikey.result_uploaded")
    assert audit.changes["via"] == tokens["own"].split("_")[1] and audit.changes["document"] == document.ref


def test_rotated_key_stops_after_the_grace_period(client, apps, tokens):
    old = EntityApiKey.objects.get(name="rotating", rotated_from__isnull=True)
    assert timedelta(hours=23) < old.expires_at - timezone.now() <= timedelta(hours=24)
    assert client.get(f"{BASE}/applications", **bearer(tokens["in_grace"])).status_code == 200
    EntityApiKey.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"{BASE}/applications", **bearer(tokens["in_grace"])).status_code == 401
    assert client.get(f"{BASE}/applications", **bearer(tokens["successor"])).status_code == 200


def test_list_is_a_constant_number_of_queries(client, people, apps, tokens, django_assert_max_num_queries):
    from manassa.integrations.tests.conftest import make_apply_service, submit

    service = make_apply_service(apps["a1"].entity, "A-MORE")
    for index in range(5):
        submit(people["customer"], service, f"More {index}")
    with django_assert_max_num_queries(6):
        response = client.get(f"{BASE}/applications?status=all", **bearer(tokens["own"]))
    assert len(response.json()["items"]) == 7
