"""Writes of the payments app: invoices, payments and their settlement, refunds, the ledger.

Exactly once, by construction:

- a payment is created once per idempotency key (unique in the database);
- its status only moves forward, under a row lock: a success wins over a
  failure (a late success is honoured), a second success of the same payment
  changes nothing;
- a ledger row is written once per gateway event id (unique in the database);
- an invoice is paid once; a second payment that succeeds for a paid invoice
  is a double payment: recorded, and a refund is requested automatically and
  flagged for a supervisor.

Locks are always taken invoices first, then payments (each in id order), then
(through ``application_transition``) the application, so concurrent
settlements of one invoice queue up instead of deadlocking. Gateway calls
never run inside a transaction: a slow gateway must not hold a lock.

A gateway's callback is stored in the inbox (``CallbackInbox``, one insert) and
answered; ``payments_inbox_settle`` settles the stored notifications in
batches, through the same ``_settle`` as the return page's and the periodic
status queries.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import asdict, astuple, dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manassa.audit.services import AuditEntry, audit_record, audit_record_many
from manassa.core import events
from manassa.core.errors import ApplicationError, Conflict, Forbidden, InvalidInput, NotFound
from manassa.core.rows import insert_unless_present, update_each
from manassa.entities.models import EntityRole, Membership
from manassa.payments.fees import fee_expression_evaluate
from manassa.payments.gateways import gateway_get
from manassa.payments.gateways.base import (
    FAILED,
    SUCCEEDED,
    CallbackInvalid,
    ChargeStatus,
    GatewayError,
    SessionRequest,
)
from manassa.payments.models import (
    CallbackInbox,
    FeeSchedule,
    Invoice,
    InvoiceStatus,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)

logger = logging.getLogger(__name__)

SYSTEM_ROLES = frozenset({"system"})
# Gateway notifications settled per transaction (see payments_inbox_settle).
INBOX_BATCH = 200


class GatewayUnavailable(ApplicationError):
    code = "gateway_unavailable"
    status = 503
    default_message = gettext_lazy("The payment service cannot be reached. Try again in a few minutes.")


def _gateway_unavailable() -> GatewayUnavailable:
    return GatewayUnavailable()


def _base_url() -> str:
    return getattr(settings, "MANASSA_PAYMENTS_BASE_URL", "http://localhost:8000")


def _invoice_days() -> int:
    return int(getattr(settings, "MANASSA_INVOICE_DAYS", 7))


# -- fees and invoices -----------------------------------------------------------------------------------------------

def fee_schedule_current(*, service) -> FeeSchedule | None:
    return (FeeSchedule.objects.filter(service=service, active=True).order_by("-version")
            .prefetch_related("lines").first())


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"true", "yes", "1", "on"}


def fee_lines_compute(*, schedule: FeeSchedule, answers: dict) -> list[dict[str, Any]]:
    """The lines charged for these answers: ``[{"kind", "label": {"ar", "en"}, "amount"}]`` (no zero lines)."""
    lines = []
    for index, line in enumerate(schedule.lines.all()):
        if line.condition and not _truthy(answers.get(line.condition)):
            continue
        amount = line.amount if line.amount is not None else fee_expression_evaluate(
            line.expression, answers, path=f"lines[{index}].expression")
        if amount:
            lines.append({"kind": line.kind, "label": {"ar": line.label_ar, "en": line.label_en}, "amount": amount})
    return lines


def _reference(prefix: str) -> str:
    return f"{prefix}-{timezone.now().year}-{secrets.token_hex(5).upper()}"


def invoice_number_new() -> str:
    """A new invoice number (``INV-2026-3F9A0C12D4``): random, so it reveals no count; unique in the table."""
    return _reference("INV")


def invoice_create(*, actor, application, step: str = "submission", on_paid_action: str = "",
                   lines: list[dict[str, Any]] | None = None, now=None) -> Invoice:
    """The invoice of a request for one step (idempotent: the same request and step give the same invoice).

    ``lines`` default to the service's current fee schedule over the request's answers.
    """
    existing = Invoice.objects.filter(application=application, step=step).first()
    if existing is not None:
        return existing
    currency = "AED"
    if lines is None:
        schedule = fee_schedule_current(service=application.service)
        if schedule is None:
            raise InvalidInput(_("This service has no fees to pay."), code="no_fees")
        lines, currency = fee_lines_compute(schedule=schedule, answers=application.answers or {}), schedule.currency
    total = sum(int(line["amount"]) for line in lines)
    if total <= 0:
        raise InvalidInput(_("This service has no fees to pay."), code="no_fees")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                number=invoice_number_new(), application=application, entity=application.entity,
                payer=application.applicant, step=step, on_paid_action=on_paid_action, lines=lines, total=total,
                currency=currency, expires_at=now + timedelta(days=_invoice_days()))
            audit_record(actor=actor, action="payments.invoice_created", obj=invoice,
                         entity_code=application.entity.code,
                         changes={"number": invoice.number, "request": application.reference, "total": total})
            events.emit(events.DomainEvent(
                kind="invoice.created", entity_code=application.entity.code, subject=invoice, actor=actor,
                data={"invoice": invoice.number, "request": application.reference, "amount": total,
                      "currency": currency, "expires_at": invoice.expires_at.isoformat()}))
    except IntegrityError:
        # Two callers at once (an event told twice): the other one made it.
        return Invoice.objects.get(application=application, step=step)
    return invoice


# -- starting a payment ----------------------------------------------------------------------------------------------

def _check_open(invoice: Invoice, now) -> None:
    if invoice.status == InvoiceStatus.PAID:
        raise Conflict(_("This invoice is already paid."), code="invoice_paid")
    if invoice.status != InvoiceStatus.OPEN or invoice.expires_at <= now:
        raise Conflict(_("This invoice can no longer be paid."), code="invoice_closed")


def payment_start(*, actor, invoice: Invoice, idempotency_key: str, gateway_code: str = "sandbox") -> Payment:
    """A payment session for the invoice's payer; the same ``idempotency_key`` always gives the same payment.

    A payment still waiting on the same invoice (another tab) is given back
    instead of a second one, so two tabs lead to one hosted page.
    """
    idempotency_key = (idempotency_key or "").strip()[:80]
    if not idempotency_key:
        raise InvalidInput(_("Missing payment key."), code="idempotency_key_missing")
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if actor is None or invoice.payer_id != actor.pk:
            raise NotFound()
        payment = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if payment is not None and payment.invoice_id != invoice.pk:
            raise Conflict(_("This payment key was used for another invoice."), code="idempotency_key_reused")
        if payment is None:
            _check_open(invoice, timezone.now())
            payment = (invoice.payments.filter(status=PaymentStatus.PENDING, gateway=gateway_code)
                       .exclude(redirect_url="").order_by("-id").first())
        if payment is None:
            payment = Payment.objects.create(
                reference=_reference("PAY"), invoice=invoice, entity_id=invoice.entity_id, payer=actor,
                gateway=gateway_code, idempotency_key=idempotency_key, amount=invoice.total,
                currency=invoice.currency)
            audit_record(actor=actor, action="payments.payment_started", obj=payment,
                         entity_code=invoice.entity.code,
                         changes={"invoice": invoice.number, "amount": payment.amount, "gateway": gateway_code})
    if payment.status != PaymentStatus.CREATED:
        return payment
    gateway = gateway_get(payment.gateway)
    request = SessionRequest(
        merchant_reference=payment.reference, idempotency_key=f"session:{payment.idempotency_key}",
        amount=payment.amount, currency=payment.currency, description=invoice.number,
        return_url=urljoin(_base_url(), reverse("payments:return", args=[payment.reference])),
        callback_url=urljoin(_base_url(), reverse("payments_gateway:callback", args=[payment.gateway])))
    try:
        session = gateway.session_create(request)
    except GatewayError:
        logger.warning("payment session not created", extra={"payment": payment.reference})
        raise _gateway_unavailable() from None
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == PaymentStatus.CREATED:
            payment.gateway_reference, payment.redirect_url = session.gateway_reference, session.redirect_url
            payment.status = PaymentStatus.PENDING
            payment.save(update_fields=["gateway_reference", "redirect_url", "status", "updated_at"])
    return payment


# -- settling: callbacks, returns, status queries ----------------------------------------------------------------------

def _ledger_entry(*, kind: str, amount: int, payment: Payment, event_id: str, now) -> LedgerEntry:
    return LedgerEntry(kind=kind, amount=amount, currency=payment.currency, gateway=payment.gateway,
                       gateway_event_id=f"{payment.gateway}:{event_id}", payment=payment,
                       invoice_id=payment.invoice_id, entity_id=payment.entity_id, at=now)


def _ledger_write(*, kind: str, amount: int, payment: Payment, event_id: str, now) -> None:
    # One statement, and the unique gateway event id decides: a movement already recorded adds nothing.
    LedgerEntry.objects.bulk_create(
        [_ledger_entry(kind=kind, amount=amount, payment=payment, event_id=event_id, now=now)],
        ignore_conflicts=True)


def _request_reference(invoice: Invoice) -> str | None:
    return invoice.application.reference if invoice.application_id else None


def _move_application_on(invoice: Invoice) -> None:
    application = invoice.application
    if application is None or not invoice.on_paid_action or application.state != invoice.step:
        return
    from manassa.applications.services import application_transition

    try:
        with transaction.atomic():
            application_transition(actor=None, application=application, action=invoice.on_paid_action,
                                   expected_state=invoice.step, system_roles=set(SYSTEM_ROLES), via="payments")
    except ApplicationError as exc:
        # The money is kept and recorded whatever happened to the request meanwhile (withdrawn, moved by staff).
        logger.warning("paid request not moved on", extra={"invoice": invoice.number, "error": exc.code})


def _changes_nothing(payment: Payment, status: ChargeStatus) -> bool:
    """Whether the gateway's answer cannot move ``payment`` on, read without a lock.

    A status only moves forward, so a payment seen succeeded (or refunded) is
    so for good, and a failure changes nothing but a payment still waiting: a
    repeated notification then costs one read, not a transaction with two row
    locks and a write (gateways repeat notifications, often in bursts).
    """
    final = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)
    if status.status == SUCCEEDED:
        return payment.status in final
    if status.status == FAILED:
        return payment.status in (*final, PaymentStatus.FAILED)
    return False


def _about_another_payment(payment: Payment, status: ChargeStatus) -> bool:
    return status.merchant_reference != payment.reference or bool(
        payment.gateway_reference and status.gateway_reference != payment.gateway_reference)


@dataclass(frozen=True)
class _Notice:
    """What a gateway said about one payment, and who told it ("callback", "return", "status_query")."""

    payment_id: int
    invoice_id: int
    status: ChargeStatus
    source: str


class _Writes:
    """The writes of settling several notices, made at the end in one statement per table.

    Settling many callbacks in one transaction is what makes them cheap: the
    audit chain's head (a lock every audited write on the platform takes until
    its commit) moves once, and the payments, invoices, ledger rows and outbox
    rows are one statement each instead of one per callback.
    """

    def __init__(self, now):
        self.now = now
        self.payments: dict[int, tuple[Payment, set[str]]] = {}
        self.invoices: dict[int, tuple[Invoice, set[str]]] = {}
        self.ledger: list[LedgerEntry] = []
        self.audits: list[AuditEntry] = []
        self.events: list[events.DomainEvent] = []
        self.move_on: list[Invoice] = []

    def payment(self, payment: Payment, *fields: str) -> None:
        self.payments.setdefault(payment.pk, (payment, set()))[1].update(fields)

    def invoice(self, invoice: Invoice, *fields: str) -> None:
        self.invoices.setdefault(invoice.pk, (invoice, set()))[1].update(fields)

    def write(self) -> None:
        for model, changed in ((Payment, self.payments), (Invoice, self.invoices)):
            by_fields: dict[frozenset[str], list] = {}
            for obj, fields in changed.values():
                if model is Payment:
                    obj.updated_at = self.now  # (auto_now is the model's save(), which update_each skips)
                    fields = {*fields, "updated_at"}
                by_fields.setdefault(frozenset(fields), []).append(obj)
            for fields, objs in by_fields.items():
                update_each(objs, sorted(fields))
        if self.ledger:
            # The unique gateway event id decides: a movement already recorded adds nothing.
            LedgerEntry.objects.bulk_create(self.ledger, ignore_conflicts=True)
        audit_record_many(actor=None, entries=self.audits)
        events.emit_many(self.events)
        for invoice in self.move_on:
            _move_application_on(invoice)


def _settle(notices: list[_Notice]) -> dict[int, Payment]:
    """Apply what the gateway said, under the row locks, in the order told; the payments as they now stand.

    Locks are taken invoices first, then payments, each in id order, so
    batches, status queries and refunds queue up instead of deadlocking.
    """
    writes = _Writes(timezone.now())
    with transaction.atomic():
        # Only the invoice rows: FOR UPDATE over the joins would lock the entity (every payment of the entity
        # behind one row) and PostgreSQL refuses it on the nullable side (a bill's invoice has no request).
        invoices = {invoice.pk: invoice for invoice in (
            Invoice.objects.select_for_update(of=("self",)).select_related("application", "entity")
            .filter(pk__in={notice.invoice_id for notice in notices}).order_by("pk"))}
        payments = {payment.pk: payment for payment in (
            Payment.objects.select_for_update().filter(pk__in={notice.payment_id for notice in notices})
            .order_by("pk"))}
        for notice in notices:
            payment, invoice = payments.get(notice.payment_id), invoices.get(notice.invoice_id)
            if payment is None or invoice is None or payment.invoice_id != invoice.pk \
                    or _about_another_payment(payment, notice.status):
                logger.warning("gateway notice about another payment ignored",
                               extra={"payment": notice.payment_id, "source": notice.source})
                continue
            _settle_one(writes, invoice=invoice, payment=payment, status=notice.status, source=notice.source)
        writes.write()
    return payments


def _settle_one(writes: _Writes, *, invoice: Invoice, payment: Payment, status: ChargeStatus, source: str) -> None:
    now = writes.now
    payment.last_checked_at = now
    writes.payment(payment, "last_checked_at")
    if not payment.gateway_reference:
        # The callback came before the session was saved: the gateway told us its reference.
        payment.gateway_reference = status.gateway_reference
        writes.payment(payment, "gateway_reference")
    if status.status == SUCCEEDED and payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
        if status.amount != payment.amount or status.currency != payment.currency:
            writes.audits.append(AuditEntry(
                action="payments.amount_mismatch", obj=payment, entity_code=invoice.entity.code,
                changes={"expected": payment.amount, "reported": status.amount, "source": source}))
            return
        _payment_succeeded(writes, invoice=invoice, payment=payment, status=status, source=source)
    elif status.status == FAILED and payment.status in (PaymentStatus.CREATED, PaymentStatus.PENDING):
        payment.status, payment.failure_code, payment.failed_at = PaymentStatus.FAILED, status.failure_code, now
        writes.payment(payment, "status", "failure_code", "failed_at")
        writes.audits.append(AuditEntry(action="payments.payment_failed", obj=payment,
                                        entity_code=invoice.entity.code,
                                        changes={"failure": status.failure_code, "source": source}))


def _payment_succeeded(writes: _Writes, *, invoice: Invoice, payment: Payment, status: ChargeStatus,
                       source: str) -> None:
    now = writes.now
    before = payment.status
    payment.status, payment.succeeded_at = PaymentStatus.SUCCEEDED, now
    writes.payment(payment, "status", "succeeded_at")
    writes.ledger.append(_ledger_entry(kind=LedgerKind.CHARGE, amount=payment.amount, payment=payment,
                                       event_id=status.event_id, now=now))
    double = invoice.status == InvoiceStatus.PAID and invoice.paid_by_id != payment.pk
    changes = {"invoice": invoice.number, "amount": payment.amount, "from": before, "source": source}
    if double:
        refund = Refund.objects.create(payment=payment, amount=payment.amount, automatic=True,
                                       reason="Double payment: the invoice was already paid by "
                                              f"{invoice.paid_by.reference}.")
        writes.audits.append(AuditEntry(action="payments.double_payment", obj=payment,
                                        entity_code=invoice.entity.code, changes={**changes, "refund": refund.pk}))
    else:
        invoice.status, invoice.paid_at, invoice.paid_by = InvoiceStatus.PAID, now, payment
        writes.invoice(invoice, "status", "paid_at", "paid_by")
    writes.audits.append(AuditEntry(action="payments.payment_succeeded", obj=payment,
                                    entity_code=invoice.entity.code, changes=changes))
    writes.events.append(events.DomainEvent(
        kind="payment.succeeded", entity_code=invoice.entity.code, subject=payment,
        data={"payment": payment.reference, "invoice": invoice.number, "amount": payment.amount,
              "currency": payment.currency, "request": _request_reference(invoice), "double_payment": double}))
    if not double:
        writes.move_on.append(invoice)


def payment_apply(*, payment: Payment, status: ChargeStatus, source: str) -> Payment:
    """Apply what the gateway says about a payment; any number of times, in any order, with one outcome."""
    if _about_another_payment(payment, status):
        raise CallbackInvalid("the gateway's answer is about another payment")
    if payment.gateway_reference and _changes_nothing(payment, status):
        return payment
    return _settle([_Notice(payment.pk, payment.invoice_id, status, source)])[payment.pk]


_CALLBACK_PAYMENT_SQL = (
    'SELECT "id", "invoice_id", "reference", "gateway_reference", "status" FROM "payments_payment" '
    'WHERE "gateway" = %s AND "reference" = %s')


def payment_callback_handle(*, gateway_code: str, body: bytes, headers: dict[str, str]) -> None:
    """A gateway's server-to-server notification, kept in the inbox to be settled; ``CallbackInvalid`` if unbelievable.

    When this returns, the notification is stored (one insert, committed) and
    the gateway may be told so; ``payments_inbox_settle`` applies it within a
    second or so. One that cannot change anything (the payment is already
    where it says) costs one read and is not stored.
    """
    try:
        gateway = gateway_get(gateway_code)
    except KeyError:
        raise CallbackInvalid("unknown gateway") from None
    status = gateway.callback_parse(body=body, headers=headers)
    # The hottest read under a gateway's burst: the statement is written out, which saves the ORM's compiling of
    # it (about 0.3 ms, a sixth of a callback's time; benchmarks/payment_callbacks.py). (gateway, reference) is
    # unique by the payment's reference alone.
    payment = next(iter(Payment.objects.raw(_CALLBACK_PAYMENT_SQL, [gateway_code, status.merchant_reference])),
                   None)
    if payment is None:
        raise CallbackInvalid("unknown payment")
    if _about_another_payment(payment, status):
        raise CallbackInvalid("the gateway's answer is about another payment")
    if payment.gateway_reference and _changes_nothing(payment, status):
        return
    # A gateway that gives no event id: the outcome itself identifies the notification.
    event_id = status.event_id or hashlib.sha256(repr(astuple(status)).encode()).hexdigest()[:64]
    insert_unless_present(CallbackInbox(gateway=gateway_code, event_id=event_id, payment_id=payment.pk,
                                        invoice_id=payment.invoice_id, status=asdict(status),
                                        received_at=timezone.now()))


def payments_inbox_settle(*, limit: int = 10_000, batch: int = INBOX_BATCH) -> int:
    """Periodic job: settle the gateways' notifications waiting in the inbox, oldest first; how many were settled.

    Up to ``batch`` notifications per transaction (``SKIP LOCKED``: two
    workers share the work), until a batch is not full. Each is deleted in
    the transaction that settles it, so each is applied once. If a batch
    fails, its notifications are settled one by one, and one that fails alone
    stays with its error and is tried again later with back-off: it holds no
    other back.
    """
    from manassa.core.retry import failure_record

    settled = 0
    failed: set[int] = set()
    while settled < limit:
        now = timezone.now()
        with transaction.atomic():
            rows = list(CallbackInbox.objects.select_for_update(skip_locked=True)
                        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                        .exclude(pk__in=failed).order_by("id")[:min(batch, limit - settled)])
            if not rows:
                break
            notices = [_Notice(row.payment_id, row.invoice_id, ChargeStatus(**row.status), "callback")
                       for row in rows]
            try:
                with transaction.atomic():
                    _settle(notices)
                done = [row.pk for row in rows]
            except Exception:  # noqa: BLE001 — settled again one by one below
                logger.exception("gateway notices batch failed", extra={"notices": len(rows)})
                done = []
                for row, notice in zip(rows, notices, strict=True):
                    try:
                        with transaction.atomic():
                            _settle([notice])
                        done.append(row.pk)
                    except Exception as exc:  # noqa: BLE001 — the notice stays; its writes rolled back
                        logger.exception("gateway notice failed", extra={"notice": str(row)})
                        failed.add(row.pk)
                        failure_record(row, exc, now)
            CallbackInbox.objects.filter(pk__in=done).delete()
        settled += len(done)
        if len(rows) < batch:
            # Caught up: what arrives meanwhile waits for the next run (0.2 s), in one batch, rather than being
            # chased one small batch after another (each pays the batch's fixed statements again).
            break
    return settled


def payment_refresh(*, payment: Payment, source: str) -> Payment:
    """Ask the gateway (never the browser) where a payment stands, and apply it."""
    if not payment.gateway_reference:
        return payment
    try:
        status = gateway_get(payment.gateway).status_query(gateway_reference=payment.gateway_reference)
    except GatewayError:
        logger.warning("payment status query failed", extra={"payment": payment.reference})
        return payment
    return payment_apply(payment=payment, status=status, source=source)


def payment_return_handle(*, actor, reference: str) -> Payment:
    """The resident is back from the gateway: what the browser says is ignored, the gateway is asked."""
    payment = Payment.objects.filter(reference=reference).first()
    if payment is None or actor is None or payment.payer_id != actor.pk:
        raise NotFound()
    if payment.status in (PaymentStatus.CREATED, PaymentStatus.PENDING):
        payment = payment_refresh(payment=payment, source="return")
    return payment


def payments_settle_pending(*, now=None, older_than: timedelta = timedelta(minutes=2),
                            give_up_after: timedelta = timedelta(days=1), limit: int = 500) -> int:
    """Periodic job: payments still waiting after ``older_than`` are settled by a status query.

    One still pending after ``give_up_after`` is marked failed ("abandoned");
    a success the gateway reports afterwards still wins.
    """
    now = now or timezone.now()
    settled = 0
    waiting = Payment.objects.filter(status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING],
                                     created_at__lte=now - older_than).order_by("id")[:limit]
    for payment in waiting:
        payment = payment_refresh(payment=payment, source="status_query")
        waiting_still = payment.status in (PaymentStatus.CREATED, PaymentStatus.PENDING)
        if waiting_still and payment.created_at <= now - give_up_after:
            abandoned = ChargeStatus(gateway_reference=payment.gateway_reference, merchant_reference=payment.reference,
                                     status=FAILED, amount=payment.amount, currency=payment.currency,
                                     event_id="", failure_code="abandoned")
            payment = payment_apply(payment=payment, status=abandoned, source="status_query")
        settled += payment.status not in (PaymentStatus.CREATED, PaymentStatus.PENDING)
    return settled


# -- refunds ---------------------------------------------------------------------------------------------------------

def _entity_role(user, entity_id: int) -> str | None:
    if user is None:
        return None
    return Membership.objects.filter(user=user, entity_id=entity_id).values_list("role", flat=True).first()


def _refundable(payment: Payment) -> int:
    asked = (payment.refunds.exclude(status__in=[RefundStatus.REJECTED, RefundStatus.FAILED])
             .aggregate(total=Sum("amount"))["total"] or 0)
    return payment.amount - asked


def refund_request(*, actor, payment: Payment, amount: int, reason: str) -> Refund:
    """An entity's officer asks for a refund; a supervisor of the same entity approves it."""
    if _entity_role(actor, payment.entity_id) is None:
        raise NotFound()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give the reason for the refund.")]})
    with transaction.atomic():
        payment = Payment.objects.select_for_update(of=("self",)).select_related("entity").get(pk=payment.pk)
        if payment.status != PaymentStatus.SUCCEEDED:
            raise Conflict(_("Only a successful payment can be refunded."), code="not_refundable")
        if amount <= 0 or amount > _refundable(payment):
            raise InvalidInput(fields={"amount": [_("The amount is more than what can be refunded.")]})
        refund = Refund.objects.create(payment=payment, amount=amount, reason=reason, requested_by=actor)
        audit_record(actor=actor, action="payments.refund_requested", obj=refund, entity_code=payment.entity.code,
                     changes={"payment": payment.reference, "amount": amount})
    return refund


