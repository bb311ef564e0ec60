"""Concurrency faults on real PostgreSQL: racing tabs, callbacks, status queries and refunds, with one outcome.

Skipped unless the database is PostgreSQL (SQLite serialises every writer,
so nothing races there). Each test commits for real
(``django_db(transaction=True)``) and races threads that each have their own
database connection; callbacks go over real HTTP to ``live_server`` (a
threaded server: one connection per request), signed by the sandbox as it
would sign them. After each: every invoice is paid once, what the ledger holds
for it is what the resident was charged minus the refunds executed, and the
whole ledger equals the sandbox's net. The callback view only stores the
notification: two inbox workers (``payments_inbox_settle``, the scheduler's
job) race with the callbacks, and one more run after the race settles what
they left. The working calendars, which the
emptying between transactional tests removes, are installed by the
sequential tests' autouse fixture.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from manassa.audit.models import AuditEvent
from manassa.core import events
from manassa.payments.gateways import sandbox_secret
from manassa.payments.models import (
    InvoiceStatus,
    LedgerEntry,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from manassa.payments.sandbox import bank
from manassa.payments.sandbox.models import SandboxCharge, SandboxRefund
from manassa.payments.services import (
    payment_return_handle,
    payment_start,
    payments_inbox_settle,
    payments_settle_pending,
    refund_decide,
    refund_execute,
)
from manassa.payments.tests import test_services as sequential
from manassa.payments.tests.test_services import CALLBACK, SUCCESS, TIMEOUT

pytestmark = [
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                       reason="concurrency faults need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

# The sequential tests' fixtures: working calendars (autouse) and an invoice of a request waiting for payment.
_working_calendars = sequential._calendars
_request_invoice = sequential.invoice


@pytest.fixture
def invoice(_request_invoice):
    return _request_invoice


def race(*calls: Callable[[], object], timeout: float = 60) -> list:
    """Run the calls at the same moment, each in its own thread with its own connection; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index, call):
        try:
            barrier.wait(timeout=timeout)
            results[index] = call()
        except BaseException as exc:  # re-raised in the test's thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a racer is stuck (a deadlock?)"
    if errors:
        raise errors[0]
    return results


def settler() -> int:
    """An inbox worker of the scheduler (two race with the callbacks in each test)."""
    return payments_inbox_settle()


def post_callback(base_url: str, payload: dict) -> int:
    body = bank.callback_body(payload)
    response = requests.post(base_url + CALLBACK, data=body, timeout=30,
                             headers={"Content-Type": "application/json",
                                      "X-Sandbox-Signature": bank.sign(sandbox_secret(), body)})
    return response.status_code


def payload(charge: SandboxCharge) -> dict:
    charge.refresh_from_db()
    return bank.charge_payload(charge)


@pytest.fixture
def emitted():
    seen = []
    lock = threading.Lock()

    def listener(event):
        with lock:
            seen.append(event.kind)

    events.subscribe("payment.", listener)
    yield seen
    events.unsubscribe("payment.", listener)


def assert_reconciled(invoice) -> None:
    """Paid once; the ledger holds what the resident was charged minus refunds executed, as the sandbox does."""
    invoice.refresh_from_db()
    payments = list(Payment.objects.filter(invoice=invoice))
    charges = SandboxCharge.objects.filter(merchant_reference__in=[p.reference for p in payments])
    charged = charges.filter(status="succeeded").aggregate(total=Sum("amount"))["total"] or 0
    refunded = SandboxRefund.objects.filter(charge__in=charges).aggregate(total=Sum("amount"))["total"] or 0
    held = LedgerEntry.objects.filter(invoice=invoice).aggregate(total=Sum("amount"))["total"] or 0
    assert held == charged - refunded
    executed = Refund.objects.filter(payment__invoice=invoice, status=RefundStatus.EXECUTED)
    assert refunded == (executed.aggregate(total=Sum("amount"))["total"] or 0)
    assert (LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] or 0) == bank.totals()["net"]
    # One ledger row per movement at the gateway.
    assert LedgerEntry.objects.filter(invoice=invoice, kind="charge").count() == charges.filter(
        status="succeeded").count()
    succeeded = [p for p in payments if p.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)]
    if succeeded:
        assert invoice.status == InvoiceStatus.PAID and invoice.paid_by_id in {p.pk for p in succeeded}
        # Every other success is a double payment, with its automatic refund.
        for payment in succeeded:
            if payment.pk != invoice.paid_by_id:
                assert Refund.objects.filter(payment=payment, automatic=True, amount=payment.amount).count() == 1
        assert not Refund.objects.filter(payment_id=invoice.paid_by_id, automatic=True).exists()


def test_two_tabs_racing_pay_once_and_the_ledger_balances(invoice, customer, live_server):
    """Two tabs start at once, both pay with the success card, both callbacks race: paid once, whatever the order."""
    tabs = race(lambda: payment_start(actor=customer, invoice=invoice, idempotency_key="tab-1"),
                lambda: payment_start(actor=customer, invoice=invoice, idempotency_key="tab-2"))
    charges = race(*[lambda p=p: bank.charge_pay(reference=p.gateway_reference, card_number=SUCCESS)
                     for p in tabs])
    statuses = race(*[lambda c=c: post_callback(live_server.url, payload(c)) for c in charges], settler, settler)
    assert statuses[:2] == [204, 204]
    payments_inbox_settle()
    # One hosted page for both tabs (then the second submit charged nothing), or two paid: one refunded.
    assert SandboxCharge.objects.filter(status="succeeded").count() == Payment.objects.filter(
        status=PaymentStatus.SUCCEEDED).count() == len({p.pk for p in tabs})
    assert_reconciled(invoice)


