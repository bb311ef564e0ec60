"""Paying through the sandbox gateway, and every fault: after each, the ledger balances and nobody pays twice."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

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
from manassa.core import events
from manassa.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from manassa.entities.models import EntityRole, Membership
from manassa.payments import db_guard
from manassa.payments.gateways import sandbox_secret
from manassa.payments.models import (
    FeeLine,
    FeeSchedule,
    Invoice,
    InvoiceStatus,
    LedgerEntry,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from manassa.payments.sandbox import bank
from manassa.payments.sandbox import tasks as sandbox_tasks
from manassa.payments.sandbox.models import SandboxCharge
from manassa.payments.services import (
    invoice_create,
    invoices_expire,
    payment_return_handle,
    payment_start,
    payments_inbox_settle,
    payments_settle_pending,
    refund_decide,
    refund_execute,
    refund_request,
)

SUCCESS, DECLINED, NO_FUNDS, CHALLENGE, TIMEOUT = ("4000000000000002", "4000000000000010", "4000000000000028",
                                                   "4000000000003220", "4000000000000119")
CALLBACK = "/payments/callback/sandbox/"
FORM = {
    "format": "manassa-form/1",
    "pages": [{"key": "details", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
        {"key": "annual_rent", "type": "number", "label": {"ar": "الإيجار السنوي", "en": "Annual rent"},
         "required": True, "min": 0},
    ]}],
}


@pytest.fixture(autouse=True)
def _calendars(db):
    from manassa.worktime.defaults import install_defaults
    from manassa.worktime.models import Holiday, WorkingCalendar

    install_defaults(WorkingCalendar, Holiday)


@pytest.fixture
def emitted():
    seen = []

    def listener(event):
        seen.append(event)

    events.subscribe("payment.", listener)
    yield seen
    events.unsubscribe("payment.", listener)


@pytest.fixture
def invoice(people, entity_a):
    service = make_service(entity=entity_a, sector=make_sector(), code="ENT-A-LEASE", name_ar="عقد", name_en="Lease")
    service_form_publish(actor=people["admin"], service=service, definition=FORM)
    service_workflow_publish(actor=people["admin"], service=service,
                             definition=TEMPLATES["approval_payment_issue"])
    schedule = FeeSchedule.objects.create(service=service, version=1)
    FeeLine.objects.create(schedule=schedule, position=0, label_ar="رسوم الخدمة", label_en="Service fee",
                           amount=10000)
    FeeLine.objects.create(schedule=schedule, position=1, kind="service", label_ar="٤٪", label_en="4% of rent",
                           expression="annual_rent * 4")  # 4% of the rent in AED is 4 × rent in fils
    FeeLine.objects.create(schedule=schedule, position=2, kind="knowledge", label_ar="المعرفة",
                           label_en="Knowledge fee", amount=1000)
    application = application_start(actor=people["customer"], service=service)
    application_answers_save(actor=people["customer"], application=application, answers={"annual_rent": "50000"})
    application = application_submit(actor=people["customer"], application=application)
    application = application_transition(actor=people["officer"], application=application, action="start_review")
    application = application_transition(actor=people["officer"], application=application, action="approve")
    assert application.state == "awaiting_payment"
    # Raised by the subscriber as the request entered the state whose ``paid_action`` waits for a payment.
    return Invoice.objects.get(application=application)


def _callback(client, charge, *, signature=None, settle=True):
    """The sandbox's signed notification posted to the callback view; then, with ``settle``, the scheduler's job."""
    charge.refresh_from_db()
    body = bank.callback_body(bank.charge_payload(charge))
    response = client.post(CALLBACK, body, content_type="application/json",
                           HTTP_X_SANDBOX_SIGNATURE=signature or bank.sign(sandbox_secret(), body))
    if settle:
        payments_inbox_settle()
    return response


def _pay(invoice, customer, card, key="tab-1"):
    payment = payment_start(actor=customer, invoice=invoice, idempotency_key=key)
    charge = bank.charge_pay(reference=payment.gateway_reference, card_number=card)
    return payment, charge


def _assert_balanced(invoice):
    """The ledger holds exactly the invoice's total, and exactly what the sandbox holds."""
    invoice.refresh_from_db()
    held = LedgerEntry.objects.filter(invoice=invoice).aggregate(total=Sum("amount"))["total"] or 0
    assert held == (invoice.total if invoice.status == InvoiceStatus.PAID else 0)
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == bank.totals()["net"]


def test_fees_come_from_the_schedule_and_the_invoice_is_made_once(invoice, people):
    assert [line["amount"] for line in invoice.lines] == [10000, 200000, 1000]
    assert invoice.total == 211000 and invoice.status == InvoiceStatus.OPEN
    assert (invoice.step, invoice.on_paid_action) == ("awaiting_payment", "payment_received")
    again = invoice_create(actor=people["officer"], application=invoice.application, step="awaiting_payment")
    assert again.pk == invoice.pk