def refund_decide(*, actor, refund: Refund, approve: bool) -> Refund:
    """A supervisor (or administrator) of the entity, other than the requester, approves or rejects."""
    role = _entity_role(actor, refund.payment.entity_id)
    if role is None:
        raise NotFound()
    if role not in (EntityRole.SUPERVISOR, EntityRole.ADMIN):
        raise Forbidden(_("Only a supervisor can decide on a refund."))
    if refund.requested_by_id == actor.pk:
        raise Forbidden(_("A refund is approved by someone other than who asked for it."))
    with transaction.atomic():
        refund = Refund.objects.select_for_update(of=("self",)).select_related("payment__entity").get(pk=refund.pk)
        if refund.status != RefundStatus.REQUESTED:
            raise Conflict(_("This refund has already been decided."), code="refund_decided")
        refund.status = RefundStatus.APPROVED if approve else RefundStatus.REJECTED
        refund.approved_by, refund.decided_at = actor, timezone.now()
        refund.save(update_fields=["status", "approved_by", "decided_at"])
        audit_record(actor=actor, action="payments.refund_approved" if approve else "payments.refund_rejected",
                     obj=refund, entity_code=refund.payment.entity.code,
                     changes={"payment": refund.payment.reference, "amount": refund.amount})
        if approve:
            from manassa.payments.tasks import refund_execute_task

            refund_execute_task.enqueue(refund_id=refund.pk)
    return refund


