"""The public reporting and tracking pages, and the back office: every page for every role, own and other entity."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from manassa.complaints.models import Case, CaseState
from manassa.complaints.services import case_submit, case_transition
from manassa.complaints.tests.factories import PDF, make_category, photo

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]


def test_anonymous_report_with_photo_and_tracking_link(client, entity_a, people):
    category = make_category(entity=entity_a, code="A-ROADS")
    assert client.get("/en/feedback/").status_code == 200
    assert client.get("/en/feedback/new/?kind=complaint").status_code == 200
    response = client.post("/en/feedback/new/", {
        "kind": "complaint", "category": "A-ROADS", "description": "Pothole", "address": "Al Wahda St",
        "lat": "25.34", "long": "55.41", "contact_email": "anon@example.test", "attachments": [photo()]})
    case = Case.objects.get()
    assert response.status_code == 302 and case.category == category and case.reporter is None
    page = client.get(response["Location"])
    link = re.search(rb'href="(http[^"]+/feedback/t/[^"]+/)"', page.content).group(1).decode()
    assert client.get(response["Location"]).content.count(b"/feedback/t/") == 0  # shown once
    from django.core import mail

    from manassa.complaints.tasks import case_tracking_email_send

    token = link.rstrip("/").rsplit("/", 1)[-1]
    case_tracking_email_send.call(case.pk, token, "en")
    assert f"/en/feedback/t/{token}/" in mail.outbox[-1].body
    # Another visitor sees nothing until they open the link.
    stranger = Client()
    assert stranger.get(f"/en/feedback/cases/{case.reference}/").status_code == 404
    attachment = case.attachments.get()
    assert stranger.get(f"/en/feedback/cases/{case.reference}/files/{attachment.ref}/").status_code == 404
    assert stranger.get(link.split("testserver")[-1]).status_code == 302
    assert stranger.get(f"/en/feedback/cases/{case.reference}/").status_code == 200
    assert stranger.get(f"/en/feedback/cases/{case.reference}/files/{attachment.ref}/").status_code == 200
    assert Client().get("/en/feedback/t/forged-token/").status_code == 404


def test_reporter_reopens_and_rates(client, entity_a, people):
    case = case_submit(actor=people["customer"], kind="complaint", description="Noise",
                       category=make_category(entity=entity_a, code="A-N")).case
    client.force_login(people["customer"])
    assert client.get("/en/feedback/mine/").status_code == 200
    url = f"/en/feedback/cases/{case.reference}/"
    assert client.post(url + "act/reopen/", {"comment": "x"}).status_code == 400  # not resolved yet
    assert client.post(url + "act/resolve/", {"comment": "x"}).status_code == 400  # a staff action
    case_transition(actor=people["officer"], case=case, action="resolve", comment="Done")
    page = client.get(url)
    assert b"Done" in page.content and b"Reopen" in page.content
    assert client.post(url + "act/reopen/", {"comment": "Still noisy", "state": "resolved"}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.REOPENED
    case_transition(actor=people["officer"], case=case, action="resolve", comment="Done again")
    assert client.post(url + "rate/", {"score": "3", "comment": "Good"}).status_code == 302
    assert client.post(url + "rate/", {"score": "3"}).status_code == 400
    other = Client()
    from manassa.accounts.tests.factories import make_user

    other.force_login(make_user("nosy@example.test"))
    for path in ("", "act/reopen/", "rate/", "received/"):
        method = other.get if path in ("", "received/") else other.post
        assert method(url + path).status_code == 404, path


def test_track_form(client, entity_a):
    result = case_submit(actor=None, kind="enquiry", description="Hours?", entity=entity_a)
    assert client.post("/en/feedback/track/", {"code": "nope"}).status_code == 400
    response = client.post("/en/feedback/track/", {"code": f"https://x/en/feedback/t/{result.token}/"})
    assert response.status_code == 302 and client.get(response["Location"]).status_code == 200


def test_report_errors_keep_input(client, entity_a):
    response = client.post("/en/feedback/new/", {"kind": "complaint", "description": "Text", "lat": "48",
                                                  "long": "2", "attachments": [
                                                      __import__("manassa.complaints.tests.factories",
                                                                 fromlist=["fake"]).fake()]})
    assert response.status_code == 200 and b"Text" in response.content
    assert not Case.objects.exists()


def test_arabic_pages_render(client, entity_a, people):
    make_category(entity=entity_a, code="A-R")
    for path in ("/ar/feedback/", "/ar/feedback/new/", "/ar/feedback/track/"):
        assert client.get(path).status_code == 200


# --- back office ------------------------------------------------------------------------------


@pytest.fixture
def cases(entity_a, entity_b, people):
    a = case_submit(actor=None, kind="complaint", description="Pothole near school", lat=25.34, long=55.41,
                    category=make_category(entity=entity_a, code="A-C")).case
    a2 = case_submit(actor=None, kind="complaint", description="Pothole near the school", lat=25.3401,
                     long=55.4101, category=a.category, uploads=[photo()]).case
    b = case_submit(actor=None, kind="complaint", description="Other",
                    category=make_category(entity=entity_b, code="B-C")).case
    triage = case_submit(actor=None, kind="enquiry", description="Who handles this?").case
    return {"A": a, "A2": a2, "B": b, "T": triage}


STAFF = {"officer", "supervisor", "admin"}
DO = {"do_admin", "do_analyst"}


def _as(role, people):
    client = Client()
    if role != "anonymous":
        client.force_login(people[role])
    return client


def _expect(role, *, staff, do, other, anonymous="login"):
    if role == "anonymous":
        return anonymous
    if role in STAFF:
        return staff
    if role in DO:
        return do
    return other


@pytest.mark.parametrize("role", ROLES)
def test_backoffice_pages_by_role(role, people, cases):
    client = _as(role, people)

    def check(method, url, expected, data=None):
        response = getattr(client, method)(url, data or {})
        if expected == "login":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        else:
            assert response.status_code == expected, (role, url, response.status_code)

    a, b, t = cases["A"].reference, cases["B"].reference, cases["T"].reference
    attachment = cases["A2"].attachments.get().ref
    check("get", "/en/backoffice/cases/", _expect(role, staff=200, do=200, other=403))
    check("get", "/en/backoffice/cases/triage/", _expect(role, staff=403, do=200, other=403))
    check("get", f"/en/backoffice/cases/{a}/", _expect(role, staff=200, do=200, other=404))
    check("get", f"/en/backoffice/cases/{b}/", _expect(role, staff=404, do=200, other=404))
    check("get", f"/en/backoffice/cases/{t}/", _expect(role, staff=404, do=200, other=404))
    check("get", f"/en/backoffice/cases/{cases['A2'].reference}/files/{attachment}/",
          _expect(role, staff=200, do=200, other=404))
    # Acting on another entity's case: 404 for entity staff; the Digital Office cannot handle cases.
    check("post", f"/en/backoffice/cases/{b}/act/", _expect(role, staff=404, do=403, other=404),
          {"action": "acknowledge"})
    check("post", f"/en/backoffice/cases/{b}/assign/", _expect(role, staff=404, do=403, other=404))
    check("post", f"/en/backoffice/cases/{b}/note/", _expect(role, staff=404, do=302 if role == "do_admin" else 403,
                                                             other=404), {"text": "n"})
    check("post", f"/en/backoffice/cases/{b}/merge/", _expect(role, staff=404, do=403, other=404),
          {"into": a})
    check("post", f"/en/backoffice/cases/{b}/transfer/",
          _expect(role, staff=404, do=302 if role == "do_admin" else 403, other=404),
          {"entity": "ENT-A", "reason": "ours"})
    # Own entity's case.
    check("post", f"/en/backoffice/cases/{a}/act/", _expect(role, staff=302, do=403, other=404),
          {"action": "acknowledge", "state": "new"})
    check("post", f"/en/backoffice/cases/{a}/assign/",
          _expect(role, staff=302, do=403, other=404), {"assignee": "me"})
    check("post", f"/en/backoffice/cases/{a}/note/", _expect(role, staff=302, do=302 if role == "do_admin" else 403,
                                                             other=404), {"text": "n"})
    check("post", f"/en/backoffice/cases/{cases['A2'].reference}/merge/",
          _expect(role, staff=302, do=403, other=404), {"into": a})
    check("post", f"/en/backoffice/cases/{t}/transfer/",
          _expect(role, staff=404, do=302 if role == "do_admin" else 403, other=404), {"entity": "ENT-A"})


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_transfer_needs_a_supervisor(role, people, cases):
    client = _as(role, people)
    response = client.post(f"/en/backoffice/cases/{cases['A'].reference}/transfer/",
                           {"entity": "ENT-B", "reason": "Theirs"})
    assert response.status_code == (403 if role == "officer" else 302)


def test_officer_handles_and_sees_duplicates(people, cases):
    client = _as("officer", people)
    page = client.get(f"/en/backoffice/cases/{cases['A'].reference}/")
    assert cases["A2"].reference.encode() in page.content  # suggested duplicate
    url = f"/en/backoffice/cases/{cases['A'].reference}/act/"
    assert client.post(url, {"action": "resolve", "comment": ""}).status_code == 400
    assert client.post(url, {"action": "reopen", "comment": "x"}).status_code == 400  # a reporter action
    assert client.post(url, {"action": "resolve", "comment": "Fixed", "state": "acknowledged"}).status_code == 400
    assert client.post(url, {"action": "resolve", "comment": "Fixed", "state": "new"}).status_code == 302
    assert Case.objects.get(pk=cases["A"].pk).state == CaseState.RESOLVED
    assert client.get("/en/backoffice/cases/?state=&overdue=1&mine=1").status_code == 200
    assert client.get("/ar/backoffice/cases/").status_code == 200


def test_staff_file_is_served_privately(people, cases):
    response = _as("officer", people).get(
        f"/en/backoffice/cases/{cases['A2'].reference}/files/{cases['A2'].attachments.get().ref}/")
    assert response["Cache-Control"] == "private, no-store" and response["X-Content-Type-Options"] == "nosniff"


def test_pdf_is_accepted(client, entity_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post("/en/feedback/new/", {"kind": "suggestion", "entity": "ENT-A", "description": "Idea",
                                      "attachments": [SimpleUploadedFile("a.pdf", PDF)]})
    assert Case.objects.get().attachments.get().content_type == "application/pdf"
    assert reverse("complaints:start")
