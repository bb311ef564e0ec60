"""Receipts: issued once per confirmed payment through the certificates app, bilingual, verifiable by anyone,
showing the money and what it paid for and nothing else about the payer."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from manassa.accounts.tests.factories import make_user
from manassa.certificates.models import IssuedDocument
from manassa.core.events import events_dispatch
from manassa.payments.gateways import sandbox_secret
from manassa.payments.models import Invoice, Payment, PaymentStatus
from manassa.payments.receipts import payment_receipt_issue
from manassa.payments.sandbox import bank
from manassa.payments.sandbox.models import SandboxCharge
from manassa.payments.services import (
    payment_return_handle,
    payment_start,
    payments_inbox_settle,
    payments_settle_pending,
)
from manassa.payments.tests.test_resident import DECLINED, SUCCESS, make_paid_request

CALLBACK = "/payments/callback/sandbox/"
TIMEOUT = "4000000000000119"


@pytest.fixture(autouse=True)
def _calendars(db):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)


@pytest.fixture
def invoice(people, entity_a, customer):
    return make_paid_request(people, entity_a, customer)


def _pay(invoice, card, key="tab-1"):
    payment = payment_start(actor=invoice.payer, invoice=invoice, idempotency_key=key)
    charge = bank.charge_pay(reference=payment.gateway_reference, card_number=card, callback_mode="drop")
    return payment, charge


def _callback(client, charge):
    charge.refresh_from_db()
    body = bank.callback_body(bank.charge_payload(charge))
    response = client.post(CALLBACK, body, content_type="application/json",
                           HTTP_X_SANDBOX_SIGNATURE=bank.sign(sandbox_secret(), body))
    payments_inbox_settle()  # the scheduler's jobs: the stored notification settled, then the outbox told
    events_dispatch()  # receipts are issued after the commit, from the event outbox (the scheduler's job)
    return response


def _receipts():
    return IssuedDocument.objects.filter(kind="receipt")


def _fields(document, language):
    return {f["label"][language]: f["value"][language] for f in document.fields}


def test_a_receipt_is_issued_once_whatever_tells_of_the_payment(invoice, client):
    payment, charge = _pay(invoice, SUCCESS)
    assert not _receipts().exists()
    for _ in range(3):
        assert _callback(client, charge).status_code == 204
    payment_return_handle(actor=invoice.payer, reference=payment.reference)
    payment_receipt_issue(payment=payment)  # and once more by hand: still the same one
    receipt = _receipts().get()
    assert receipt.source_key == f"payment:{payment.pk}"
    assert receipt.holder_id == invoice.payer_id and receipt.entity_id == invoice.entity_id
    assert receipt.application_id == invoice.application_id and receipt.service_id == invoice.application.service_id
    assert (receipt.title_ar, receipt.title_en) == ("إيصال دفع", "Payment receipt")
    assert receipt.number.startswith("RCPT-")


def test_a_failed_payment_has_no_receipt(invoice, client):
    _payment, charge = _pay(invoice, DECLINED)
    _callback(client, charge)
    assert not _receipts().exists()


def test_the_receipt_says_what_was_paid_for_in_both_languages_and_nothing_about_the_payer(invoice, client):
    payment, charge = _pay(invoice, SUCCESS)
    _callback(client, charge)
    payment.refresh_from_db()
    receipt = _receipts().get()
    english, arabic = _fields(receipt, "en"), _fields(receipt, "ar")
    assert english["Amount received"] == "110.50 AED"
    assert english["Invoice number"] == invoice.number and english["Payment reference"] == payment.reference
    assert receipt.fields[4]["value"] == {"ar": "عقد إيجار", "en": "Lease registration"}
    assert english["Paid for"] == "Lease registration"
    assert english["Request number"] == invoice.application.reference
    assert english["Service fee"] == "100.00 AED" and english["Knowledge fee"] == "10.50 AED"
    assert arabic["رسوم الخدمة"].startswith("100.00") and arabic["رسوم المعرفة"].startswith("10.50")
    assert str(timezone.localtime(payment.succeeded_at).year) in english["Paid on"]
    shown = repr(receipt.fields)
    payer = invoice.payer
    assert payer.email not in shown and (not payer.get_full_name() or payer.get_full_name() not in shown)


def test_the_verification_page_shows_the_receipt_valid(invoice, client):
    _payment, charge = _pay(invoice, SUCCESS)
    _callback(client, charge)
    receipt = _receipts().get()
    with translation.override("en"):
        url = reverse("certificates:verify", args=[receipt.code])
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "alert-success" in html and "Payment receipt" in html and receipt.number in html
    assert invoice.number in html and "110.50 AED" in html and "Lease registration" in html
    assert invoice.payer.email not in html


def test_the_payer_downloads_the_receipt_pdf_and_nobody_else(invoice, client, people):
    _payment, charge = _pay(invoice, SUCCESS)
    _callback(client, charge)
    receipt = _receipts().get()
    with translation.override("en"):
        url = reverse("certificates:my_document", args=[receipt.number]) + "?download=1"
    client.force_login(invoice.payer)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content)[:5] == b"%PDF-"
    for user in (make_user("stranger@example.test"), people["officer"]):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_a_double_payment_gets_its_receipt_too(invoice, client):
    first, first_charge = _pay(invoice, TIMEOUT)
    SandboxCharge.objects.filter(pk=first_charge.pk).update(status="pending")
    payments_settle_pending(now=timezone.now() + timedelta(days=2))  # given up on: abandoned
    SandboxCharge.objects.filter(pk=first_charge.pk).update(status="succeeded", failure_code="")
    second, second_charge = _pay(invoice, SUCCESS, key="tab-2")
    _callback(client, second_charge)
    _callback(client, first_charge)  # the first one's success arrives late: paid twice
    first.refresh_from_db()
    assert first.status == PaymentStatus.SUCCEEDED
    receipts = {r.source_key: r for r in _receipts()}
    assert set(receipts) == {f"payment:{first.pk}", f"payment:{second.pk}"}
    assert _fields(receipts[f"payment:{first.pk}"], "en")["Payment reference"] == first.reference
    # The resident's return page for the late one says it will be refunded.
    client.force_login(invoice.payer)
    with translation.override("en"):
        url = reverse("payments:return", args=[first.reference])
    html = client.get(url).content.decode()
    assert "will be refunded" in html and receipts[f"payment:{first.pk}"].number in html


def test_a_bill_receipt_names_the_bill(customer, entity_a, client):
    bill = Invoice.objects.create(
        number="INV-2026-BILL0002", application=None, bill_provider="x", bill_reference="778899",
        title={"ar": "فاتورة المياه", "en": "Water bill"}, entity=entity_a, payer=customer, step="bill",
        lines=[{"kind": "other", "label": {"ar": "استهلاك", "en": "Consumption"}, "amount": 12000}],
        total=12000, expires_at=timezone.now() + timedelta(days=7))
    _payment, charge = _pay(bill, SUCCESS)
    _callback(client, charge)
    receipt = _receipts().get()
    assert receipt.application_id is None and receipt.service_id is None
    english, arabic = _fields(receipt, "en"), _fields(receipt, "ar")
    assert english["Paid for"] == "Water bill" and english["Bill number"] == "778899"
    assert "فاتورة المياه" in arabic.values() and english["Consumption"] == "120.00 AED"
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED
