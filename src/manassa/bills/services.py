"""Writes of the bills app: the invoice for a resident's bill, and the posting of a paid bill to its biller.

The biller is the source of truth about what is owed: the amount is asked of
it again when the resident picks a bill, never taken from the browser. Biller
calls never run inside a transaction. One live invoice per bill is kept by
the database (``payments.Invoice`` constraint ``invoice_bill_live``); one
posting per paid invoice by ``BillPosting.invoice`` being one-to-one, and
one payment at the biller by the idempotency key (the payment's reference).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from manassa.audit.services import audit_record
from manassa.bills.models import BillPosting, PostingStatus
from manassa.bills.providers import provider_get
from manassa.bills.providers.base import Bill, ProviderError, ProviderUnavailable
from manassa.bills.selectors import bills_outstanding
from manassa.core import events
from manassa.core.errors import Conflict, NotAuthenticated
from manassa.core.i18n import pick
from manassa.core.retry import DEFAULT_MAX_ATTEMPTS, backoff_delay
from manassa.entities.models import Entity
from manassa.payments.models import Invoice, InvoiceStatus, Payment, PaymentStatus
from manassa.payments.services import invoice_number_new

logger = logging.getLogger(__name__)

BILL_STEP = "bill"
_IN_PROGRESS = (PaymentStatus.CREATED, PaymentStatus.PENDING)


def _invoice_hours() -> int:
    # Short: the biller's amount may change (a payment at its counter), so a stale invoice must not linger.
    return int(getattr(settings, "MANASSA_BILL_INVOICE_HOURS", 24))


def _already_paid() -> Conflict:
    return Conflict(_("This bill has already been paid."), code="bill_paid")


def _being_paid() -> Conflict:
    return Conflict(_("Someone is paying this bill right now. Look up the account again in a few minutes."),
                    code="bill_payment_in_progress")


def _texts(config, account: str, bill: Bill) -> tuple[dict, list[dict]]:
    label = {lang: pick(config.label_values, lang) or config.code for lang in ("ar", "en")}
    description = {lang: pick(bill.description, lang) for lang in ("ar", "en")}
    title = {"ar": f"{label['ar']} — حساب {account} — {description['ar']}",
             "en": f"{label['en']} — account {account} — {description['en']}"}
    lines = [{"kind": "other", "amount": bill.amount,
              "label": {"ar": f"فاتورة {bill.reference} — {description['ar']}",
                        "en": f"Bill {bill.reference} — {description['en']}"}}]
    return title, lines


def bill_invoice_create(*, actor, provider_code: str, account: str, bill_reference: str, now=None) -> Invoice:
    """The invoice the signed-in resident pays for one outstanding bill.

    Idempotent: the payer's open invoice for the bill is given back. A bill
    paid through the platform, or no longer outstanding at the biller, is
    refused. Another payer's open invoice for the same bill is cancelled and
    replaced, unless a payment of it is in progress.
    """
    if actor is None or not actor.is_authenticated:
        raise NotAuthenticated()
    config, account, bills = bills_outstanding(provider_code=provider_code, account=account)
    if Invoice.objects.filter(bill_provider=config.code, bill_reference=bill_reference,
                              status=InvoiceStatus.PAID).exists():
        raise _already_paid()
    bill = next((item for item in bills if item.reference == bill_reference), None)
    if bill is None:
        raise Conflict(_("This bill is not outstanding any more: it may have been paid already. "
                         "Look up the account again."), code="bill_not_outstanding")
    now = now or timezone.now()
    entity = Entity.objects.get(code=config.entity_code)
    title, lines = _texts(config, account, bill)
    with transaction.atomic():
        live = (Invoice.objects.select_for_update()
                .filter(bill_provider=config.code, bill_reference=bill.reference,
                        status__in=[InvoiceStatus.OPEN, InvoiceStatus.PAID]).first())
        if live is not None:
            if live.status == InvoiceStatus.PAID:
                raise _already_paid()
            paying = live.payments.filter(status__in=_IN_PROGRESS).exists()
            same_payer = live.payer_id == actor.pk
            if same_payer and (paying or (live.expires_at > now and live.total == bill.amount)):
                return live
            if paying:
                raise _being_paid()
            live.status = InvoiceStatus.CANCELLED
            live.save(update_fields=["status"])
            audit_record(actor=actor, action="bills.invoice_replaced", obj=live, entity_code=entity.code,
                         changes={"number": live.number, "bill": bill.reference, "same_payer": same_payer})
        try:
            with transaction.atomic():
                invoice = Invoice.objects.create(
                    number=invoice_number_new(), application=None, bill_provider=config.code,
                    bill_reference=bill.reference, title=title, entity=entity, payer=actor, step=BILL_STEP,
                    lines=lines, total=bill.amount, currency=bill.currency,
                    expires_at=now + timedelta(hours=_invoice_hours()))
        except IntegrityError:
            # Another tab or person raised it a moment ago.
            other = Invoice.objects.filter(bill_provider=config.code, bill_reference=bill.reference,
                                           status__in=[InvoiceStatus.OPEN, InvoiceStatus.PAID]).first()
            if other is not None and other.status == InvoiceStatus.OPEN and other.payer_id == actor.pk:
                return other
            raise _being_paid() from None
        audit_record(actor=actor, action="bills.invoice_created", obj=invoice, entity_code=entity.code,
                     changes={"number": invoice.number, "provider": config.code, "bill": bill.reference,
                              "account": account, "total": bill.amount})
        events.emit(events.DomainEvent(
            kind="invoice.created", entity_code=entity.code, subject=invoice, actor=actor,
            data={"invoice": invoice.number, "request": None, "bill_provider": config.code,
                  "bill": bill.reference, "amount": bill.amount, "currency": bill.currency,
                  "expires_at": invoice.expires_at.isoformat()}))
    return invoice


# -- telling the biller ------------------------------------------------------------------------------------------------

def bill_posting_record(*, payment: Payment, invoice: Invoice) -> BillPosting | None:
    """In the settlement's transaction: the posting of a paid bill and its task, once per invoice."""
    if not invoice.bill_provider:
        return None
    posting, created = BillPosting.objects.get_or_create(
        invoice=invoice, defaults={"payment": payment, "provider": invoice.bill_provider,
                                   "bill_reference": invoice.bill_reference, "amount": payment.amount,
                                   "currency": payment.currency, "idempotency_key": payment.reference})
    if created:
        from manassa.bills.tasks import bill_posting_send_task

        audit_record(actor=None, action="bills.posting_created", obj=posting, entity_code=invoice.entity.code,
                     changes={"invoice": invoice.number, "payment": payment.reference,
                              "bill": invoice.bill_reference})
        bill_posting_send_task.enqueue(posting_id=posting.pk)
    return posting


