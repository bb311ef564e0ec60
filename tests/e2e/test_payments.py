"""Paying for a request in a real browser, in Arabic and in English: the request's page → the invoice → the
sandbox gateway's hosted page → back on the platform, paid → the receipt's PDF and its verification page.
A declined card explains itself and "Try again" pays. axe-core and untranslated text on every page."""

import re

import pytest
from django.conf import settings

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
from manassa.catalog.models import Sector
from manassa.catalog.tests.factories import make_service
from manassa.certificates.models import IssuedDocument
from manassa.entities.models import Entity, Membership
from manassa.payments.models import FeeLine, FeeSchedule, Invoice, InvoiceStatus, Payment, PaymentStatus
from tests.e2e.browser import check_page
from tests.e2e.test_accessibility import _sign_in

pytestmark = pytest.mark.e2e

SUCCESS, DECLINED = "4000 0000 0000 0002", "4000 0000 0000 0010"
FORM = {
    "format": "manassa-form/1",
    "pages": [{"key": "details", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
        {"key": "licence_number", "type": "text", "label": {"ar": "رقم الرخصة", "en": "Licence number"},
         "required": True},
    ]}],
}


@pytest.fixture
def awaiting_payment(transactional_db, live_server, settings):
    """A trade licence renewal approved by the entity and waiting for its fees, made through the services."""
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)
    settings.MANASSA_SITE_URL = live_server.url
    settings.MANASSA_PAYMENTS_BASE_URL = live_server.url
    sedd = Entity.objects.create(code="SEDD", kind="local", name_ar="دائرة التنمية الاقتصادية",
                                 name_en="Economic Development Department")
    sector = Sector.objects.create(code="business", name_ar="الأعمال", name_en="Business")
    service = make_service(entity=sedd, sector=sector, code="SEDD-TL-RENEW", name_ar="تجديد رخصة تجارية",
                           name_en="Trade licence renewal")
    officer = make_user("officer@example.test", totp=True, name_ar="سالم", name_en="Salem")
    Membership.objects.create(user=officer, entity=sedd, role="officer")
    service_form_publish(actor=officer, service=service, definition=FORM)
    service_workflow_publish(actor=officer, service=service, definition=TEMPLATES["approval_payment_issue"])
    schedule = FeeSchedule.objects.create(service=service, version=1)
    FeeLine.objects.create(schedule=schedule, position=0, label_ar="رسوم التجديد", label_en="Renewal fee",
                           amount=60000)
    FeeLine.objects.create(schedule=schedule, position=1, kind="knowledge", label_ar="رسوم المعرفة",
                           label_en="Knowledge fee", amount=1000)
    resident = make_user("resident@example.test", name_ar="مريم", name_en="Maryam")
    application = application_start(actor=resident, service=service)
    application_answers_save(actor=resident, application=application, answers={"licence_number": "778899"})
    application = application_submit(actor=resident, application=application)
    application = application_transition(actor=officer, application=application, action="start_review")
    application = application_transition(actor=officer, application=application, action="approve")
    assert application.state == "awaiting_payment"
    return {"resident": resident, "application": application, "invoice": Invoice.objects.get()}


def _open(page, live_server, user, lang):
    _sign_in(page, live_server, user)
    # The gateway's own pages have no language in their address: the language cookie chooses theirs.
    page.context.add_cookies([{"name": "manassa_cookies", "value": "ok", "url": live_server.url},
                              {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}])


def _request_to_invoice(page, data, lang):
    application, invoice = data["application"], data["invoice"]
    assert page.goto(f"/{lang}/requests/{application.reference}/").status == 200
    block = page.locator("#payment")
    assert block.locator(".aegov-alert").first.is_visible()
    assert ("610.00" in block.inner_text()) and block.get_by_role("link").first.is_visible()
    check_page(page)
    block.locator(f"a[href='/{lang}/payments/invoices/{invoice.number}/']").click()
    page.wait_for_url(f"**/{lang}/payments/invoices/{invoice.number}/")
    assert "610.00" in page.locator("#invoice-total").inner_text()
    check_page(page)


def _pay_on_the_gateway(page, card, lang):
    page.locator("main form[action*='/payments/invoices/'] button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/sandbox-gateway/pay/"))
    assert page.evaluate("() => document.documentElement.lang") == lang
    check_page(page)
    page.fill("#card_number", card)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/{lang}/payments/return/PAY-"))


def _receipt_downloads_and_verifies(page, live_server, lang):
    receipt = IssuedDocument.objects.get(kind="receipt")
    with page.expect_download() as download:
        page.locator("#receipt-link").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename == f"{receipt.number}.pdf"
    page.locator(f"a[href='/{lang}/verify/{receipt.code}/']").click()
    page.wait_for_url(f"**/{lang}/verify/{receipt.code}/")
    assert page.locator(".alert-success").count() == 1
    assert page.get_by_text(receipt.number).first.is_visible()
    check_page(page)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_resident_pays_a_request_and_gets_a_verifiable_receipt(page, live_server, awaiting_payment, lang):
    data = awaiting_payment
    _open(page, live_server, data["resident"], lang)
    _request_to_invoice(page, data, lang)
    _pay_on_the_gateway(page, SUCCESS, lang)
    # No callback reaches the platform here (the sandbox's task is never run): the return page asked the gateway.
    assert page.locator(".alert-success[role=status]").first.is_visible()
    check_page(page)
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert Invoice.objects.get().status == InvoiceStatus.PAID
    data["application"].refresh_from_db()
    assert data["application"].state == "issuing"
    _receipt_downloads_and_verifies(page, live_server, lang)

    assert page.goto(f"/{lang}/payments/").status == 200
    assert page.get_by_text(payment.reference).first.is_visible()
    check_page(page)
    # The request's page now says it is paid, with the receipt.
    assert page.goto(f"/{lang}/requests/{data['application'].reference}/").status == 200
    assert page.locator("#payment .badge-success").first.is_visible()
    check_page(page)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_declined_card_is_explained_and_try_again_pays(page, live_server, awaiting_payment, lang):
    data = awaiting_payment
    _open(page, live_server, data["resident"], lang)
    assert page.goto(f"/{lang}/payments/invoices/{data['invoice'].number}/").status == 200
    _pay_on_the_gateway(page, DECLINED, lang)
    alert = page.locator(".aegov-alert[role=alert]")
    assert alert.is_visible() and alert.locator("#failure-reason").inner_text().strip()
    check_page(page)
    assert Payment.objects.get().failure_code == "declined"

    _pay_on_the_gateway(page, SUCCESS, lang)  # the return page's "Try again"
    assert page.locator(".alert-success[role=status]").first.is_visible()
    check_page(page)
    assert sorted(Payment.objects.values_list("status", flat=True)) == ["failed", "succeeded"]
    assert page.goto(f"/{lang}/payments/").status == 200
    assert page.locator("table").count() == 1  # nothing left to pay: only the history
    check_page(page)
