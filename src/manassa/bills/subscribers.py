"""How bills react to the rest of the platform (registered in ``BillsConfig.ready``)."""

from __future__ import annotations

from manassa.core.events import DomainEvent


def on_payment_succeeded(event: DomainEvent) -> None:
    """A bill's invoice was paid: record the posting to the biller and enqueue it (deferred: after the commit).

    A double payment is refunded (``payments``), so the biller hears only of
    the payment that paid the invoice.
    """
    if event.kind != "payment.succeeded" or event.data.get("double_payment"):
        return
    from manassa.bills.services import bill_posting_record
    from manassa.payments.models import Invoice

    payment = event.subject
    invoice = Invoice.objects.select_related("entity").get(pk=payment.invoice_id)
    if invoice.bill_provider and invoice.paid_by_id == payment.pk:
        bill_posting_record(payment=payment, invoice=invoice)
