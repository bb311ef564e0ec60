"""Looking bills up at the sandbox biller over signed HTTP, raising their invoices, and telling the biller once."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from manassa.accounts.tests.factories import make_user
from manassa.audit.models import AuditEvent
from manassa.bills.models import BillPosting, PostingStatus
from manassa.bills.sandbox import biller
from manassa.bills.sandbox.models import SandboxBill, SandboxBillerAccount, SandboxBillPayment
from manassa.bills.selectors import BillProviderUnavailable, bills_outstanding
from manassa.bills.services import bill_invoice_create, bill_posting_send
from manassa.bills.subscribers import on_payment_succeeded
from manassa.bills.tasks import bill_posting_send_task
from manassa.core import events
from manassa.core.errors import Conflict, InvalidInput
from manassa.core.events import events_dispatch
from manassa.payments.gateways import sandbox_secret
from manassa.payments.models import Invoice, InvoiceStatus, Payment, PaymentStatus
from manassa.payments.sandbox import bank
from manassa.payments.services import payment_start, payments_inbox_settle

from .conftest import PROVIDER

POSTING_TASK = "manassa.bills.tasks.bill_posting_send_task"
SUCCESS_CARD = "4000000000000002"


def _bill(account=biller.TWO_BILLS, index=0):
    return SandboxBill.objects.filter(account__number=account, account__provider=PROVIDER,
                                      paid_at__isnull=True).order_by("due_date")[index]


def _invoice(user, account=biller.TWO_BILLS, index=0):
    return bill_invoice_create(actor=user, provider_code=PROVIDER, account=account,
                               bill_reference=_bill(account, index).reference)


def _pay(client, invoice, user, key="tab-1"):
    payment = payment_start(actor=user, invoice=invoice, idempotency_key=key)
    charge = bank.charge_pay(reference=payment.gateway_reference, card_number=SUCCESS_CARD)
    body = bank.callback_body(bank.charge_payload(charge))
    assert client.post("/payments/callback/sandbox/", body, content_type="application/json",
                       HTTP_X_SANDBOX_SIGNATURE=bank.sign(sandbox_secret(), body)).status_code == 204
    payments_inbox_settle()  # the scheduler's jobs: the stored notification settled, then the outbox told
    events_dispatch()  # the biller is told after the commit, from the event outbox (the scheduler's job)
    payment.refresh_from_db()
    return payment


def test_lookup_asks_the_biller_over_signed_http(billers, transport):
    config, account, bills = bills_outstanding(provider_code=PROVIDER, account="1000000001")
    assert (config.code, account) == (PROVIDER, "1000000001")
    assert [bill.amount for bill in bills] == [45075, 38250]
    assert bills[0].due_date < bills[1].due_date and bills[0].currency == "AED"
    assert bills[0].description["en"].startswith("Electricity and water")
    (request,) = transport.sent
    assert request.url == "http://testserver/sandbox-billers/water/api/accounts/1000000001/bills/"
    assert request.headers["X-Sandbox-Signature"].startswith("t=")


def test_an_account_with_nothing_due_and_arabic_digits(billers):
    assert bills_outstanding(provider_code=PROVIDER, account=biller.NOTHING_DUE)[2] == []
    # Typed on an Arabic keyboard, with spaces: the same account.
    assert len(bills_outstanding(provider_code=PROVIDER, account="١٠٠٠ ٠٠٠ ٠٠١")[2]) == 2


@pytest.mark.parametrize("typed", ["", "12ab567890", "123", "10000000011", "1000-00000x"])
def test_an_invalid_account_number_is_refused_before_asking_the_biller(billers, transport, typed):
    with pytest.raises(InvalidInput) as caught:
        bills_outstanding(provider_code=PROVIDER, account=typed)
    assert list(caught.value.fields) == ["account"]
    assert transport.sent == []


def test_an_unknown_account_and_an_unknown_biller(billers):
    with pytest.raises(InvalidInput) as caught:
        bills_outstanding(provider_code=PROVIDER, account="1999999999")
    assert list(caught.value.fields) == ["account"]
    with pytest.raises(InvalidInput) as caught:
        bills_outstanding(provider_code="gas", account="1000000001")
    assert list(caught.value.fields) == ["provider"]


def test_a_biller_that_is_down_or_unreachable_changes_nothing(billers, settings, customer):
    with pytest.raises(BillProviderUnavailable):
        bills_outstanding(provider_code=PROVIDER, account=biller.DOWN)
    with pytest.raises(BillProviderUnavailable):
        bill_invoice_create(actor=customer, provider_code=PROVIDER, account=biller.DOWN,
                            bill_reference=_bill(biller.DOWN).reference)
    settings.MANASSA_SANDBOX_BILLERS_URL = "http://127.0.0.1:9"  # nothing listens there
    with pytest.raises(BillProviderUnavailable):
        bills_outstanding(provider_code=PROVIDER, account=biller.TWO_BILLS)
    assert not Invoice.objects.exists()


def test_the_invoice_is_the_billers_amount_and_is_made_once(billers, customer):
    bill = _bill()
    invoice = _invoice(customer)
    assert (invoice.application, invoice.bill_provider, invoice.bill_reference) == (None, PROVIDER, bill.reference)
    assert (invoice.total, invoice.step, invoice.payer, invoice.entity.code) == (45075, "bill", customer, "ENT-A")
    assert invoice.lines == [{"kind": "other", "amount": 45075, "label": {
        "ar": f"فاتورة {bill.reference} — {bill.description_ar}",
        "en": f"Bill {bill.reference} — {bill.description_en}"}}]
    assert "1000000001" in invoice.title["en"] and "Water and Power" in invoice.title["en"]
    assert "المياه والكهرباء" in invoice.title["ar"]
    assert timedelta(hours=23) < invoice.expires_at - timezone.now() <= timedelta(hours=24)
    assert AuditEvent.objects.filter(action="bills.invoice_created", object_id=str(invoice.pk)).exists()
    assert _invoice(customer).pk == invoice.pk
    assert _invoice(customer, index=1).pk != invoice.pk  # the other bill has its own
    assert Invoice.objects.count() == 2


def test_a_bill_not_outstanding_is_refused(billers, customer):
    paid = SandboxBill.objects.get(account__number=biller.NOTHING_DUE)
    with pytest.raises(Conflict) as caught:
        bill_invoice_create(actor=customer, provider_code=PROVIDER, account=biller.NOTHING_DUE,
                            bill_reference=paid.reference)
    assert caught.value.code == "bill_not_outstanding"
    with pytest.raises(Conflict):  # a bill of another account
        bill_invoice_create(actor=customer, provider_code=PROVIDER, account=biller.ONE_BILL,
                            bill_reference=_bill().reference)
    assert not Invoice.objects.exists()


def test_another_payer_replaces_an_unpaid_invoice_but_not_one_being_paid(billers, customer):
    first = _invoice(customer)
    other = make_user("neighbour@example.test")
    second = _invoice(other)
    first.refresh_from_db()
    assert first.status == InvoiceStatus.CANCELLED and second.payer == other and second.pk != first.pk
    assert AuditEvent.objects.filter(action="bills.invoice_replaced", object_id=str(first.pk)).exists()
    payment_start(actor=other, invoice=second, idempotency_key="neighbour-tab")
    with pytest.raises(Conflict) as caught:
        _invoice(customer)
    assert caught.value.code == "bill_payment_in_progress"
    assert _invoice(other).pk == second.pk  # the payer paying it gets it back


def test_an_expired_invoice_of_the_same_payer_is_replaced(billers, customer):
    first = _invoice(customer)
    Invoice.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    second = _invoice(customer)
    first.refresh_from_db()
    assert second.pk != first.pk and first.status == InvoiceStatus.CANCELLED


def test_paying_tells_the_biller_once_and_the_bill_cannot_be_paid_again(billers, customer, client):
    invoice = _invoice(customer)
    payment = _pay(client, invoice, customer)
    assert payment.status == PaymentStatus.SUCCEEDED
    posting = BillPosting.objects.get()
    assert (posting.invoice, posting.payment, posting.status) == (invoice, payment, PostingStatus.PENDING)
    assert posting.idempotency_key == payment.reference and posting.amount == 45075
    task = DBTaskResult.objects.get(task_path=POSTING_TASK)
    assert task.args_kwargs == {"args": [], "kwargs": {"posting_id": posting.pk}}
    # While the posting waits, the biller still lists the bill: the platform's paid invoice refuses it.
    with pytest.raises(Conflict) as caught:
        _invoice(make_user("late@example.test"))
    assert caught.value.code == "bill_paid"
    assert bill_posting_send_task.call(posting_id=posting.pk) == "sent"
    posting.refresh_from_db()
    assert posting.status == PostingStatus.SENT and posting.attempts == 1 and posting.confirmation.startswith("RCP-")
    assert SandboxBillPayment.objects.get().payment_reference == payment.reference
    assert [b.amount for b in bills_outstanding(provider_code=PROVIDER, account=biller.TWO_BILLS)[2]] == [38250]
    assert bill_posting_send_task.call(posting_id=posting.pk) == "sent"  # run again: nothing sent
    assert SandboxBillPayment.objects.count() == 1
    assert AuditEvent.objects.filter(action="bills.posting_sent").count() == 1


def test_the_event_told_twice_makes_one_posting_and_the_biller_counts_one_payment(billers, customer, client):
    invoice = _invoice(customer)
    payment = _pay(client, invoice, customer)
    event = events.DomainEvent(kind="payment.succeeded", entity_code="ENT-A", subject=payment,
                               data={"invoice": invoice.number, "double_payment": False})
    from django.db import transaction

    with transaction.atomic():
        on_payment_succeeded(event)
        on_payment_succeeded(event)
    assert BillPosting.objects.count() == 1 and DBTaskResult.objects.filter(task_path=POSTING_TASK).count() == 1
    posting = BillPosting.objects.get()
    # Even a posting whose "sent" was lost (a worker died after the call) is recorded once by the biller.
    bill_posting_send(posting_id=posting.pk)
    BillPosting.objects.filter(pk=posting.pk).update(status=PostingStatus.PENDING, confirmation="")
    bill_posting_send(posting_id=posting.pk)
    assert SandboxBillPayment.objects.count() == 1
    posting.refresh_from_db()
    assert posting.confirmation == SandboxBillPayment.objects.get().confirmation


def test_a_biller_that_is_down_is_told_later(billers, customer, client):
    invoice = _invoice(customer)
    _pay(client, invoice, customer)
    posting = BillPosting.objects.get()
    SandboxBillerAccount.objects.filter(number=biller.TWO_BILLS).update(behaviour="unavailable")
    assert bill_posting_send_task.call(posting_id=posting.pk) == "pending"
    posting.refresh_from_db()
    assert posting.attempts == 1 and "503" in posting.last_error and posting.next_attempt_at > timezone.now()
    retry = DBTaskResult.objects.filter(task_path=POSTING_TASK).order_by("-enqueued_at").first()
    assert DBTaskResult.objects.filter(task_path=POSTING_TASK).count() == 2
    assert retry.run_after == posting.next_attempt_at
    assert not SandboxBillPayment.objects.exists()
    SandboxBillerAccount.objects.filter(number=biller.TWO_BILLS).update(behaviour="normal")
    assert bill_posting_send_task.call(posting_id=posting.pk) == "sent"
    posting.refresh_from_db()
    assert posting.attempts == 2 and posting.last_error == "" and SandboxBillPayment.objects.count() == 1


def test_a_posting_gives_up_after_its_attempts_and_a_refusal_is_final(billers, customer, client):
    invoice = _invoice(customer)
    _pay(client, invoice, customer)
    posting = BillPosting.objects.get()
    SandboxBillerAccount.objects.filter(number=biller.TWO_BILLS).update(behaviour="unavailable")
    assert bill_posting_send(posting_id=posting.pk, max_attempts=2).status == PostingStatus.PENDING
    assert bill_posting_send(posting_id=posting.pk, max_attempts=2).status == PostingStatus.FAILED
    assert AuditEvent.objects.filter(action="bills.posting_failed").count() == 1
    # A bill paid at the counter meanwhile: the biller refuses the posting for good (staff reconcile it).
    SandboxBillerAccount.objects.filter(number=biller.TWO_BILLS).update(behaviour="normal")
    BillPosting.objects.filter(pk=posting.pk).update(status=PostingStatus.PENDING)
    SandboxBill.objects.filter(reference=invoice.bill_reference).update(paid_at=timezone.now())
    posting = bill_posting_send(posting_id=posting.pk)
    assert posting.status == PostingStatus.FAILED and posting.last_error.startswith("already_paid")


def test_a_double_payment_is_not_posted(billers, customer):
    invoice = _invoice(customer)
    payment = Payment.objects.create(reference="PAY-X", invoice=invoice, entity=invoice.entity, payer=customer,
                                     gateway="sandbox", idempotency_key="x", amount=invoice.total)
    from django.db import transaction

    with transaction.atomic():
        on_payment_succeeded(events.DomainEvent(kind="payment.succeeded", entity_code="ENT-A", subject=payment,
                                                data={"invoice": invoice.number, "double_payment": True}))
        on_payment_succeeded(events.DomainEvent(kind="payment.succeeded", entity_code="ENT-A", subject=payment,
                                                data={"invoice": invoice.number, "double_payment": False}))
    assert not BillPosting.objects.exists()  # the invoice is not paid by this payment


def test_demo_load_installs_the_accounts_of_sandbox_providers_once(billers):
    from manassa.bills.demo import bills_demo_load

    SandboxBillerAccount.objects.all().delete()
    assert bills_demo_load() == 5
    assert bills_demo_load() == 0
    assert SandboxBill.objects.filter(account__number=biller.TWO_BILLS, paid_at__isnull=True).count() == 2


def test_lookup_over_a_real_socket(live_server, settings, monkeypatch, billers):
    """The same adapter against the live server: a real TCP connection, the ordinary transport."""
    import requests

    from manassa.bills.providers import sandbox as sandbox_provider

    monkeypatch.setattr(sandbox_provider, "session_make", requests.Session)
    settings.MANASSA_SANDBOX_BILLERS_URL = live_server.url
    bills = bills_outstanding(provider_code=PROVIDER, account=biller.TWO_BILLS)[2]
    assert [bill.amount for bill in bills] == [45075, 38250]
    with pytest.raises(BillProviderUnavailable):
        bills_outstanding(provider_code=PROVIDER, account=biller.DOWN)
