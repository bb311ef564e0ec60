"""The resident's payment pages: the invoice and its Pay button, the return from the gateway, My payments,
and the payment block on the request's page — through the real sandbox gateway."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from manassa.accounts.tests.factories import make_user
from manassa.applications.services import (
    application_answers_save,
    application_start,
    application_submit,
    application_transition,
    service_form_publish,
    service_workflow_publish,
)
from manassa.applications.workflow import TEMPLATES
from manassa.catalog.tests.factories import make_sector, make_service
from manassa.payments.gateways.base import GatewayError
from manassa.payments.gateways.sandbox import SandboxGateway
from manassa.payments.models import FeeLine, FeeSchedule, Invoice, InvoiceStatus, Payment, PaymentStatus
from manassa.payments.sandbox import bank
from manassa.payments.services import payment_start

SUCCESS, DECLINED, NO_FUNDS = "4000000000000002", "4000000000000010", "4000000000000028"
FORM = {
    "format": "manassa-form/1",
    "pages": [{"key": "details", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
        {"key": "annual_rent", "type": "number", "label": {"ar": "الإيجار السنوي", "en": "Annual rent"},
         "required": True, "min": 0},
    ]}],
}


class DownGateway(SandboxGateway):
    """The payment provider is down: the outside world, standing in for a gateway that cannot be reached."""

    def session_create(self, request):
        raise GatewayError("connection refused")


@pytest.fixture(autouse=True)
def _english(db):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)
    with translation.override("en"):
        yield


def make_paid_request(people, entity, customer, *, code="ENT-A-LEASE"):
    service = make_service(entity=entity, sector=make_sector(), code=code, name_ar="عقد إيجار",
                           name_en="Lease registration")
    service_form_publish(actor=people["admin"], service=service, definition=FORM)
    service_workflow_publish(actor=people["admin"], service=service, definition=TEMPLATES["approval_payment_issue"])
    schedule = FeeSchedule.objects.create(service=service, version=1)
    FeeLine.objects.create(schedule=schedule, position=0, label_ar="رسوم الخدمة", label_en="Service fee", amount=10000)
    FeeLine.objects.create(schedule=schedule, position=1, label_ar="رسوم المعرفة", label_en="Knowledge fee",
                           kind="knowledge", amount=1050)
    application = application_start(actor=customer, service=service)
    application_answers_save(actor=customer, application=application, answers={"annual_rent": "50000"})
    application = application_submit(actor=customer, application=application)
    application = application_transition(actor=people["officer"], application=application, action="start_review")
    application = application_transition(actor=people["officer"], application=application, action="approve")
    return Invoice.objects.get(application=application)


@pytest.fixture
def invoice(people, entity_a, customer):
    return make_paid_request(people, entity_a, customer)


@pytest.fixture
def signed_in(client, customer):
    client.force_login(customer)
    return client


def _url(name, *args, lang="en"):
    # A request to the sandbox's pages (outside the language prefix) leaves the thread in the default language.
    with translation.override(lang):
        return reverse(f"payments:{name}", args=args)


def _detail(invoice):
    with translation.override("en"):
        return reverse("requests:detail", args=[invoice.application.reference])


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def _pay(client, invoice, card, *, key=None):
    """Press Pay (with the key the page gave), pay on the sandbox's hosted page, come back to the return page."""
    key = key or _key(client.get(_url("invoice", invoice.number)).content.decode())
    response = client.post(_url("invoice", invoice.number), {"idempotency_key": key})
    assert response.status_code == 302 and response.url.startswith("/sandbox-gateway/pay/")
    hosted = client.post(response.url, {"card_number": card, "callback_mode": "drop"})
    assert hosted.status_code == 302
    payment = Payment.objects.get(idempotency_key=key)
    assert hosted.url == f"http://testserver{_url('return', payment.reference)}"
    return payment, client.get(_url("return", payment.reference))


# --- the invoice page ------------------------------------------------------------------------


