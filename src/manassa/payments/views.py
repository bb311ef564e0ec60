"""The platform's side of a gateway (the server-to-server callback) and the resident's payment pages.

The resident's pages: an invoice and its Pay button, the return from the
gateway, and "My payments". Every fetch is scoped to the payer (404 for
anyone else). The Pay form carries an idempotency key made when the page is
rendered, so a double click or a form sent again starts one payment.
"""

from __future__ import annotations

import logging
import secrets

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from manassa.core.errors import ApplicationError, NotFound
from manassa.payments.gateways.base import CallbackInvalid
from manassa.payments.models import InvoiceStatus, PaymentStatus
from manassa.payments.selectors import (
    access_own_invoice,
    access_own_payment,
    invoice_lines,
    invoice_payable,
    invoice_purpose,
    invoices_open_of,
    payment_pending_of,
    payments_of,
    receipt_of,
    receipts_by_payment,
)
from manassa.payments.services import payment_callback_handle, payment_return_handle, payment_start

logger = logging.getLogger(__name__)

def _failure_reason(code: str) -> str:
    """What a gateway's failure code means for the resident; an unknown one reads as a plain failure."""
    reasons = {
        "declined": _("The bank declined the card. No money was taken. Try another card or ask your bank."),
        "insufficient_funds": _("The card does not have enough funds. No money was taken."),
        "authentication_failed": _("The card's security check (3-D Secure) was not passed. No money was taken."),
        "abandoned": _("The payment was not completed in time and was cancelled. No money was taken."),
        "invalid_card": _("The card number was not accepted. Check the number and try again. "
                          "No money was taken."),
        "expired_card": _("The card has expired. No money was taken."),
    }
    return reasons.get(code, _("The payment did not go through. No money was taken."))


def _new_key() -> str:
    return secrets.token_urlsafe(24)


def _crumbs(*items):
    return [{"label": _("My payments"), "url": reverse("payments:mine")},
            *({"label": label, **({"url": url} if url else {})} for label, url in items)]


# --- the gateway's callback -------------------------------------------------------------------


@csrf_exempt
@require_POST
def payment_callback(request: HttpRequest, gateway: str) -> HttpResponse:
    """Always cheap and idempotent: the gateway may send the same notification many times."""
    headers = {name: value for name, value in request.headers.items()}
    try:
        payment_callback_handle(gateway_code=gateway, body=request.body, headers=headers)
    except CallbackInvalid as exc:
        logger.warning("payment callback refused", extra={"gateway": gateway, "reason": str(exc)})
        return HttpResponse(status=400)
    return HttpResponse(status=204)


# --- the invoice and its Pay button -----------------------------------------------------------


def _start_error(exc: ApplicationError) -> str:
    if exc.code == "invoice_paid":
        return _("This invoice is already paid: nothing more to pay.")
    if exc.code == "invoice_closed":
        return _("This invoice can no longer be paid: its payment period has ended or it was cancelled.")
    if exc.code == "gateway_unavailable":
        return _("The payment service cannot be reached at the moment. No money was taken. "
                 "Try again in a few minutes.")
    if exc.code in ("idempotency_key_missing", "idempotency_key_reused"):
        return _("This payment form has expired. Press Pay again.")
    return str(exc.message)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def invoice_detail(request: HttpRequest, number: str) -> HttpResponse:
    invoice = access_own_invoice(request.user, number)
    error, status = "", 200
    if request.method == "POST":
        try:
            payment = payment_start(actor=request.user, invoice=invoice,
                                    idempotency_key=request.POST.get("idempotency_key", ""))
        except NotFound:
            raise
        except ApplicationError as exc:
            error, status = _start_error(exc), exc.status
            invoice.refresh_from_db()
        else:
            if payment.status == PaymentStatus.PENDING and payment.redirect_url:
                return redirect(payment.redirect_url)
            # Already settled (the same form sent after it was paid or failed): show where it stands.
            return redirect("payments:return", reference=payment.reference)
    receipt = receipt_of(request.user, invoice.paid_by) if invoice.paid_by_id else None
    purpose = invoice_purpose(invoice)
    return render(request, "payments/invoice.html", {
        "invoice": invoice,
        "purpose": purpose,
        "lines": invoice_lines(invoice),
        "payable": invoice_payable(invoice),
        "pending": payment_pending_of(invoice) if invoice.status == InvoiceStatus.OPEN else None,
        "receipt": receipt,
        "idempotency_key": _new_key(),
        "error": error,
        "breadcrumbs": _crumbs((_("Invoice"), None)),
    }, status=status)


# --- back from the gateway --------------------------------------------------------------------


@login_required
@never_cache
def payment_return(request: HttpRequest, reference: str) -> HttpResponse:
    """Where the gateway sends the resident back; the gateway itself is asked how it went."""
    payment = payment_return_handle(actor=request.user, reference=reference)
    payment = access_own_payment(request.user, payment.reference)
    invoice = payment.invoice
    succeeded = payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)
    return render(request, "payments/return.html", {
        "payment": payment,
        "invoice": invoice,
        "purpose": invoice_purpose(invoice),
        "succeeded": succeeded,
        "failed": payment.status == PaymentStatus.FAILED,
        "pending": payment.status in (PaymentStatus.CREATED, PaymentStatus.PENDING),
        # A success for an invoice another payment had already paid: recorded, and refunded after review.
        "double": succeeded and invoice.paid_by_id not in (None, payment.pk),
        "reason": _failure_reason(payment.failure_code) if payment.status == PaymentStatus.FAILED else "",
        "can_retry": payment.status == PaymentStatus.FAILED and invoice_payable(invoice),
        "receipt": _receipt_now(request.user, payment) if succeeded else None,
        "idempotency_key": _new_key(),
        "breadcrumbs": _crumbs((_("Payment"), None)),
    })


def _receipt_now(user, payment):
    """The payment's receipt; issued here when the outbox has not yet got to it (idempotent by its source key)."""
    receipt = receipt_of(user, payment)
    if receipt is None:
        from manassa.payments.receipts import payment_receipt_issue

        payment_receipt_issue(payment=payment)
        receipt = receipt_of(user, payment)
    return receipt


# --- my payments ------------------------------------------------------------------------------


@login_required
@never_cache
def my_payments(request: HttpRequest) -> HttpResponse:
    page = payments_of(request.user, page=request.GET.get("page") or 1)
    receipts = receipts_by_payment(request.user, [p.pk for p in page.object_list])
    open_invoices = invoices_open_of(request.user) if page.number == 1 else []
    return render(request, "payments/mine.html", {
        "open_invoices": [{"invoice": i, "purpose": invoice_purpose(i)} for i in open_invoices],
        "page": page,
        "rows": [{"payment": p, "purpose": invoice_purpose(p.invoice), "receipt": receipts.get(p.pk)}
                 for p in page.object_list],
        "breadcrumbs": [{"label": _("My payments")}],
    })
