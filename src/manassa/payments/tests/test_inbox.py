"""The callback inbox: the view stores a gateway's notification, the scheduler's job settles them in batches."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from manassa.audit.models import AuditChainHead, AuditEvent
from manassa.core.models import EventOutbox
from manassa.payments import services
from manassa.payments.gateways import sandbox_secret
from manassa.payments.models import CallbackInbox, InvoiceStatus, LedgerEntry, PaymentStatus, Refund
from manassa.payments.sandbox import bank
from manassa.payments.sandbox.models import SandboxCharge
from manassa.payments.services import payments_inbox_settle, payments_settle_pending
from manassa.payments.tests.matrix_rows import make_bill_invoice, pay

CALLBACK = "/payments/callback/sandbox/"
TIMEOUT = "4000000000000119"


def _told(charge) -> dict:
    """What the sandbox tells of a charge now."""
    charge.refresh_from_db()
    return bank.charge_payload(charge)


def _post(client, told: dict):
    body = bank.callback_body(told)
    return client.post(CALLBACK, body, content_type="application/json",
                       HTTP_X_SANDBOX_SIGNATURE=bank.sign(sandbox_secret(), body))


def _paid_at_the_bank(people, entity, total):
    """A bill invoice paid with the success card; the platform has not heard of it yet."""
    return pay(make_bill_invoice(entity=entity, payer=people["customer"], total=total), people["customer"],
               callback=False)


def _ledger_equals_the_bank() -> bool:
    return (LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] or 0) == bank.totals()["net"]


def test_a_callback_is_stored_answered_and_settled_later_once(client, people, entity_a):
    payment, charge = _paid_at_the_bank(people, entity_a, 15000)
    told = _told(charge)
    for _ in range(3):  # the gateway repeats itself before anything is settled
        assert _post(client, told).status_code == 204
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING  # answered, not yet applied
    assert CallbackInbox.objects.count() == 1 and not LedgerEntry.objects.exists()
    assert payments_inbox_settle() == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.invoice.status == InvoiceStatus.PAID
    assert LedgerEntry.objects.count() == 1 and not CallbackInbox.objects.exists() and _ledger_equals_the_bank()
    # Told again once it is settled: one read, nothing stored.
    with CaptureQueriesContext(connection) as queries:
        assert _post(client, told).status_code == 204
    assert not CallbackInbox.objects.exists()
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]
    assert payments_inbox_settle() == 0


def test_a_batch_costs_the_same_statements_whatever_its_size_and_finds_a_double_payment(client, people, entity_a,
                                                                                        entity_b):
    def settle_counted(count: int) -> int:
        for index in range(count):
            _payment, charge = _paid_at_the_bank(people, entity_a if index % 2 else entity_b, 1000 + index)
            _post(client, _told(charge))
        assert CallbackInbox.objects.count() == count
        with CaptureQueriesContext(connection) as queries:
            assert payments_inbox_settle() == count
        return len(queries.captured_queries)

    assert settle_counted(3) == settle_counted(12)

    # Two payments of one invoice told in one batch: the first, given up on, succeeded at the bank after all
    # while the second paid. The second to be told is a double payment, refunded through approval.
    invoice = make_bill_invoice(entity=entity_a, payer=people["customer"], total=9000)
    first, first_charge = pay(invoice, people["customer"], card=TIMEOUT, callback=False)
    SandboxCharge.objects.filter(pk=first_charge.pk).update(status="pending")
    payments_settle_pending(now=timezone.now() + timedelta(days=2))  # abandoned
    SandboxCharge.objects.filter(pk=first_charge.pk).update(status="succeeded", failure_code="")
    second, second_charge = pay(invoice, people["customer"], callback=False)
    charges = [second_charge, first_charge]
    events_before = EventOutbox.objects.count()
    for charge in charges:
        _post(client, _told(charge))
    head_before = AuditChainHead.objects.get().last_event_id
    assert payments_inbox_settle() == 2
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_by_id == second.pk
    refund = Refund.objects.get()
    assert refund.automatic and refund.payment_id == first.pk and refund.amount == 9000
    assert list(AuditEvent.objects.filter(id__gt=head_before).values_list("action", flat=True).order_by("id")) == [
        "payments.payment_succeeded", "payments.double_payment", "payments.payment_succeeded"]
    assert EventOutbox.objects.count() - events_before == 2
    assert LedgerEntry.objects.filter(invoice=invoice).count() == 2 and _ledger_equals_the_bank()


def test_a_notice_that_fails_stays_with_its_error_and_holds_no_other_back(client, people, entity_a, monkeypatch):
    bad, bad_charge = _paid_at_the_bank(people, entity_a, 2000)
    good, good_charge = _paid_at_the_bank(people, entity_a, 3000)
    _post(client, _told(bad_charge))
    _post(client, _told(good_charge))
    settle_one = services._settle_one

    def broken(writes, *, payment, **kwargs):
        if payment.pk == bad.pk:
            raise RuntimeError("the gateway said something we cannot read")
        return settle_one(writes, payment=payment, **kwargs)

    monkeypatch.setattr(services, "_settle_one", broken)
    assert payments_inbox_settle() == 1
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == PaymentStatus.SUCCEEDED and bad.status == PaymentStatus.PENDING
    stuck = CallbackInbox.objects.get()
    assert stuck.payment_id == bad.pk and stuck.attempts == 1 and "cannot read" in stuck.last_error
    assert stuck.next_attempt_at > timezone.now()
    assert payments_inbox_settle() == 0  # waits for its back-off

    monkeypatch.setattr(services, "_settle_one", settle_one)
    CallbackInbox.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert payments_inbox_settle() == 1
    bad.refresh_from_db()
    assert bad.status == PaymentStatus.SUCCEEDED and not CallbackInbox.objects.exists() and _ledger_equals_the_bank()


def test_a_failure_then_a_success_told_in_one_batch_end_paid(client, people, entity_a):
    """Out of order and in one batch: the failure of the first try, then the success of the same payment."""
    payment, charge = _paid_at_the_bank(people, entity_a, 4000)
    success = _told(charge)
    failure = {**success, "id": f"{success['id']}_failed", "status": "failed", "failure_code": "declined"}
    for told in (failure, success, failure):
        assert _post(client, told).status_code == 204
    assert CallbackInbox.objects.count() == 2
    assert payments_inbox_settle() == 2
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and LedgerEntry.objects.count() == 1


def test_the_scheduler_can_run_the_inbox_alone(client, people, entity_a):
    _payment, charge = _paid_at_the_bank(people, entity_a, 5000)
    _post(client, _told(charge))
    out = io.StringIO()
    call_command("scheduler", "--once", "--only", "payments-inbox", stdout=out)
    assert out.getvalue().strip() == "payments-inbox: 1"
    with pytest.raises(CommandError, match="unknown job: nope"):
        call_command("scheduler", "--once", "--only", "nope")
