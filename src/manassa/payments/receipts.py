"""Receipts: every payment the gateway confirms gets a bilingual receipt issued through the certificates app.

The receipt is an ``IssuedDocument`` of kind "receipt" (a PDF with a QR code
to its public verification page), issued after the transaction that records
the payment commits (the event outbox), or by the return page if the resident
is back first. Issuing
is idempotent by ``source_key`` ("payment:<id>"): a callback told twice, or a
callback and a status query, issue one receipt. A double payment gets its
receipt too — it is money received, refunded later through its own record.

The receipt's fields are all the public verification page shows: amount,
invoice, payment reference, date, what was paid for and the fee lines —
nothing about the payer beyond that.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from manassa.core.events import DomainEvent
from manassa.core.i18n import LANGUAGE_CODES, pick
from manassa.core.money import format_money
from manassa.payments.models import Payment
from manassa.payments.selectors import receipt_source_key

TITLE_AR = "إيصال دفع"
TITLE_EN = "Payment receipt"


def _in_each_language(value) -> dict[str, str]:
    """``value`` is a text the same in both languages, a lazy translation, or a callable of the language."""
    values = {}
    for language in LANGUAGE_CODES:
        with override(language):
            values[language] = str(value(language) if callable(value) else value)
    return values


def _field(label, value) -> dict[str, dict[str, str]]:
    return {"label": _in_each_language(label), "value": _in_each_language(value)}


def receipt_fields(payment: Payment) -> list[dict[str, Any]]:
    invoice = payment.invoice
    paid_at = timezone.localtime(payment.succeeded_at or timezone.now())
    fields = [
        _field(_("Amount received"), lambda _lang: format_money(payment.amount, payment.currency)),
        _field(_("Invoice number"), invoice.number),
        _field(_("Payment reference"), payment.reference),
        _field(_("Paid on"), lambda _lang: date_format(paid_at, "DATETIME_FORMAT")),
    ]
    if invoice.application_id:
        application = invoice.application
        service = application.service
        names = {"ar": service.name_ar, "en": service.name_en}
        fields.append(_field(_("Paid for"), lambda lang: pick(names, lang)))
        fields.append(_field(_("Request number"), application.reference or ""))
    else:
        fields.append(_field(_("Paid for"), lambda lang: pick(invoice.title or {}, lang)))
        fields.append(_field(_("Bill number"), invoice.bill_reference))
    for line in invoice.lines or []:
        label = line.get("label") or {}
        amount = int(line.get("amount") or 0)
        fields.append(_field(lambda lang, label=label: pick(label, lang),
                             lambda _lang, amount=amount: format_money(amount, invoice.currency)))
    return fields


def payment_receipt_issue(*, payment: Payment):
    """Issue the payment's receipt (once); the payment must have succeeded."""
    from manassa.certificates.services import issued_document_issue

    payment = Payment.objects.select_related("invoice__entity", "invoice__application__service", "payer").get(
        pk=payment.pk)
    invoice = payment.invoice
    application = invoice.application if invoice.application_id else None
    return issued_document_issue(
        actor=None, source_key=receipt_source_key(payment.pk), entity=invoice.entity, holder=payment.payer,
        kind="receipt", title_ar=TITLE_AR, title_en=TITLE_EN, fields=receipt_fields(payment),
        service=application.service if application else None, application=application)


def on_payment_succeeded(event: DomainEvent) -> None:
    """``payment.succeeded`` (double payments included): issue the receipt, after the payment's commit.

    Deferred (the event outbox, ``core/events.py``): the gateway's callback does
    not wait for the receipt's fields, number and audit event. The return page
    issues it itself if the resident gets there first (``views._receipt_now``);
    either way one receipt, by its source key.
    """
    if event.kind != "payment.succeeded":
        return
    payment_receipt_issue(payment=event.subject)