def test_two_tabs_each_with_its_own_session_double_pay_and_one_is_refunded(invoice, customer, people, live_server,
                                                                           monkeypatch, emitted):
    """The gateway is slow to open a session: both tabs get one, both are paid, the second is a double payment."""
    in_gateway = threading.Barrier(2)
    open_session = bank.charge_create

    def slow_bank(**kwargs):
        in_gateway.wait(timeout=10)  # both tabs are at the bank at the same moment
        return open_session(**kwargs)

    monkeypatch.setattr(bank, "charge_create", slow_bank)
    tabs = race(lambda: payment_start(actor=customer, invoice=invoice, idempotency_key="tab-1"),
                lambda: payment_start(actor=customer, invoice=invoice, idempotency_key="tab-2"))
    assert tabs[0].pk != tabs[1].pk and all(t.status == PaymentStatus.PENDING for t in tabs)
    charges = race(*[lambda p=p: bank.charge_pay(reference=p.gateway_reference, card_number=SUCCESS)
                     for p in tabs])
    assert bank.totals()["charged"] == 2 * invoice.total
    told = race(*[lambda c=c: post_callback(live_server.url, payload(c)) for c in charges for _ in range(3)],
                settler, settler)
    assert told[:6] == [204] * 6
    payments_inbox_settle()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    refund = Refund.objects.get()
    assert refund.automatic and refund.status == RefundStatus.REQUESTED and refund.payment_id != invoice.paid_by_id
    assert sorted(emitted) == ["payment.succeeded", "payment.succeeded"]
    assert AuditEvent.objects.filter(action="payments.double_payment").count() == 1
    invoice.application.refresh_from_db()
    assert invoice.application.state == "issuing"  # moved on once, by the payment that paid
    assert_reconciled(invoice)  # both charges held until the refund is executed

    refund_decide(actor=people["supervisor"], refund=refund, approve=True)
    race(lambda: refund_execute(refund_id=refund.pk), lambda: refund_execute(refund_id=refund.pk))
    assert SandboxRefund.objects.count() == 1 and LedgerEntry.objects.filter(kind="refund").count() == 1
    assert Payment.objects.get(pk=refund.payment_id).status == PaymentStatus.REFUNDED
    assert bank.totals() == {"charged": 2 * invoice.total, "refunded": invoice.total, "net": invoice.total}
    assert_reconciled(invoice)


def test_one_callback_delivered_twenty_times_at_once_writes_one_ledger_row(invoice, customer, live_server, emitted):
    payment = payment_start(actor=customer, invoice=invoice, idempotency_key="tab-1")
    charge = bank.charge_pay(reference=payment.gateway_reference, card_number=SUCCESS)
    told = payload(charge)
    assert race(*[lambda: post_callback(live_server.url, told)] * 20, settler, settler)[:20] == [204] * 20
    payments_inbox_settle()
    assert LedgerEntry.objects.count() == 1 and emitted == ["payment.succeeded"]
    assert AuditEvent.objects.filter(action="payments.payment_succeeded").count() == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert_reconciled(invoice)


def test_callbacks_and_return_page_status_queries_racing_have_one_outcome(invoice, customer, live_server, emitted):
    payment = payment_start(actor=customer, invoice=invoice, idempotency_key="tab-1")
    charge = bank.charge_pay(reference=payment.gateway_reference, card_number=SUCCESS)
    told = payload(charge)
    calls = []
    for _ in range(5):
        calls.append(lambda: post_callback(live_server.url, told))
        calls.append(lambda: payment_return_handle(actor=customer, reference=payment.reference).status)
    results = race(*calls, settler, settler)[:10]
    assert results[0::2] == [204] * 5
    # A return that ran before any success was applied saw "pending", or settled it itself: never "failed".
    assert set(results[1::2]) <= {PaymentStatus.PENDING, PaymentStatus.SUCCEEDED}
    payments_inbox_settle()
    assert payment_return_handle(actor=customer, reference=payment.reference).status == PaymentStatus.SUCCEEDED
    assert LedgerEntry.objects.count() == 1 and emitted == ["payment.succeeded"]
    invoice.application.refresh_from_db()
    assert invoice.application.state == "issuing"
    assert invoice.application.events.filter(action="payment_received").count() == 1
    assert_reconciled(invoice)


def test_a_late_success_after_a_failure_wins_under_concurrency(invoice, customer, live_server, emitted):
    """Given up on ("abandoned"), then the success, a stale failure and the periodic status query all race."""
    payment = payment_start(actor=customer, invoice=invoice, idempotency_key="tab-1")
    charge = bank.charge_pay(reference=payment.gateway_reference, card_number=TIMEOUT)
    SandboxCharge.objects.filter(pk=charge.pk).update(status="pending")  # the bank is not answering
    payments_settle_pending(now=timezone.now() + timedelta(days=2))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and payment.failure_code == "abandoned"
    SandboxCharge.objects.filter(pk=charge.pk).update(status="succeeded", failure_code="")
    success = payload(charge)
    stale_failure = {**success, "id": f"evt_{charge.reference}_failed", "status": "failed", "failure_code": "declined"}
    later = timezone.now() + timedelta(minutes=5)
    calls = [lambda: post_callback(live_server.url, success)] * 6 + \
            [lambda: post_callback(live_server.url, stale_failure)] * 3 + \
            [lambda: payments_settle_pending(now=later)] * 2
    results = race(*calls, settler, settler)
    assert results[:9] == [204] * 9
    payments_inbox_settle()
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_by_id == payment.pk
    assert LedgerEntry.objects.count() == 1 and emitted == ["payment.succeeded"]
    # The stale failure after the success changes nothing.
    assert post_callback(live_server.url, stale_failure) == 204
    payments_inbox_settle()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert_reconciled(invoice)