def test_success_card_pays_moves_the_request_on_and_writes_the_ledger(invoice, customer, client, emitted):
    payment, charge = _pay(invoice, customer, SUCCESS)
    assert payment.status == PaymentStatus.PENDING and payment.redirect_url.startswith("/sandbox-gateway/pay/")
    assert _callback(client, charge).status_code == 204
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and invoice.paid_by_id == payment.pk
    invoice.application.refresh_from_db()
    assert invoice.application.state == "issuing"
    assert [event.kind for event in emitted] == ["payment.succeeded"]
    _assert_balanced(invoice)


def test_a_duplicated_callback_changes_nothing(invoice, customer, client, emitted):
    _payment, charge = _pay(invoice, customer, SUCCESS)
    for _ in range(3):
        assert _callback(client, charge).status_code == 204
    assert LedgerEntry.objects.count() == 1 and len(emitted) == 1
    _assert_balanced(invoice)


def test_callback_before_the_return_then_the_return_agrees(invoice, customer, client):
    payment, charge = _pay(invoice, customer, SUCCESS)
    _callback(client, charge)
    payment = payment_return_handle(actor=customer, reference=payment.reference)
    assert payment.status == PaymentStatus.SUCCEEDED and LedgerEntry.objects.count() == 1
    _assert_balanced(invoice)


def test_the_return_alone_settles_it_by_asking_the_gateway(invoice, customer):
    payment, _charge = _pay(invoice, customer, SUCCESS)
    payment = payment_return_handle(actor=customer, reference=payment.reference)
    assert payment.status == PaymentStatus.SUCCEEDED
    _assert_balanced(invoice)


def test_a_forged_callback_is_refused(invoice, customer, client):
    _payment, charge = _pay(invoice, customer, SUCCESS)
    assert _callback(client, charge, signature="t=1,v1=00").status_code == 400
    charge.status = "succeeded"
    body = bank.callback_body(bank.charge_payload(charge))
    forged = bank.sign("not-the-secret", body)
    assert client.post(CALLBACK, body, content_type="application/json",
                       HTTP_X_SANDBOX_SIGNATURE=forged).status_code == 400
    assert not LedgerEntry.objects.exists()


def test_declined_card_fails_with_its_reason_and_a_retry_works(invoice, customer, client):
    payment, charge = _pay(invoice, customer, DECLINED)
    _callback(client, charge)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and payment.failure_code == "declined"
    retry, charge = _pay(invoice, customer, SUCCESS, key="tab-1-retry")
    assert retry.pk != payment.pk
    _callback(client, charge)
    _assert_balanced(invoice)


def test_insufficient_funds_and_three_d_secure(invoice, customer, client):
    payment, charge = _pay(invoice, customer, NO_FUNDS)
    _callback(client, charge)
    payment.refresh_from_db()
    assert payment.failure_code == "insufficient_funds"
    payment, charge = _pay(invoice, customer, CHALLENGE, key="second")
    assert charge.challenge and charge.status == "pending"
    charge = bank.charge_challenge(reference=charge.reference, code="123456")
    _callback(client, charge)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    _assert_balanced(invoice)


def test_a_callback_never_sent_is_settled_by_the_status_query(invoice, customer):
    bank.switch_set(callback_mode="drop")
    payment, _charge = _pay(invoice, customer, SUCCESS)
    assert payments_settle_pending(now=timezone.now()) == 0  # too recent to chase
    assert payments_settle_pending(now=timezone.now() + timedelta(minutes=5)) == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    _assert_balanced(invoice)


def test_a_late_success_after_failed_is_honoured(invoice, customer, client):
    payment, charge = _pay(invoice, customer, TIMEOUT)  # the bank took the money, nobody was told
    # Give-up time passes while the status query is unreachable: the payment is marked failed.
    SandboxCharge.objects.filter(pk=charge.pk).update(status="pending")
    payments_settle_pending(now=timezone.now() + timedelta(days=2))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and payment.failure_code == "abandoned"
    SandboxCharge.objects.filter(pk=charge.pk).update(status="succeeded", failure_code="")
    _callback(client, charge)
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and invoice.status == InvoiceStatus.PAID
    _assert_balanced(invoice)


def test_two_tabs_get_one_payment_page(invoice, customer):
    first = payment_start(actor=customer, invoice=invoice, idempotency_key="tab-1")
    second = payment_start(actor=customer, invoice=invoice, idempotency_key="tab-2")
    assert second.pk == first.pk
    assert payment_start(actor=customer, invoice=invoice, idempotency_key="tab-1").pk == first.pk