def bill_posting_send(*, posting_id: int, max_attempts: int = DEFAULT_MAX_ATTEMPTS, now=None) -> BillPosting:
    """Tell the biller once; a biller that is down is tried again later with back-off, up to ``max_attempts``."""
    posting = BillPosting.objects.get(pk=posting_id)
    if posting.status != PostingStatus.PENDING:
        return posting
    confirmation, error, temporary = "", "", False
    try:
        confirmation = provider_get(posting.provider).payment_post(
            bill_reference=posting.bill_reference, amount=posting.amount,
            payment_reference=posting.idempotency_key, idempotency_key=posting.idempotency_key).confirmation
    except KeyError:
        error = "the bill provider is no longer configured"
        temporary = True  # a configuration slip is mended by configuring it; keep trying meanwhile
    except ProviderUnavailable as exc:
        error, temporary = str(exc) or "unavailable", True
    except ProviderError as exc:
        error = f"{exc.code}: {exc}"
    now = now or timezone.now()
    with transaction.atomic():
        posting = BillPosting.objects.select_for_update().select_related("invoice__entity").get(pk=posting_id)
        if posting.status != PostingStatus.PENDING:
            return posting
        posting.attempts += 1
        fields = ["attempts", "status", "last_error", "next_attempt_at"]
        if confirmation:
            posting.status, posting.confirmation, posting.sent_at = PostingStatus.SENT, confirmation, now
            posting.next_attempt_at, posting.last_error = None, ""
            fields += ["confirmation", "sent_at"]
        elif temporary and posting.attempts < max_attempts:
            posting.last_error, posting.next_attempt_at = error[:1000], now + backoff_delay(posting.attempts)
        else:
            posting.status, posting.last_error, posting.next_attempt_at = PostingStatus.FAILED, error[:1000], None
        posting.save(update_fields=fields)
        if posting.status != PostingStatus.PENDING:
            audit_record(actor=None, action=f"bills.posting_{posting.status}", obj=posting,
                         entity_code=posting.invoice.entity.code,
                         changes={"invoice": posting.invoice.number, "bill": posting.bill_reference,
                                  "attempts": posting.attempts, "confirmation": posting.confirmation,
                                  "error": posting.last_error})
        else:
            from manassa.bills.tasks import bill_posting_send_task

            logger.warning("bill posting deferred", extra={"posting": posting.pk, "error": error})
            bill_posting_send_task.using(run_after=posting.next_attempt_at).enqueue(posting_id=posting.pk)
    return posting