def test_the_invoice_shows_what_it_is_for_its_lines_total_and_deadline(signed_in, invoice):
    response = signed_in.get(_url("invoice", invoice.number))
    assert response.status_code == 200
    html = response.content.decode()
    assert invoice.number in html and "Lease registration" in html
    assert f'href="{_detail(invoice)}"' in html
    assert "Service fee" in html and "100.00 AED" in html
    assert "Knowledge fee" in html and "10.50 AED" in html
    assert "110.50 AED" in html  # the total
    assert "Waiting for payment" in html and "Pay before" in html
    assert html.count('name="idempotency_key"') == 1


def test_the_invoice_page_in_arabic_shows_the_arabic_labels(signed_in, invoice):
    html = signed_in.get(_url("invoice", invoice.number, lang="ar")).content.decode()
    assert "رسوم الخدمة" in html and "عقد إيجار" in html and "Service fee" not in html


def test_only_the_payer_sees_or_pays_the_invoice(client, invoice, people, entity_a):
    url = _url("invoice", invoice.number)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    assert client.post(url, {"idempotency_key": "k"}).status_code == 302
    stranger = make_user("stranger@example.test")
    for user in (stranger, people["officer"], people["supervisor"], people["do_admin"]):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"idempotency_key": f"k-{user.pk}"}).status_code == 404
    assert not Payment.objects.exists()
    client.force_login(stranger)
    assert client.get(_url("invoice", "INV-2026-NOPE")).status_code == 404


def test_pay_redirects_to_the_hosted_page_and_the_same_key_twice_gives_one_payment(signed_in, invoice):
    key = _key(signed_in.get(_url("invoice", invoice.number)).content.decode())
    first = signed_in.post(_url("invoice", invoice.number), {"idempotency_key": key})
    second = signed_in.post(_url("invoice", invoice.number), {"idempotency_key": key})
    assert first.status_code == second.status_code == 302
    assert first.url == second.url and first.url.startswith("/sandbox-gateway/pay/")
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.PENDING and payment.idempotency_key == key
    assert first.url == payment.redirect_url
    # The page shows a fresh key each time, and the hosted page is the sandbox's own.
    assert _key(signed_in.get(_url("invoice", invoice.number)).content.decode()) != key
    assert b'name="card_number"' in signed_in.get(first.url).content


def test_a_second_tab_is_taken_back_to_the_payment_already_waiting(signed_in, invoice):
    page = signed_in.get(_url("invoice", invoice.number)).content.decode()
    first = signed_in.post(_url("invoice", invoice.number), {"idempotency_key": _key(page)})
    html = signed_in.get(_url("invoice", invoice.number)).content.decode()
    assert "not finished yet" in html
    second = signed_in.post(_url("invoice", invoice.number), {"idempotency_key": _key(html)})
    assert second.url == first.url and Payment.objects.count() == 1


def test_a_missing_key_is_an_error_on_the_page(signed_in, invoice):
    response = signed_in.post(_url("invoice", invoice.number), {"idempotency_key": ""})
    assert response.status_code == 400
    assert b"Press Pay again" in response.content and b'role="alert"' in response.content
    assert not Payment.objects.exists()


def test_a_paid_invoice_cannot_be_paid_again_and_says_so(signed_in, invoice):
    _payment, _return = _pay(signed_in, invoice, SUCCESS)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    html = signed_in.get(_url("invoice", invoice.number)).content.decode()
    assert "This invoice is paid" in html and 'name="idempotency_key"' not in html
    assert "Download the receipt (PDF)" in html
    response = signed_in.post(_url("invoice", invoice.number), {"idempotency_key": "another-tab"})
    assert response.status_code == 409 and b"already paid" in response.content
    assert Payment.objects.count() == 1


