"""Reads of the payments app for the resident: their own invoices, payments and receipts.

Every fetch is scoped to the payer: another person's invoice or payment is a
404, exactly like a missing one (staff included: they see money through the
back office, never through the resident's pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from manassa.core.errors import NotFound
from manassa.core.i18n import pick
from manassa.payments.models import Invoice, InvoiceStatus, Payment, PaymentStatus

PAGE_SIZE = 50


def receipt_source_key(payment_id: int) -> str:
    """The ``IssuedDocument.source_key`` of a payment's receipt (``payments.receipts`` issues it)."""
    return f"payment:{payment_id}"


# --- one invoice or payment ------------------------------------------------------------------


def _invoices_of(user) -> QuerySet[Invoice]:
    return Invoice.objects.filter(payer=user).select_related("entity", "application__service")


def access_own_invoice(user, number: str) -> Invoice:
    invoice = _invoices_of(user).filter(number=number).first() if user.is_authenticated else None
    if invoice is None:
        raise NotFound()
    return invoice


def access_own_payment(user, reference: str) -> Payment:
    payment = (Payment.objects.filter(payer=user, reference=reference)
               .select_related("invoice__entity", "invoice__application__service").first()
               if user.is_authenticated else None)
    if payment is None:
        raise NotFound()
    return payment


def invoice_payable(invoice: Invoice, now=None) -> bool:
    return invoice.status == InvoiceStatus.OPEN and invoice.expires_at > (now or timezone.now())


@dataclass(frozen=True)
class Purpose:
    """What an invoice is for, as the resident reads it."""

    title: str
    # The request's reference (with a link to it) or the bill's number.
    reference: str
    url: str
    is_bill: bool


def invoice_purpose(invoice: Invoice) -> Purpose:
    if invoice.application_id:
        application = invoice.application
        return Purpose(title=application.service.name, reference=application.reference or "",
                       url=reverse("requests:detail", args=[application.reference]) if application.reference else "",
                       is_bill=False)
    return Purpose(title=pick(invoice.title or {}), reference=invoice.bill_reference, url="", is_bill=True)


def invoice_lines(invoice: Invoice) -> list[dict[str, Any]]:
    """The frozen lines in the page's language: ``[{"label", "amount"}]`` (amounts in fils)."""
    return [{"label": pick(line.get("label") or {}), "amount": int(line.get("amount") or 0)}
            for line in invoice.lines or []]


def payment_pending_of(invoice: Invoice) -> Payment | None:
    """A payment of the invoice the gateway has not settled yet (started in another tab, or being confirmed)."""
    return (invoice.payments.filter(status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING])
            .order_by("-id").first())


# --- receipts ---------------------------------------------------------------------------------


def receipts_by_payment(user, payment_ids) -> dict[int, Any]:
    """The person's receipts for these payments, by payment id (one query)."""
    from manassa.certificates.models import IssuedDocument

    keys = {receipt_source_key(pk): pk for pk in payment_ids}
    if not keys:
        return {}
    documents = IssuedDocument.objects.filter(holder=user, source_key__in=list(keys))
    return {keys[d.source_key]: d for d in documents}


def receipt_of(user, payment: Payment):
    return receipts_by_payment(user, [payment.pk]).get(payment.pk)


# --- lists ------------------------------------------------------------------------------------


def invoices_open_of(user, *, now=None, limit: int = PAGE_SIZE) -> list[Invoice]:
    """The person's invoices that can still be paid, the one running out soonest first."""
    now = now or timezone.now()
    return list(_invoices_of(user).filter(status=InvoiceStatus.OPEN, expires_at__gt=now)
                .order_by("expires_at", "id")[:limit])


def payments_of(user, *, page: Any = 1) -> Page:
    """The person's payments, newest first, ``PAGE_SIZE`` a page (an out-of-range page gives the last)."""
    payments = (Payment.objects.filter(payer=user)
                .select_related("invoice__entity", "invoice__application__service")
                .order_by("-created_at", "-id"))
    return Paginator(payments, PAGE_SIZE).get_page(page)


def invoices_of_application(user, application) -> list[dict[str, Any]]:
    """The invoices of one of the person's requests, for its page: open ones first, with the receipt if paid."""
    invoices = list(Invoice.objects.filter(application=application, payer=user)
                    .annotate(open_first=Case(When(status=InvoiceStatus.OPEN, then=Value(0)), default=Value(1),
                                              output_field=IntegerField()))
                    .order_by("open_first", "-created_at", "-id"))
    receipts = receipts_by_payment(user, [i.paid_by_id for i in invoices if i.paid_by_id])
    now = timezone.now()
    return [{"invoice": invoice, "payable": invoice_payable(invoice, now),
             "receipt": receipts.get(invoice.paid_by_id) if invoice.paid_by_id else None}
            for invoice in invoices]