def test_a_double_payment_is_detected_and_refunded_through_approval(invoice, customer, people, client, emitted):
    first, first_charge = _pay(invoice, customer, TIMEOUT)
    SandboxCharge.objects.filter(pk=first_charge.pk).update(status="pending")
    payments_settle_pending(now=timezone.now() + timedelta(days=2))  # abandoned
    SandboxCharge.objects.filter(pk=first_charge.pk).update(status="succeeded", failure_code="")
    second, second_charge = _pay(invoice, customer, SUCCESS, key="tab-2")
    _callback(client, second_charge)
    _callback(client, first_charge)  # the first one's success arrives late: paid twice
    refund = Refund.objects.get()
    assert refund.automatic and refund.payment_id == first.pk and refund.status == RefundStatus.REQUESTED
    refund_decide(actor=people["supervisor"], refund=refund, approve=True)
    refund = refund_execute(refund_id=refund.pk)
    assert refund.status == RefundStatus.EXECUTED
    assert refund_execute(refund_id=refund.pk).status == RefundStatus.EXECUTED  # told twice, refunded once
    first.refresh_from_db()
    assert first.status == PaymentStatus.REFUNDED
    assert [event.kind for event in emitted] == ["payment.succeeded", "payment.succeeded", "payment.refunded"]
    assert bank.totals() == {"charged": 2 * invoice.total, "refunded": invoice.total, "net": invoice.total}
    _assert_balanced(invoice)


def test_the_sandbox_sends_its_callbacks_over_http_duplicated(invoice, customer, client, monkeypatch):
    sent = []

    def post(url, body, signature):
        sent.append(url)
        return client.post(url.removeprefix("http://testserver"), body, content_type="application/json",
                           HTTP_X_SANDBOX_SIGNATURE=signature).status_code

    monkeypatch.setattr(sandbox_tasks, "callback_post", post)
    bank.switch_set(callback_mode="duplicate")
    payment, charge = _pay(invoice, customer, SUCCESS)
    payload = bank.charge_payload(charge)
    for _ in range(2):
        assert sandbox_tasks.sandbox_callback_send.call(url=charge.callback_url, payload=payload) == "sent"
    assert sent == ["http://testserver/payments/callback/sandbox/"] * 2
    payments_inbox_settle()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and LedgerEntry.objects.count() == 1
    _assert_balanced(invoice)


def test_idempotency_keys_belong_to_one_invoice(invoice, customer, people):
    payment_start(actor=customer, invoice=invoice, idempotency_key="k")
    other = invoice_create(actor=people["officer"], application=invoice.application, step="extra",
                           lines=[{"kind": "urgent", "label": {"ar": "عاجل", "en": "Urgent"}, "amount": 500}])
    with pytest.raises(Conflict):
        payment_start(actor=customer, invoice=other, idempotency_key="k")


def test_only_the_payer_can_pay_or_see_the_return(invoice, customer, people):
    stranger = make_user("stranger@example.test")
    with pytest.raises(NotFound):
        payment_start(actor=stranger, invoice=invoice, idempotency_key="x")
    payment = payment_start(actor=customer, invoice=invoice, idempotency_key="y")
    for user in (stranger, people["officer"], None):
        with pytest.raises(NotFound):
            payment_return_handle(actor=user, reference=payment.reference)


def test_refunds_need_the_entity_and_a_second_person(invoice, customer, people, client, entity_b):
    _payment, charge = _pay(invoice, customer, SUCCESS)
    _callback(client, charge)
    payment = Payment.objects.get(status=PaymentStatus.SUCCEEDED)
    outsider = make_user("other-entity@example.test", totp=True)
    Membership.objects.create(user=outsider, entity=entity_b, role=EntityRole.SUPERVISOR)
    for user in (outsider, customer):
        with pytest.raises(NotFound):
            refund_request(actor=user, payment=payment, amount=100, reason="x")
    refund = refund_request(actor=people["officer"], payment=payment, amount=1000, reason="Service not provided")
    with pytest.raises(NotFound):
        refund_decide(actor=outsider, refund=refund, approve=True)
    with pytest.raises(Forbidden):
        refund_decide(actor=people["officer"], refund=refund, approve=True)
    refund_request(actor=people["supervisor"], payment=payment, amount=500, reason="own")
    own = Refund.objects.get(amount=500)
    with pytest.raises(Forbidden):
        refund_decide(actor=people["supervisor"], refund=own, approve=True)
    refund_decide(actor=people["supervisor"], refund=refund, approve=True)
    refund_execute(refund_id=refund.pk)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED  # a partial refund
    held = LedgerEntry.objects.aggregate(total=Sum("amount"))["total"]
    assert held == invoice.total - 1000 == bank.totals()["net"]


