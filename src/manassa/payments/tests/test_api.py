"""The payments entity-system API: every endpoint with every kind of caller, the entity boundary, filters, pages."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from manassa.applications.services import (
    application_answers_save,
    application_start,
    application_submit,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.tests.factories import make_sector, make_service
from manassa.entities.services import api_key_issue, api_key_revoke, api_key_rotate
from manassa.payments.gateways import sandbox_secret
from manassa.payments.models import Invoice, InvoiceStatus, Payment, PaymentStatus
from manassa.payments.sandbox import bank
from manassa.payments.sandbox.models import SandboxCharge
from manassa.payments.services import (
    invoice_create,
    payment_start,
    payments_inbox_settle,
    payments_settle_pending,
    refund_decide,
    refund_execute,
    refund_request,
)
from manassa.payments.tests.matrix_api import API

BASE = "/api/v1/system"
SUCCESS, DECLINED, TIMEOUT = "4000000000000002", "4000000000000010", "4000000000000119"
FORM = {"format": "manassa-form/1", "pages": [{"key": "p", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
    {"key": "full_name", "type": "text", "label": {"ar": "الاسم", "en": "Name"}, "required": True}]}]}
LINES = [{"kind": "service", "label": {"ar": "رسوم الخدمة", "en": "Service fee"}, "amount": 15000},
         {"kind": "knowledge", "label": {"ar": "رسوم المعرفة", "en": "Knowledge fee"}, "amount": 1000}]


@pytest.fixture(autouse=True)
def _calendars(db):
    # Transactional tests (test_faults_postgres.py) empty every table, the migrated calendars too.
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _request(customer, entity, code):
    service = make_service(entity=entity, sector=make_sector(), code=code, name_ar="خدمة", name_en="Service")
    service_form_publish(actor=None, service=service, definition=FORM)
    service_workflow_publish(actor=None, service=service, definition=TEMPLATES["simple_approval"])
    application = application_start(actor=customer, service=service)
    application_answers_save(actor=customer, application=application, answers={"full_name": "Maryam"})
    return application_submit(actor=customer, application=application)


def _pay(client, invoice, customer, card, key):
    payment = payment_start(actor=customer, invoice=invoice, idempotency_key=key)
    charge = bank.charge_pay(reference=payment.gateway_reference, card_number=card)
    body = bank.callback_body(bank.charge_payload(charge))
    response = client.post("/payments/callback/sandbox/", body, content_type="application/json",
                           HTTP_X_SANDBOX_SIGNATURE=bank.sign(sandbox_secret(), body))
    assert response.status_code == 204
    payments_inbox_settle()  # the scheduler's job settles the stored notification
    payment.refresh_from_db()
    return payment


@pytest.fixture
def money(client, people, entity_a, entity_b):
    """Entity A: a paid invoice (a declined try, then a success partly refunded) and an open one; entity B: one."""
    customer = people["customer"]
    paid = invoice_create(actor=None, application=_request(customer, entity_a, "A-PAY"), lines=LINES)
    declined = _pay(client, paid, customer, DECLINED, "tab-1")
    succeeded = _pay(client, paid, customer, SUCCESS, "tab-2")
    refund = refund_request(actor=people["officer"], payment=succeeded, amount=2500, reason="Service not provided")
    refund_decide(actor=people["supervisor"], refund=refund, approve=True)
    refund_execute(refund_id=refund.pk)
    open_a = invoice_create(actor=None, application=_request(customer, entity_a, "A-OTHER"), lines=LINES[:1])
    other = invoice_create(actor=None, application=_request(customer, entity_b, "B-PAY"), lines=LINES[:1])
    other_payment = payment_start(actor=customer, invoice=other, idempotency_key="b-tab")
    return {"paid": Invoice.objects.get(pk=paid.pk), "open": open_a, "other": other, "declined": declined,
            "succeeded": succeeded, "other_payment": other_payment}


@pytest.fixture
def tokens(entity_a, entity_b):
    _own, own = api_key_issue(actor=None, entity=entity_a, name="finance", scope="read")
    _write, write = api_key_issue(actor=None, entity=entity_a, name="erp", scope="write")
    _other, other = api_key_issue(actor=None, entity=entity_b, name="B finance", scope="read")
    revoked_key, revoked = api_key_issue(actor=None, entity=entity_a, name="old", scope="read")
    api_key_revoke(actor=None, key=revoked_key)
    expired_key, expired = api_key_issue(actor=None, entity=entity_a, name="rotated out", scope="read")
    api_key_rotate(actor=None, key=expired_key, grace=timedelta(0))
    return {"own": own, "write": write, "other": other, "revoked": revoked, "expired": expired}


def _headers(kind, tokens):
    if kind in ("none", "session"):
        return {}
    if kind == "forged":
        return {"HTTP_AUTHORIZATION": f"Bearer {tokens['own'][:-4]}AAAA"}
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens[kind]}"}


ENDPOINTS = [("list", "/invoices"), ("invoice", "/invoices/{invoice}"), ("payment", "/payments/{payment}")]
OK = dict.fromkeys(["list", "invoice", "payment"], 200)
EXPECTED = {
    "own": OK,
    "write": OK,
    "other": {**OK, "invoice": 404, "payment": 404},  # entity B's key: A's invoice and payment are not there
    "revoked": dict.fromkeys(OK, 401),
    "expired": dict.fromkeys(OK, 401),
    "forged": dict.fromkeys(OK, 401),
    "none": dict.fromkeys(OK, 401),
    "session": dict.fromkeys(OK, 401),  # entity A's administrator in a browser is not a key
}


@pytest.mark.parametrize("kind", list(EXPECTED))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_every_caller_on_every_endpoint(client, people, money, tokens, kind, endpoint):
    name, template = endpoint
    if kind == "session":
        client.force_login(people["admin"])
    path = template.format(invoice=money["paid"].number, payment=money["succeeded"].reference)
    response = client.get(BASE + path, **_headers(kind, tokens))
    assert response.status_code == EXPECTED[kind][name], (kind, name, response.content)
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] == {401: "not_authenticated", 404: "not_found"}[response.status_code]
        assert error["message"]
    if kind == "other" and name == "list":
        assert [item["number"] for item in response.json()["items"]] == [money["other"].number]


def test_another_entitys_objects_are_the_same_404_as_missing_ones(client, money, tokens):
    headers = _headers("other", tokens)
    bodies = []
    for path in (f"/invoices/{money['paid'].number}", "/invoices/INV-2026-NOSUCH0000",
                 f"/payments/{money['succeeded'].reference}", "/payments/PAY-2026-NOSUCH0000",
                 "/invoices/" + "X" * 40, "/payments/%00"):
        response = client.get(BASE + path, **headers)
        assert response.status_code == 404, path
        bodies.append(response.json())
    # Nothing tells "exists elsewhere" from "missing".
    assert bodies[0]["error"]["code"] == "not_found" and bodies[0]["error"]["message"]
    assert all(body == bodies[0] for body in bodies)
    # B's own payment is there for B, not for A.
    assert client.get(f"{BASE}/payments/{money['other_payment'].reference}", **headers).status_code == 200
    assert client.get(f"{BASE}/payments/{money['other_payment'].reference}",
                      **_headers("own", tokens)).status_code == 404


def test_invoice_shows_lines_status_and_every_payment(client, money, tokens):
    invoice = money["paid"]
    body = client.get(f"{BASE}/invoices/{invoice.number}", **_headers("own", tokens)).json()
    assert body["number"] == invoice.number and body["request"] == invoice.application.reference
    assert body["status"] == "paid" and body["total"] == 16000 and body["currency"] == "AED"
    assert body["lines"] == LINES
    assert body["paid_at"] and body["paid_by"] == money["succeeded"].reference and body["expires_at"]
    assert [(p["reference"], p["status"], p["failure_code"]) for p in body["payments"]] == [
        (money["declined"].reference, "failed", "declined"), (money["succeeded"].reference, "succeeded", "")]
    assert all(p["gateway"] == "sandbox" and p["amount"] == 16000 for p in body["payments"])

    open_body = client.get(f"{BASE}/invoices/{money['open'].number}", **_headers("own", tokens)).json()
    assert (open_body["status"], open_body["paid_at"], open_body["paid_by"], open_body["payments"]) == \
        ("open", None, None, [])


def test_payment_shows_status_amount_gateway_and_refunds(client, money, tokens):
    body = client.get(f"{BASE}/payments/{money['succeeded'].reference}", **_headers("own", tokens)).json()
    assert (body["status"], body["amount"], body["gateway"], body["currency"]) == ("succeeded", 16000, "sandbox", "AED")
    assert body["invoice"] == money["paid"].number and body["request"] == money["paid"].application.reference
    assert body["refunded"] == 2500
    [refund] = body["refunds"]
    assert (refund["amount"], refund["status"], refund["automatic"]) == (2500, "executed", False)
    assert refund["executed_at"]
    declined = client.get(f"{BASE}/payments/{money['declined'].reference}", **_headers("own", tokens)).json()
    assert (declined["status"], declined["failure_code"], declined["refunds"], declined["refunded"]) == \
        ("failed", "declined", [], 0)


def test_list_filters(client, money, tokens):
    headers = _headers("own", tokens)

    def numbers(**params):
        response = client.get(f"{BASE}/invoices", params, **headers)
        assert response.status_code == 200, response.content
        return [item["number"] for item in response.json()["items"]]

    paid, open_ = money["paid"].number, money["open"].number
    assert numbers() == [open_, paid]  # newest first; entity B's invoice is not there
    assert numbers(status="paid") == [paid]
    assert numbers(status="open") == [open_]
    assert numbers(status="expired") == []
    assert numbers(request=money["paid"].application.reference) == [paid]
    assert numbers(request=money["other"].application.reference) == []  # entity B's request
    Invoice.objects.filter(pk=money["paid"].pk).update(created_at=timezone.now() - timedelta(days=10))
    week_ago = (timezone.now() - timedelta(days=7)).isoformat()
    assert numbers(created_after=week_ago) == [open_]
    assert numbers(created_before=week_ago) == [paid]
    naive = (timezone.localtime() - timedelta(days=7)).replace(tzinfo=None).isoformat()  # the platform's zone
    assert numbers(created_after=naive) == [open_]
    item = client.get(f"{BASE}/invoices", {"status": "paid"}, **headers).json()["items"][0]
    assert item["paid_by"] == money["succeeded"].reference and item["total"] == 16000 and "lines" not in item


def test_keyset_pages_walk_every_invoice_once(client, people, money, tokens, entity_a):
    application = money["open"].application
    for step in range(5):
        invoice_create(actor=None, application=application, step=f"extra-{step}", lines=LINES[:1])
    expected = list(Invoice.objects.filter(entity=entity_a).order_by("-id").values_list("number", flat=True))
    assert len(expected) == 7
    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{BASE}/invoices", params, **_headers("own", tokens)).json()
        seen += [item["number"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


@pytest.mark.parametrize("params", [{"cursor": "abc"}, {"cursor": "-5"}, {"limit": 0}, {"limit": 201},
                                    {"status": "refunded"}, {"created_after": "yesterday"},
                                    {"created_after": "2026-11-21T10:00:00+04:00",
                                     "created_before": "2026-11-20T10:00:00+04:00"},
                                    {"request": "A\x00B"}])
def test_invalid_filters_are_422_in_the_error_shape(client, money, tokens, params):
    response = client.get(f"{BASE}/invoices", params, **_headers("own", tokens))
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "invalid_input"


def test_a_double_payment_shows_its_automatic_refund(client, people, money, tokens):
    """Two payments succeed for one invoice (the first one's success arrived late): both show, one refunded."""
    invoice = money["open"]
    customer = people["customer"]
    first = payment_start(actor=customer, invoice=invoice, idempotency_key="first")
    # The bank took the first payment's money but nobody heard back; the platform gave up on it.
    charge = bank.charge_pay(reference=first.gateway_reference, card_number=TIMEOUT)
    SandboxCharge.objects.filter(pk=charge.pk).update(status="pending")
    payments_settle_pending(now=timezone.now() + timedelta(days=2))
    assert Payment.objects.get(pk=first.pk).status == PaymentStatus.FAILED
    SandboxCharge.objects.filter(pk=charge.pk).update(status="succeeded", failure_code="")
    second = _pay(client, invoice, customer, SUCCESS, "second")
    charge.refresh_from_db()
    body = bank.callback_body(bank.charge_payload(charge))
    client.post("/payments/callback/sandbox/", body, content_type="application/json",
                HTTP_X_SANDBOX_SIGNATURE=bank.sign(sandbox_secret(), body))
    payments_inbox_settle()
    detail = client.get(f"{BASE}/invoices/{invoice.number}", **_headers("own", tokens)).json()
    assert detail["status"] == InvoiceStatus.PAID and detail["paid_by"] == second.reference
    assert [p["status"] for p in detail["payments"]] == ["succeeded", "succeeded"]
    late = client.get(f"{BASE}/payments/{first.reference}", **_headers("own", tokens)).json()
    assert [(r["status"], r["automatic"], r["amount"]) for r in late["refunds"]] == [("requested", True, 15000)]
    assert late["refunded"] == 0


@pytest.mark.parametrize("role", ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin",
                                  "do_analyst", "auditor"])
@pytest.mark.parametrize("case", API, ids=[c[0] for c in API])
def test_permission_matrix_rows(client, people, money, role, case):
    _id, method, path, expected = case
    if role != "anonymous":
        client.force_login(people[role])
    response = getattr(client, method)(path)
    assert response.status_code == expected[role]
    assert response.json()["error"]["code"] == "not_authenticated"
