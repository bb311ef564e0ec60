"""The resident's "Pay a bill" pages, and the sandbox billers' signed API."""

import json
import re

import pytest
from django.utils import translation

from manassa.accounts.tests.factories import make_user
from manassa.bills.providers import sandbox_billers_secret
from manassa.bills.sandbox import biller, signing
from manassa.bills.sandbox.models import SandboxBill, SandboxBillPayment
from manassa.payments.models import Invoice, InvoiceStatus
from manassa.payments.services import payment_start

from .conftest import PROVIDER

START, PAY = "/en/bills/", "/en/bills/pay/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def signed_in(client, customer):
    client.force_login(customer)
    return client


def _first_bill(account=biller.TWO_BILLS):
    return SandboxBill.objects.filter(account__number=account, paid_at__isnull=True).order_by("due_date").first()


def _labelled(html: str, field_id: str) -> None:
    assert re.search(rf'<label for="{field_id}">[^<]+</label>', html), field_id
    assert f'id="{field_id}"' in html


def test_anonymous_people_are_sent_to_sign_in(client, billers):
    for response in (client.get(START), client.post(START, {"provider": PROVIDER, "account": biller.TWO_BILLS}),
                     client.post(PAY, {"provider": PROVIDER, "account": biller.TWO_BILLS, "bill": "x"})):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Invoice.objects.exists()


def test_the_form_is_labelled_and_offers_only_configured_billers(signed_in, billers):
    html = signed_in.get(START).content.decode()
    assert html.count("<h1") == 1 and "Pay a bill" in html
    _labelled(html, "bill-provider")
    _labelled(html, "bill-account")
    assert re.findall(r'<option value="([^"]*)"', html) == [PROVIDER]
    assert f'<option value="{PROVIDER}" selected>Water and Power</option>' in html
    assert 'aria-describedby="bill-account-help"' in html


def test_no_biller_configured_says_so(signed_in, settings):
    settings.MANASSA_BILL_PROVIDERS = {}
    html = signed_in.get(START).content.decode()
    assert "No entity offers bill payment" in html and "bill-account" not in html


def test_looking_up_lists_the_bills_in_an_accessible_table(signed_in, billers):
    response = signed_in.post(START, {"provider": PROVIDER, "account": biller.TWO_BILLS})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<caption" in html and f"Outstanding bills of account {biller.TWO_BILLS} at Water and Power" in html
    assert html.count('<th scope="row"') == 2 and html.count('<th scope="col"') == 5
    assert "450.75" in html and "382.50" in html
    assert html.count('action="/en/bills/pay/"') == 2
    assert f'value="{biller.TWO_BILLS}"' in html  # what was typed is kept
    # Headings in order: h1 then h2.
    assert re.findall(r"<h([1-6])", html)[:2] == ["1", "2"]


def test_an_account_with_nothing_due(signed_in, billers):
    html = signed_in.post(START, {"provider": PROVIDER, "account": biller.NOTHING_DUE}).content.decode()
    assert f"Account {biller.NOTHING_DUE} has no outstanding bills at Water and Power." in html


@pytest.mark.parametrize(("typed", "message"), [
    ("12ab", "The account number is made of digits only."),
    ("12345", "The account number has 10 digits."),
    ("", "Enter the account number."),
    ("1999999999", "Water and Power has no account with this number."),
])
def test_a_wrong_account_number_is_explained_and_kept(signed_in, billers, typed, message):
    html = signed_in.post(START, {"provider": PROVIDER, "account": typed}).content.decode()
    assert message in html
    assert f'value="{typed}"' in html and 'aria-invalid="true"' in html
    assert 'aria-describedby="bill-account-help bill-account-error"' in html and 'id="bill-account-error"' in html
    assert "<caption" not in html


def test_a_biller_that_is_down_is_a_clear_message(signed_in, billers):
    response = signed_in.post(START, {"provider": PROVIDER, "account": biller.DOWN})
    html = response.content.decode()
    assert response.status_code == 503
    assert 'role="alert"' in html and "cannot be reached right now. Nothing was charged." in html
    assert f'value="{biller.DOWN}"' in html
    response = signed_in.post(PAY, {"provider": PROVIDER, "account": biller.DOWN,
                                    "bill": _first_bill(biller.DOWN).reference})
    assert response.status_code == 503 and not Invoice.objects.exists()


def test_choosing_a_bill_raises_its_invoice_once_and_goes_to_pay_it(signed_in, billers, customer):
    form = {"provider": PROVIDER, "account": biller.TWO_BILLS, "bill": _first_bill().reference}
    response = signed_in.post(PAY, form)
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/en/payments/invoices/{invoice.number}/"
    assert invoice.payer == customer and invoice.bill_reference == form["bill"]
    assert signed_in.post(PAY, form)["Location"] == response["Location"]
    assert Invoice.objects.count() == 1