def test_the_ledger_is_append_only(invoice, customer, client):
    _payment, charge = _pay(invoice, customer, SUCCESS)
    _callback(client, charge)
    entry = LedgerEntry.objects.get()
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    db_guard.install(connection)
    try:
        from django.db import DatabaseError, transaction

        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerEntry.objects.filter(pk=entry.pk).delete()
    finally:
        db_guard.uninstall(connection)


def test_a_workflow_whose_first_state_waits_for_payment_charges_at_submission(people, entity_a):
    service = make_service(entity=entity_a, sector=make_sector(), code="ENT-A-PAYFIRST", name_ar="دفع",
                           name_en="Pay first")
    service_form_publish(actor=people["admin"], service=service, definition=FORM)
    workflow = {
        "format": "manassa-workflow/1", "initial": "awaiting_payment",
        "states": [
            {"key": "awaiting_payment", "label": {"ar": "بانتظار الدفع", "en": "Waiting for payment"},
             "waiting_for": "customer", "paid_action": "paid"},
            {"key": "in_review", "label": {"ar": "قيد المراجعة", "en": "In review"}},
            {"key": "done", "label": {"ar": "منجز", "en": "Done"}, "terminal": True, "outcome": "approved"},
        ],
        "actions": [
            {"key": "paid", "label": {"ar": "دُفع", "en": "Paid"}, "from": ["awaiting_payment"], "to": "in_review",
             "roles": ["system"]},
            {"key": "finish", "label": {"ar": "إنجاز", "en": "Finish"}, "from": ["in_review"], "to": "done",
             "roles": ["officer"]},
        ],
    }
    service_workflow_publish(actor=people["admin"], service=service, definition=workflow)
    schedule = FeeSchedule.objects.create(service=service, version=1)
    FeeLine.objects.create(schedule=schedule, label_ar="رسوم", label_en="Fee", amount=5000)
    application = application_start(actor=people["customer"], service=service)
    application_answers_save(actor=people["customer"], application=application, answers={"annual_rent": "1"})
    application = application_submit(actor=people["customer"], application=application)
    invoice = Invoice.objects.get(application=application)
    assert (invoice.step, invoice.total, invoice.on_paid_action) == ("awaiting_payment", 5000, "paid")


def test_a_payment_state_without_fees_refuses_the_move_and_keeps_the_request(invoice, people):
    other = invoice.application.service
    FeeSchedule.objects.filter(service=other).update(active=False)
    application = application_start(actor=people["customer"], service=other)
    application_answers_save(actor=people["customer"], application=application, answers={"annual_rent": "10"})
    application = application_submit(actor=people["customer"], application=application)
    application = application_transition(actor=people["officer"], application=application, action="start_review")
    with pytest.raises(InvalidInput) as caught:
        application_transition(actor=people["officer"], application=application, action="approve")
    assert caught.value.code == "no_fees"
    application.refresh_from_db()
    assert application.state == "in_review" and not Invoice.objects.filter(application=application).exists()


def test_entity_systems_hear_of_payments_by_webhook(invoice, customer, client, people):
    import json

    from manassa.core.events import events_dispatch
    from manassa.integrations.models import WebhookDelivery
    from manassa.integrations.services import webhook_endpoint_create

    webhook_endpoint_create(actor=people["admin"], entity=invoice.entity, url="https://example.ae/hook",
                            events=["payment.succeeded", "payment.refunded"])
    payment, charge = _pay(invoice, customer, SUCCESS)
    _callback(client, charge)
    _callback(client, charge)  # told twice: one event
    events_dispatch()
    delivery = WebhookDelivery.objects.get(kind="payment.succeeded")
    body = json.loads(delivery.body)
    assert body["data"] == {"payment": payment.reference, "invoice": invoice.number, "amount": invoice.total,
                            "currency": "AED", "request": invoice.application.reference, "double_payment": False}


def test_the_payer_is_reminded_a_day_before_the_invoice_expires_then_it_expires(invoice, customer):
    from manassa.core.events import events_dispatch
    from manassa.notifications.models import Delivery

    customer.preferred_language = "en"
    customer.save()
    assert invoices_expire(now=invoice.expires_at - timedelta(days=2)) == 0
    events_dispatch()
    assert not Delivery.objects.filter(event="invoice.expiring").exists()
    invoices_expire(now=invoice.expires_at - timedelta(hours=12))
    invoices_expire(now=invoice.expires_at - timedelta(hours=11))  # reminded once
    events_dispatch()
    email = Delivery.objects.get(event="invoice.expiring", channel="email", recipient=customer)
    assert email.subject == f"Payment reminder: {invoice.application.reference}"
    assert "2,110.00 AED" in email.body and f"/en/payments/invoices/{invoice.number}/" in email.body
    assert Delivery.objects.filter(event="invoice.expiring", recipient=customer).count() == 2  # portal and e-mail
    assert invoices_expire(now=invoice.expires_at + timedelta(seconds=1)) == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.EXPIRED