def bill_posting_resend(*, actor, posting: BillPosting) -> BillPosting:
    """Staff send a posting the biller refused once more (after mending what it refused); its tries start again.

    Only a refused (``failed``) posting: one waiting is already being tried,
    one sent is done. The biller records one payment per idempotency key, so a
    posting it had accepted after all is not paid twice.
    """
    with transaction.atomic():
        posting = BillPosting.objects.select_for_update().select_related("invoice__entity").get(pk=posting.pk)
        if posting.status != PostingStatus.FAILED:
            raise Conflict(_("Only a posting the biller refused can be sent again."), code="posting_not_failed")
        previous = {"attempts": posting.attempts, "error": posting.last_error}
        posting.status, posting.attempts, posting.next_attempt_at = PostingStatus.PENDING, 0, timezone.now()
        posting.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit_record(actor=actor, action="bills.posting_resent", obj=posting, entity_code=posting.invoice.entity.code,
                     changes={"invoice": posting.invoice.number, "bill": posting.bill_reference, **previous})
        from manassa.bills.tasks import bill_posting_send_task

        bill_posting_send_task.enqueue(posting_id=posting.pk)
    return posting


def bill_postings_recover(*, now=None, grace: timedelta = timedelta(minutes=10), limit: int = 500) -> int:
    """Periodic job: postings still waiting well after their time get a new task; how many.

    A posting's task can be lost (a worker killed while running it leaves its
    row claimed for good). A second task for a posting whose task is only late
    does no harm: the send checks the posting under a lock, and the biller
    records one payment per key. The posting's next time is moved on, so the
    next run leaves it alone for ``grace`` again.
    """
    from django.db.models import Q

    from manassa.bills.tasks import bill_posting_send_task

    now = now or timezone.now()
    late = now - grace
    recovered = 0
    for pk in list(BillPosting.objects.filter(status=PostingStatus.PENDING).filter(
            Q(next_attempt_at__lt=late) | Q(next_attempt_at__isnull=True, created_at__lt=late))
            .order_by("id").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            posting = BillPosting.objects.select_for_update(skip_locked=True).filter(
                pk=pk, status=PostingStatus.PENDING).first()
            if posting is None:
                continue
            posting.next_attempt_at = now
            posting.save(update_fields=["next_attempt_at"])
            bill_posting_send_task.enqueue(posting_id=posting.pk)
            logger.warning("bill posting task enqueued again", extra={"posting": posting.pk})
            recovered += 1
    return recovered