def test_an_expired_invoice_cannot_be_paid(signed_in, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    html = signed_in.get(_url("invoice", invoice.number)).content.decode()
    assert "can no longer be paid" in html and 'name="idempotency_key"' not in html
    response = signed_in.post(_url("invoice", invoice.number), {"idempotency_key": "late"})
    assert response.status_code == 409 and b"can no longer be paid" in response.content
    assert not Payment.objects.exists()


def test_a_gateway_that_cannot_be_reached_is_a_clear_503(signed_in, invoice, settings):
    settings.MANASSA_PAYMENT_GATEWAYS = {"sandbox": {"class": f"{__name__}.DownGateway"}}
    response = signed_in.post(_url("invoice", invoice.number), {"idempotency_key": "down"})
    assert response.status_code == 503
    assert b"cannot be reached" in response.content and b"No money was taken" in response.content
    arabic = signed_in.post(_url("invoice", invoice.number, lang="ar"), {"idempotency_key": "down"})
    assert arabic.status_code == 503 and b'lang="ar"' in arabic.content and b'id="pay-error"' in arabic.content
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


# --- back from the gateway -------------------------------------------------------------------


def test_success_shows_the_confirmation_the_receipt_and_the_request(signed_in, invoice):
    payment, response = _pay(signed_in, invoice, SUCCESS)
    html = response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED  # the return page asked the gateway (no callback was sent)
    assert "Payment received" in html and "110.50 AED" in html
    receipt = payment.payer.issued_documents.get(kind="receipt")
    assert f"/my-documents/{receipt.number}/?download=1" in html
    assert _detail(invoice) in html
    invoice.application.refresh_from_db()
    assert invoice.application.state == "issuing"


def test_declined_shows_the_reason_and_try_again_starts_a_new_payment_that_can_succeed(signed_in, invoice):
    declined, response = _pay(signed_in, invoice, DECLINED)
    html = response.content.decode()
    assert "The bank declined the card" in html and "No money was taken" in html
    assert "Try again" in html
    retry_key = _key(html)
    assert retry_key != declined.idempotency_key
    retried, response = _pay(signed_in, invoice, SUCCESS, key=retry_key)
    assert retried.pk != declined.pk
    assert b"Payment received" in response.content
    declined.refresh_from_db()
    retried.refresh_from_db()
    assert (declined.status, retried.status) == (PaymentStatus.FAILED, PaymentStatus.SUCCEEDED)
    # The old page's key, sent again, does not pay twice: it shows where that payment stands.
    again = signed_in.post(_url("invoice", invoice.number), {"idempotency_key": declined.idempotency_key})
    assert again.status_code == 302 and again.url == _url("return", declined.reference)
    assert Payment.objects.count() == 2


@pytest.mark.parametrize(("card", "words"), [(NO_FUNDS, "does not have enough funds")])
def test_each_failure_has_its_own_words(signed_in, invoice, card, words):
    _payment, response = _pay(signed_in, invoice, card)
    assert words.encode() in response.content


def test_three_d_secure_failed_and_abandoned_are_explained(signed_in, invoice):
    payment = payment_start(actor=invoice.payer, invoice=invoice, idempotency_key="3ds")
    bank.charge_pay(reference=payment.gateway_reference, card_number="4000000000003220")
    bank.charge_challenge(reference=payment.gateway_reference, code="000000")
    assert b"3-D Secure" in signed_in.get(_url("return", payment.reference)).content
    Payment.objects.filter(pk=payment.pk).update(failure_code="abandoned")
    assert b"not completed in time" in signed_in.get(_url("return", payment.reference)).content


def test_pending_says_it_is_being_confirmed_with_a_way_to_check_again(signed_in, invoice):
    payment = payment_start(actor=invoice.payer, invoice=invoice, idempotency_key="left-the-page")
    response = signed_in.get(_url("return", payment.reference))
    html = response.content.decode()
    assert response.status_code == 200 and "We are confirming your payment" in html
    assert f'href="{_url("return", payment.reference)}"' in html and "Check again" in html
    assert "Try again" not in html
    # The bank settles it later: the same page then says so.
    bank.charge_pay(reference=payment.gateway_reference, card_number=SUCCESS, callback_mode="drop")
    assert b"Payment received" in signed_in.get(_url("return", payment.reference)).content


def test_only_the_payer_sees_the_return_page(client, invoice, people):
    payment = payment_start(actor=invoice.payer, invoice=invoice, idempotency_key="mine")
    url = _url("return", payment.reference)
    assert "/accounts/login/" in client.get(url).url
    for user in (make_user("stranger@example.test"), people["officer"]):
        client.force_login(user)
        assert client.get(url).status_code == 404


# --- my payments and the request's page -------------------------------------------------------


def test_my_payments_lists_only_my_invoices_and_payments(client, invoice, people, entity_a):
    neighbour = make_user("neighbour@example.test")
    theirs = make_paid_request(people, entity_a, neighbour, code="ENT-A-OTHER")
    payment_start(actor=neighbour, invoice=theirs, idempotency_key="theirs")
    mine = payment_start(actor=invoice.payer, invoice=invoice, idempotency_key="mine")
    client.force_login(invoice.payer)
    html = client.get(_url("mine")).content.decode()
    assert invoice.number in html and mine.reference in html
    assert f'href="{_url("invoice", invoice.number)}"' in html  # the Pay link of the open invoice
    assert theirs.number not in html and "ENT-A-OTHER" not in html
    assert Payment.objects.get(idempotency_key="theirs").reference not in html
    assert 'href="/en/payments/"' in html  # in the My account menu


def test_my_payments_shows_the_receipt_of_a_paid_invoice(signed_in, invoice):
    payment, _response = _pay(signed_in, invoice, SUCCESS)
    html = signed_in.get(_url("mine")).content.decode()
    receipt = payment.payer.issued_documents.get(kind="receipt")
    assert f"/my-documents/{receipt.number}/?download=1" in html
    assert "You have nothing to pay." in html


def test_my_payments_is_paged_and_needs_no_query_per_row(signed_in, invoice, django_assert_max_num_queries):
    for index in range(55):
        Payment.objects.create(reference=f"PAY-TEST-{index:03d}", invoice=invoice, entity=invoice.entity,
                               payer=invoice.payer, gateway="sandbox", idempotency_key=f"bulk-{index}",
                               amount=invoice.total, status=PaymentStatus.FAILED, failure_code="declined")
    with django_assert_max_num_queries(20):
        first = signed_in.get(_url("mine")).content.decode()
    assert first.count(">PAY-TEST-") == 50 and 'rel="next"' in first
    second = signed_in.get(_url("mine") + "?page=2").content.decode()
    assert second.count(">PAY-TEST-") == 5 and 'rel="prev"' in second


def test_my_payments_needs_sign_in(client, db):
    assert "/accounts/login/" in client.get(_url("mine")).url


def test_the_request_page_shows_the_payment_due_then_paid_with_its_receipt(signed_in, invoice):
    detail = _detail(invoice)
    html = signed_in.get(detail).content.decode()
    assert "Payment due: 110.50 AED" in html and "Pay now" in html
    assert f'href="{_url("invoice", invoice.number)}"' in html
    payment, _response = _pay(signed_in, invoice, SUCCESS)
    html = signed_in.get(detail).content.decode()
    receipt = payment.payer.issued_documents.get(kind="receipt")
    assert "Payment due" not in html and "Paid" in html
    assert f"/my-documents/{receipt.number}/?download=1" in html


# --- bills -----------------------------------------------------------------------------------


@pytest.fixture
def bill(customer, entity_a):
    return Invoice.objects.create(
        number="INV-2026-BILL0001", application=None, bill_provider="x", bill_reference="1",
        title={"ar": "فاتورة الكهرباء", "en": "Electricity bill"}, entity=entity_a, payer=customer, step="bill",
        lines=[{"kind": "other", "label": {"ar": "استهلاك", "en": "Consumption"}, "amount": 45075}],
        total=45075, expires_at=timezone.now() + timedelta(days=7))


def test_a_bill_invoice_renders_and_pays(signed_in, bill):
    html = signed_in.get(_url("invoice", bill.number)).content.decode()
    assert "Electricity bill" in html and "Consumption" in html and "450.75 AED" in html
    payment, response = _pay(signed_in, bill, SUCCESS)
    assert b"Payment received" in response.content and b"Electricity bill" in response.content
    bill.refresh_from_db()
    assert bill.status == InvoiceStatus.PAID and bill.paid_by_id == payment.pk
    receipt = payment.payer.issued_documents.get(kind="receipt")
    assert receipt.application_id is None
    assert "Electricity bill" in signed_in.get(_url("mine")).content.decode()
