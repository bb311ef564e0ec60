"""Entity-system API for payments (``/api/v1/system/invoices…``, ``/api/v1/system/payments/…``).

Read-only, with an entity API key (``Authorization: Bearer mk_…``, as
``integrations.api``): the key's entity is the scope of every call, and
another entity's invoice or payment is ``404 not_found`` exactly like a
missing one. A revoked or expired key, a browser session or no key is 401.
Money is in integer fils. docs/api.md ("Entity systems") describes the
endpoints.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import field_validator, model_validator
from pydantic_core import PydanticCustomError

from manassa.applications.api import _TextInput
from manassa.core.api import ErrorOut
from manassa.core.errors import NotFound, storable_text
from manassa.core.pages import newest_first_page
from manassa.entities.api import entity_key_auth
from manassa.entities.models import Entity, EntityApiKey
from manassa.payments.models import Invoice, Payment, Refund, RefundStatus

router = Router(tags=["entity systems"], auth=entity_key_auth)

INVOICE_PAGE = 50
INVOICE_LIMIT_MAX = 200
_NUMBER_MAX = Invoice._meta.get_field("number").max_length
_REFERENCE_MAX = Payment._meta.get_field("reference").max_length
_ID_MAX = 2**63 - 1

_READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- schemas -------------------------------------------------------------------------------


class InvoiceQuery(_TextInput):
    status: Literal["open", "paid", "expired", "cancelled"] | None = Field(
        None, description="`open` (waiting for payment), `paid`, `expired` or `cancelled`; all when absent.")
    request: str | None = Field(None, max_length=40, description="A request's reference: that request's invoices.")
    created_after: datetime | None = Field(None, description="Created at or after this time (ISO 8601).")
    created_before: datetime | None = Field(None, description="Created before this time (ISO 8601).")
    cursor: str | None = Field(None, max_length=20, description="The `next_cursor` of the previous page.")
    limit: int = Field(INVOICE_PAGE, ge=1, le=INVOICE_LIMIT_MAX)

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value):
        if value and not (value.isascii() and value.isdigit() and 0 < int(value) <= _ID_MAX):
            raise PydanticCustomError("invalid_cursor", _("This cursor is not valid; start again from the first page."))
        return value or None

    @field_validator("created_after", "created_before")
    @classmethod
    def _aware(cls, value):
        # A time without its offset is read in the platform's time zone (the UAE's).
        return timezone.make_aware(value) if value is not None and timezone.is_naive(value) else value

    @model_validator(mode="after")
    def _period(self):
        if self.created_after and self.created_before and self.created_after >= self.created_before:
            raise PydanticCustomError("invalid_period", _("The start of the period must be before its end."))
        return self


class LabelOut(Schema):
    ar: str
    en: str


class InvoiceLineOut(Schema):
    kind: str
    label: LabelOut
    amount: int = Field(description="Fils.")


class RefundOut(Schema):
    amount: int = Field(description="Fils.")
    status: str = Field(description="`requested`, `approved`, `executed` (the money went back), `rejected` or "
                                    "`failed`.")
    automatic: bool = Field(description="Raised by the platform for a double payment, not by a person.")
    requested_at: datetime
    executed_at: datetime | None


class PaymentSummaryOut(Schema):
    reference: str
    status: str = Field(description="`created`, `pending`, `succeeded`, `failed` or `refunded`.")
    amount: int = Field(description="Fils.")
    gateway: str
    created_at: datetime
    succeeded_at: datetime | None
    failed_at: datetime | None
    failure_code: str = Field(description="Why it failed, such as `declined`; empty otherwise.")


class PaymentOut(PaymentSummaryOut):
    currency: str
    invoice: str = Field(description="The invoice's number.")
    request: str | None = Field(description="The request's reference; null for a bill.")
    refunds: list[RefundOut] = Field(description="Oldest first.")
    refunded: int = Field(description="Fils given back (refunds executed).")


class InvoiceItemOut(Schema):
    number: str
    request: str | None = Field(description="The request's reference; null for an entity's bill.")
    step: str = Field(description="`submission` or the workflow state that waits for the payment.")
    total: int = Field(description="Fils.")
    currency: str
    status: str = Field(description="`open`, `paid`, `expired` or `cancelled`.")
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    paid_by: str | None = Field(description="The reference of the payment that paid it.")


class InvoicePageOut(Schema):
    items: list[InvoiceItemOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class InvoiceOut(InvoiceItemOut):
    lines: list[InvoiceLineOut]
    payments: list[PaymentSummaryOut] = Field(description="Every attempt, oldest first. More than one succeeded "
                                                          "means a double payment, refunded automatically.")


# --- reads -----------------------------------------------------------------------------------


def _entity(request: HttpRequest) -> Entity:
    key: EntityApiKey = request.auth
    return key.entity


def _invoices(entity: Entity) -> QuerySet[Invoice]:
    return Invoice.objects.filter(entity=entity).select_related("application", "paid_by")


def invoices_of(*, entity: Entity, status: str | None = None, request_reference: str | None = None,
                created_after: datetime | None = None, created_before: datetime | None = None,
                cursor: int | None = None, limit: int = INVOICE_PAGE) -> tuple[list[Invoice], str | None]:
    """The entity's invoices, newest first, keyset-paginated on id: (rows, cursor of the next page)."""
    qs = _invoices(entity)
    if status:
        qs = qs.filter(status=status)
    if request_reference:
        qs = qs.filter(application__reference=request_reference)
    if created_after:
        qs = qs.filter(created_at__gte=created_after)
    if created_before:
        qs = qs.filter(created_at__lt=created_before)
    rows, next_before = newest_first_page(qs, before=cursor, limit=limit)
    return rows, (str(next_before) if next_before else None)


