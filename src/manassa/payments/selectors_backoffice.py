"""Reads of the back office's payment pages: the entity's payments and refunds, reconciliation reports.

Every staff fetch is scoped here: an entity's pages go through
``access_entity`` (another entity's code is a 404, a role without the
permission a 403) and every object is then looked up inside that entity, so a
payment or refund of another entity is a 404 through any entity code. The
Digital Office sees every entity's reconciliation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from manassa.accounts.permissions import Perm, has_entity_perm
from manassa.accounts.selectors import require_platform_perm
from manassa.audit.models import AuditEvent
from manassa.core.csv_export import csv_line
from manassa.core.errors import NotFound
from manassa.core.money import money_plain
from manassa.core.pages import newest_first_page
from manassa.entities.models import Entity
from manassa.entities.selectors import access_entity
from manassa.payments.models import (
    Payment,
    PaymentStatus,
    ReconciliationReport,
    ReconciliationRow,
    Refund,
    RefundStatus,
)
from manassa.payments.reconciliation import PROBLEM_LABELS, day_bounds

LIST_LIMIT = 50
REPORT_DAYS = 31


# --- the entity ---------------------------------------------------------------------------------


def payments_entity(user, code: str) -> Entity:
    """The entity whose payments ``user`` opens: any of its staff."""
    return access_entity(user, code, Perm.BACKOFFICE)


def finance_entity(user, code: str) -> Entity:
    """The entity whose refunds to approve and reconciliation ``user`` opens: supervisors and administrators."""
    return access_entity(user, code, Perm.APPLICATIONS_SUPERVISE)


def may_decide_refunds(user, entity: Entity) -> bool:
    return has_entity_perm(user, entity.id, Perm.APPLICATIONS_SUPERVISE)


@dataclass(frozen=True)
class PaymentFilters:
    status: str = ""
    gateway: str = ""
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""


def payments_of(entity: Entity, filters: PaymentFilters = PaymentFilters()) -> QuerySet[Payment]:
    """The entity's payments, newest first, filtered."""
    qs = Payment.objects.filter(entity=entity)
    if filters.status in PaymentStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.gateway:
        qs = qs.filter(gateway=filters.gateway)
    if filters.date_from:
        qs = qs.filter(created_at__gte=day_bounds(filters.date_from)[0])
    if filters.date_to:
        qs = qs.filter(created_at__lt=day_bounds(filters.date_to)[1])
    search = filters.search.strip()
    if search:
        upper = search.upper()
        # A payment, invoice or request reference as printed, the gateway's reference, or a bill number.
        qs = qs.filter(Q(reference=upper) | Q(invoice__number=upper) | Q(invoice__application__reference=upper)
                       | Q(gateway_reference=search) | Q(invoice__bill_reference=search))
    return qs.select_related("invoice", "invoice__application", "payer").order_by("-id")


def payments_page(entity: Entity, filters: PaymentFilters, *, after: int | None = None,
                  limit: int = LIST_LIMIT) -> tuple[list[Payment], int | None]:
    """One keyset page: the rows and the cursor of the next page (or None)."""
    return newest_first_page(payments_of(entity, filters), before=after, limit=limit)


def gateways_of(entity: Entity) -> list[str]:
    return sorted(set(Payment.objects.filter(entity=entity).values_list("gateway", flat=True).distinct()))


def access_payment(entity: Entity, reference: str) -> Payment:
    """One payment of ``entity``; 404 for a missing one and for another entity's."""
    payment = (Payment.objects.select_related("invoice", "invoice__application", "invoice__application__service",
                                              "payer", "entity")
               .filter(entity=entity, reference=reference).first())
    if payment is None:
        raise NotFound()
    return payment


def payment_refunds(payment: Payment) -> list[Refund]:
    return list(payment.refunds.select_related("requested_by", "approved_by").order_by("-id"))


def payment_refundable(payment: Payment) -> int:
    """What may still be asked back: the amount less refunds asked for and not rejected or failed."""
    if payment.status != PaymentStatus.SUCCEEDED:
        return 0
    asked = (payment.refunds.exclude(status__in=[RefundStatus.REJECTED, RefundStatus.FAILED])
             .aggregate(total=Sum("amount"))["total"] or 0)
    return max(0, payment.amount - asked)


def payment_history(payment: Payment) -> list[AuditEvent]:
    """The payment's audit trail (started, succeeded, failed…), oldest first."""
    return list(AuditEvent.objects.filter(object_type=Payment._meta.label_lower, object_id=str(payment.pk))
                .order_by("id")[:100])


def refunds_to_decide(entity: Entity) -> list[Refund]:
    return list(Refund.objects.filter(payment__entity=entity, status=RefundStatus.REQUESTED)
                .select_related("payment", "payment__invoice", "requested_by").order_by("id")[:200])