def refund_execute(*, refund_id: int) -> Refund:
    """Send an approved refund to the gateway (idempotent by the refund's id) and record it."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != RefundStatus.APPROVED:
        return refund
    payment = refund.payment
    try:
        result = gateway_get(payment.gateway).refund(
            gateway_reference=payment.gateway_reference, amount=refund.amount, idempotency_key=f"refund:{refund.pk}")
    except GatewayError as exc:
        Refund.objects.filter(pk=refund.pk).update(last_error=str(exc)[:1000])
        raise
    now = timezone.now()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update(of=("self",)).select_related("entity").get(pk=payment.invoice_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status != RefundStatus.APPROVED:
            return refund
        refund.status, refund.executed_at, refund.gateway_refund_id = RefundStatus.EXECUTED, now, \
            result.gateway_refund_id
        refund.save(update_fields=["status", "executed_at", "gateway_refund_id"])
        _ledger_write(kind=LedgerKind.REFUND, amount=-refund.amount, payment=payment,
                      event_id=result.gateway_refund_id, now=now)
        refunded = (payment.refunds.filter(status=RefundStatus.EXECUTED).aggregate(total=Sum("amount"))["total"]
                    or 0)
        if refunded >= payment.amount:
            payment.status = PaymentStatus.REFUNDED
            payment.save(update_fields=["status", "updated_at"])
        audit_record(actor=None, action="payments.refund_executed", obj=refund, entity_code=invoice.entity.code,
                     changes={"payment": payment.reference, "amount": refund.amount,
                              "gateway_refund": result.gateway_refund_id})
        events.emit(events.DomainEvent(
            kind="payment.refunded", entity_code=invoice.entity.code, subject=payment,
            data={"payment": payment.reference, "invoice": invoice.number, "amount": refund.amount,
                  "currency": payment.currency, "automatic": refund.automatic}))
    return refund


# -- invoices running out ----------------------------------------------------------------------------------------------

def invoices_expire(*, now=None, remind_before: timedelta = timedelta(days=1)) -> int:
    """Periodic job: remind the payer a day before an open invoice runs out, and expire it when it has."""
    now = now or timezone.now()
    expired = 0
    for invoice in Invoice.objects.filter(status=InvoiceStatus.OPEN, expires_at__lte=now + remind_before,
                                          reminded_at__isnull=True).select_related("entity", "application")[:500]:
        with transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk, reminded_at__isnull=True).update(reminded_at=now)
            events.emit(events.DomainEvent(
                kind="invoice.expiring", entity_code=invoice.entity.code, subject=invoice,
                data={"invoice": invoice.number, "expires_at": invoice.expires_at.isoformat(),
                      "due": invoice.expires_at.isoformat(), "amount": invoice.total, "currency": invoice.currency,
                      "request": _request_reference(invoice),
                      "reference": _request_reference(invoice) or invoice.number}))
    for invoice in Invoice.objects.filter(status=InvoiceStatus.OPEN, expires_at__lte=now).select_related("entity"):
        with transaction.atomic():
            locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
            if locked.status != InvoiceStatus.OPEN:
                continue
            locked.status = InvoiceStatus.EXPIRED
            locked.save(update_fields=["status"])
            audit_record(actor=None, action="payments.invoice_expired", obj=locked, entity_code=invoice.entity.code,
                         changes={"number": locked.number})
            expired += 1
    return expired