def access_invoice(*, entity: Entity, number: str) -> Invoice:
    """One invoice of ``entity``; another entity's and a missing one are both ``NotFound``."""
    if len(number) > _NUMBER_MAX or not storable_text(number):
        raise NotFound()
    invoice = (_invoices(entity).filter(number=number)
               .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("id"))).first())
    if invoice is None:
        raise NotFound()
    return invoice


def access_payment(*, entity: Entity, reference: str) -> Payment:
    if len(reference) > _REFERENCE_MAX or not storable_text(reference):
        raise NotFound()
    payment = (Payment.objects.filter(entity=entity, reference=reference)
               .select_related("invoice__application")
               .prefetch_related(Prefetch("refunds", queryset=Refund.objects.order_by("id"))).first())
    if payment is None:
        raise NotFound()
    return payment


# --- answers ---------------------------------------------------------------------------------


def _request_reference(invoice: Invoice) -> str | None:
    return invoice.application.reference if invoice.application_id else None


def _invoice_item(invoice: Invoice) -> dict:
    return {
        "number": invoice.number, "request": _request_reference(invoice), "step": invoice.step,
        "total": invoice.total, "currency": invoice.currency, "status": invoice.status,
        "created_at": invoice.created_at, "expires_at": invoice.expires_at, "paid_at": invoice.paid_at,
        "paid_by": invoice.paid_by.reference if invoice.paid_by_id else None,
    }


def _payment_summary(payment: Payment) -> dict:
    return {
        "reference": payment.reference, "status": payment.status, "amount": payment.amount,
        "gateway": payment.gateway, "created_at": payment.created_at, "succeeded_at": payment.succeeded_at,
        "failed_at": payment.failed_at, "failure_code": payment.failure_code,
    }


def _line(line: dict) -> dict:
    label = line.get("label") or {}
    return {"kind": str(line.get("kind", "")), "amount": int(line.get("amount", 0)),
            "label": {"ar": str(label.get("ar", "")), "en": str(label.get("en", ""))}}


# --- endpoints -------------------------------------------------------------------------------


@router.get("/invoices", response={200: InvoicePageOut, 401: ErrorOut, 422: ErrorOut},
            operation_id="system_invoice_list", summary="The entity's invoices, newest first")
def system_invoice_list(request: HttpRequest, query: Query[InvoiceQuery]):
    rows, next_cursor = invoices_of(entity=_entity(request), status=query.status, request_reference=query.request,
                                    created_after=query.created_after, created_before=query.created_before,
                                    cursor=int(query.cursor) if query.cursor else None, limit=query.limit)
    return {"items": [_invoice_item(invoice) for invoice in rows], "next_cursor": next_cursor}


@router.get("/invoices/{number}", response={200: InvoiceOut, **_READ_ERRORS}, operation_id="system_invoice_get",
            summary="One invoice of the entity: its lines and every payment made for it")
def system_invoice_get(request: HttpRequest, number: str):
    invoice = access_invoice(entity=_entity(request), number=number)
    return {**_invoice_item(invoice), "lines": [_line(line) for line in invoice.lines or []],
            "payments": [_payment_summary(payment) for payment in invoice.payments.all()]}


@router.get("/payments/{reference}", response={200: PaymentOut, **_READ_ERRORS}, operation_id="system_payment_get",
            summary="One payment of the entity: its status and refunds")
def system_payment_get(request: HttpRequest, reference: str):
    payment = access_payment(entity=_entity(request), reference=reference)
    refunds = list(payment.refunds.all())
    return {**_payment_summary(payment), "currency": payment.currency, "invoice": payment.invoice.number,
            "request": _request_reference(payment.invoice),
            "refunded": sum(refund.amount for refund in refunds if refund.status == RefundStatus.EXECUTED),
            "refunds": [{"amount": refund.amount, "status": refund.status, "automatic": refund.automatic,
                         "requested_at": refund.requested_at, "executed_at": refund.executed_at}
                        for refund in refunds]}