def refunds_recently_decided(entity: Entity, *, limit: int = 20) -> list[Refund]:
    return list(Refund.objects.filter(payment__entity=entity).exclude(status=RefundStatus.REQUESTED)
                .select_related("payment", "requested_by", "approved_by").order_by("-decided_at", "-id")[:limit])


def access_refund(entity: Entity, refund_id: int) -> Refund:
    refund = (Refund.objects.select_related("payment", "payment__entity", "requested_by")
              .filter(pk=refund_id, payment__entity=entity).first())
    if refund is None:
        raise NotFound()
    return refund


# --- reconciliation ---------------------------------------------------------------------------------


def default_range(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(days=REPORT_DAYS), today


def reconciliation_rows_of(entity: Entity, *, date_from: date, date_to: date) -> QuerySet[ReconciliationRow]:
    """The entity's own rows of every report in the range, newest day first."""
    return (ReconciliationRow.objects.filter(entity=entity, report__day__gte=date_from, report__day__lte=date_to)
            .select_related("report", "entity").order_by("-report__day", "report__gateway", "id"))


def access_reconciliation_row(entity: Entity, row_id: int) -> ReconciliationRow:
    row = ReconciliationRow.objects.select_related("report", "entity").filter(pk=row_id, entity=entity).first()
    if row is None:
        raise NotFound()
    return row


def require_digital_office(user) -> None:
    require_platform_perm(user, Perm.DIGITAL_OFFICE)


def reconciliation_reports(*, date_from: date, date_to: date) -> list[dict]:
    """Every report in the range with its totals over all entities, one per currency, newest day first
    (Digital Office): ``{"report", "totals": [{"currency", "expected", "settled"}]}``."""
    reports = list(ReconciliationReport.objects.filter(day__gte=date_from, day__lte=date_to)
                   .order_by("-day", "gateway")[:500])
    totals: dict[int, list[dict]] = {}
    for total in (ReconciliationRow.objects.filter(report__in=reports).values("report_id", "currency")
                  .annotate(expected=Sum("expected_total"), settled=Sum("settled_total")).order_by("currency")):
        totals.setdefault(total["report_id"], []).append(total)
    return [{"report": report, "totals": totals.get(report.pk) or [{"currency": "AED", "expected": 0, "settled": 0}]}
            for report in reports]


def access_report(day: date, gateway: str) -> ReconciliationReport:
    report = ReconciliationReport.objects.filter(day=day, gateway=gateway).first()
    if report is None:
        raise NotFound()
    return report


def report_rows(report: ReconciliationReport) -> list[ReconciliationRow]:
    return list(report.rows.select_related("entity").order_by("entity__code", "id"))


def all_reconciliation_rows(*, date_from: date, date_to: date) -> QuerySet[ReconciliationRow]:
    return (ReconciliationRow.objects.filter(report__day__gte=date_from, report__day__lte=date_to)
            .select_related("report", "entity").order_by("-report__day", "report__gateway", "entity__code", "id"))


def difference_view(difference: dict) -> dict:
    """A stored difference with its label, for the pages."""
    return {**difference, "label": PROBLEM_LABELS.get(difference.get("problem"), difference.get("problem"))}


# --- CSV -----------------------------------------------------------------------------------------


def reconciliation_csv_lines(rows: Iterable[ReconciliationRow], *, chunk_size: int = 500) -> Iterator[str]:
    """The rows as CSV: one "totals" line per entity and day, then one line per difference.

    Starts with a byte-order mark so spreadsheet programs read Arabic correctly; amounts with two decimals in
    the line's currency, signed like the ledger. The header is made now, in the request's language.
    """
    header = [_("Day"), _("Gateway"), _("Entity code"), _("Entity"), _("Currency"), _("Line"), _("Kind"),
              _("Event"), _("Payment"), _("Gateway reference"), _("Our ledger"), _("At the gateway"),
              _("Entries in our ledger"), _("Entries at the gateway")]
    labels = {key: str(label) for key, label in PROBLEM_LABELS.items()}
    totals_label, unknown = _("Totals"), _("No known entity")

    def lines() -> Iterator[str]:
        iterable = rows.iterator(chunk_size=chunk_size) if isinstance(rows, QuerySet) else rows
        for row in iterable:
            entity_code = row.entity.code if row.entity else ""
            entity_name = row.entity.name if row.entity else unknown
            start = [row.report.day.isoformat(), row.report.gateway, entity_code, entity_name, row.currency]
            yield csv_line([*start, totals_label, "", "", "", "", money_plain(row.expected_total),
                            money_plain(row.settled_total), row.expected_count, row.settled_count])
            for difference in row.differences:
                yield csv_line([*start, labels.get(difference.get("problem"), difference.get("problem")),
                                difference.get("kind"), difference.get("event_id"), difference.get("payment"),
                                difference.get("gateway_reference"), money_plain(difference.get("ledger_amount")),
                                money_plain(difference.get("gateway_amount")), "", ""])

    return chain(["\ufeff" + csv_line(header)], lines())