def test_a_paid_or_unknown_bill_is_refused_clearly(signed_in, billers):
    paid = SandboxBill.objects.get(account__number=biller.NOTHING_DUE)
    response = signed_in.post(PAY, {"provider": PROVIDER, "account": biller.NOTHING_DUE, "bill": paid.reference})
    assert response.status_code == 409 and "not outstanding any more" in response.content.decode()
    assert not Invoice.objects.exists()


def test_another_person_cannot_reach_someone_elses_bill_invoice(client, signed_in, billers, customer):
    form = {"provider": PROVIDER, "account": biller.TWO_BILLS, "bill": _first_bill().reference}
    theirs = signed_in.post(PAY, form)["Location"]
    invoice = Invoice.objects.get()
    payment_start(actor=customer, invoice=invoice, idempotency_key="their-tab")
    stranger = make_user("stranger@example.test")
    client.force_login(stranger)
    assert client.get(theirs).status_code == 404
    response = client.post(PAY, form)
    assert response.status_code == 409 and "Someone is paying this bill right now" in response.content.decode()
    assert invoice.number not in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN and Invoice.objects.count() == 1


# -- the sandbox billers' API -------------------------------------------------------------------------------------

def _signed_get(client, path, secret=None):
    return client.get(path, HTTP_X_SANDBOX_SIGNATURE=signing.sign(secret or sandbox_billers_secret(), "GET", path))


def _signed_post(client, path, payload, *, secret=None, body=None):
    signed = json.dumps(payload).encode()
    return client.post(path, body if body is not None else signed, content_type="application/json",
                       HTTP_X_SANDBOX_SIGNATURE=signing.sign(secret or sandbox_billers_secret(), "POST", path, signed))


def test_unsigned_forged_or_altered_api_calls_are_refused(client, billers):
    path = f"/sandbox-billers/{PROVIDER}/api/accounts/{biller.TWO_BILLS}/bills/"
    assert _signed_get(client, path).status_code == 200
    assert client.get(path).status_code == 401
    assert _signed_get(client, path, secret="not-the-secret").status_code == 401
    other = f"/sandbox-billers/{PROVIDER}/api/accounts/{biller.ONE_BILL}/bills/"
    assert client.get(other, HTTP_X_SANDBOX_SIGNATURE=signing.sign(sandbox_billers_secret(), "GET", path)
                      ).status_code == 401  # a signature for another address
    stale = signing.sign(sandbox_billers_secret(), "GET", path, at=1_000_000)
    assert client.get(path, HTTP_X_SANDBOX_SIGNATURE=stale).status_code == 401
    bill = _first_bill()
    pay = f"/sandbox-billers/{PROVIDER}/api/bills/{bill.reference}/payments/"
    payload = {"amount": bill.amount, "payment_reference": "PAY-1", "idempotency_key": "PAY-1"}
    altered = json.dumps({**payload, "amount": 1}).encode()
    assert _signed_post(client, pay, payload, body=altered).status_code == 401
    assert client.post(pay, json.dumps(payload), content_type="application/json").status_code == 401
    assert not SandboxBillPayment.objects.exists()


def test_the_sandbox_is_served_only_when_switched_on(client, billers, settings):
    settings.MANASSA_SANDBOX_BILLERS = False
    path = f"/sandbox-billers/{PROVIDER}/api/accounts/{biller.TWO_BILLS}/bills/"
    assert _signed_get(client, path).status_code == 404


def test_the_sandbox_records_a_payment_once_per_key(client, billers):
    bill = _first_bill()
    pay = f"/sandbox-billers/{PROVIDER}/api/bills/{bill.reference}/payments/"
    payload = {"amount": bill.amount, "payment_reference": "PAY-1", "idempotency_key": "PAY-1"}
    assert _signed_post(client, pay, {**payload, "amount": 1}).status_code == 422
    first = _signed_post(client, pay, payload)
    again = _signed_post(client, pay, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["confirmation"] == again.json()["confirmation"]
    other = _signed_post(client, pay, {**payload, "idempotency_key": "PAY-2", "payment_reference": "PAY-2"})
    assert other.status_code == 409 and other.json() == {"error": "already_paid"}
    assert SandboxBillPayment.objects.count() == 1
    down = _first_bill(biller.DOWN)
    response = _signed_post(client, f"/sandbox-billers/{PROVIDER}/api/bills/{down.reference}/payments/",
                            {"amount": down.amount, "payment_reference": "PAY-3", "idempotency_key": "PAY-3"})
    assert response.status_code == 503 and response["Retry-After"] == "60"


def test_the_arabic_page_is_right_to_left_with_the_billers_arabic_texts(signed_in, billers):
    with translation.override("ar"):
        html = signed_in.post("/ar/bills/", {"provider": PROVIDER, "account": "١٠٠٠٠٠٠٠٠١"}).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert ">المياه والكهرباء</option>" in html and "كهرباء ومياه —" in html
    assert 'action="/ar/bills/pay/"' in html and f'name="account" value="{biller.TWO_BILLS}"' in html
