"""Reconciliation: what our ledger says moved on a day, against what each gateway says it settled.

For a day and a gateway, every ledger entry and every line of the gateway's
settlement report is matched by the gateway's event id (the ledger keeps it as
``"<gateway>:<event id>"``, unique). What is left over is a difference:

- ``missing_in_ledger``: the gateway settled it, the platform never recorded it
  (a payment whose callback never came and no status query has found yet);
- ``missing_at_gateway``: recorded by the platform, absent from the report;
- ``amount_mismatch``: both know it, with different amounts.

A ledger entry is counted on the gateway's day when the report has it (a
callback just after midnight belongs to the day the bank settled it), so one
written early on ``day`` that the previous day's report already listed is not
counted again. The result is stored per day × gateway, one row per entity and
currency (amounts in different currencies are never added up); running the
same day again replaces it, so the periodic job and the command can be
repeated at will.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manassa.audit.services import audit_record
from manassa.payments.gateways import gateway_codes, gateway_get
from manassa.payments.gateways.base import GatewayError, SettlementLine
from manassa.payments.models import LedgerEntry, Payment, ReconciliationReport, ReconciliationRow

logger = logging.getLogger(__name__)

MISSING_IN_LEDGER, MISSING_AT_GATEWAY, AMOUNT_MISMATCH = "missing_in_ledger", "missing_at_gateway", "amount_mismatch"
PROBLEM_LABELS = {
    MISSING_IN_LEDGER: _("Settled by the gateway, missing in our ledger"),
    MISSING_AT_GATEWAY: _("In our ledger, missing at the gateway"),
    AMOUNT_MISMATCH: _("Amounts differ"),
}


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """``day`` in the platform's time zone (Asia/Dubai), as aware datetimes."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def yesterday(now: datetime | None = None) -> date:
    return timezone.localdate(now or timezone.now()) - timedelta(days=1)


class _Row:
    def __init__(self) -> None:
        self.expected_total = self.expected_count = self.settled_total = self.settled_count = 0
        self.differences: list[dict] = []


def _difference(problem: str, *, event_id: str, kind: str, payment: str, gateway_reference: str,
                ledger_amount: int | None, gateway_amount: int | None) -> dict:
    return {"problem": problem, "kind": kind, "event_id": event_id, "payment": payment,
            "gateway_reference": gateway_reference, "ledger_amount": ledger_amount, "gateway_amount": gateway_amount}


def _settlement(gateway_code: str, day: date) -> tuple[list[SettlementLine], list[SettlementLine]] | None:
    """The day's report and the previous day's, or None when the gateway gives none."""
    try:
        gateway = gateway_get(gateway_code)
        return gateway.settlement_report(day), gateway.settlement_report(day - timedelta(days=1))
    except GatewayError as exc:
        logger.warning("no settlement report", extra={"gateway": gateway_code, "day": day.isoformat(),
                                                      "error": str(exc)})
        return None


def reconciliation_run(*, day: date, gateway_code: str, actor=None, now: datetime | None = None
                       ) -> ReconciliationReport:
    """Reconcile one day of one gateway and store the result (replacing an earlier run of the same day)."""
    # The gateway is asked before any transaction: a slow gateway must hold no lock.
    reports = _settlement(gateway_code, day)
    received = reports is not None
    lines, previous = reports if reports is not None else ([], [])
    prefix = f"{gateway_code}:"
    settled = {prefix + line.event_id: line for line in lines}
    settled_before = {prefix + line.event_id for line in previous} - set(settled)

    start, end = day_bounds(day)
    entries = (LedgerEntry.objects.filter(gateway=gateway_code)
               .filter(Q(at__gte=start, at__lt=end) | Q(gateway_event_id__in=list(settled)))
               .select_related("payment").order_by("id"))
    expected = {entry.gateway_event_id: entry for entry in entries
                if entry.gateway_event_id in settled or entry.gateway_event_id not in settled_before}
    entity_of_payment = dict(Payment.objects.filter(
        gateway=gateway_code, reference__in={line.merchant_reference for line in lines})
        .values_list("reference", "entity_id"))

    # One row per entity and currency: what the ledger holds in its currency, what the gateway settled in its own.
    rows: dict[tuple[int | None, str], _Row] = defaultdict(_Row)
    for key, entry in expected.items():
        row = rows[entry.entity_id, entry.currency]
        row.expected_total += entry.amount
        row.expected_count += 1
        line = settled.get(key)
        if not received:
            continue
        if line is None:
            row.differences.append(_difference(
                MISSING_AT_GATEWAY, event_id=key.removeprefix(prefix), kind=entry.kind,
                payment=entry.payment.reference, gateway_reference=entry.payment.gateway_reference,
                ledger_amount=entry.amount, gateway_amount=None))
        elif line.amount != entry.amount or line.currency != entry.currency:
            row.differences.append(_difference(
                AMOUNT_MISMATCH, event_id=line.event_id, kind=line.kind, payment=entry.payment.reference,
                gateway_reference=line.gateway_reference, ledger_amount=entry.amount, gateway_amount=line.amount))
    for key, line in settled.items():
        entry = expected.get(key)
        row = rows[entry.entity_id if entry is not None else entity_of_payment.get(line.merchant_reference),
                   line.currency]
        row.settled_total += line.amount
        row.settled_count += 1
        if entry is None:
            row.differences.append(_difference(
                MISSING_IN_LEDGER, event_id=line.event_id, kind=line.kind, payment=line.merchant_reference,
                gateway_reference=line.gateway_reference, ledger_amount=None, gateway_amount=line.amount))

    now = now or timezone.now()
    count = sum(len(row.differences) for row in rows.values())
    with transaction.atomic():
        report, _created = ReconciliationReport.objects.update_or_create(
            day=day, gateway=gateway_code,
            defaults={"ran_at": now, "report_received": received, "difference_count": count})
        report.rows.all().delete()
        ReconciliationRow.objects.bulk_create([
            ReconciliationRow(report=report, entity_id=entity_id, currency=currency,
                              expected_total=row.expected_total, expected_count=row.expected_count,
                              settled_total=row.settled_total, settled_count=row.settled_count,
                              differences=row.differences, difference_count=len(row.differences))
            for (entity_id, currency), row in sorted(
                rows.items(), key=lambda item: (item[0][0] is None, item[0][0] or 0, item[0][1]))])
        audit_record(actor=actor, action="payments.reconciled", obj=report,
                     changes={"day": day.isoformat(), "gateway": gateway_code, "report_received": received,
                              "differences": count})
    return report


def payments_reconcile(*, day: date | None = None, actor=None) -> int:
    """Periodic job (``payments-reconcile``): reconcile yesterday for every gateway; the number of differences."""
    day = day or yesterday()
    return sum(reconciliation_run(day=day, gateway_code=code, actor=actor).difference_count
               for code in gateway_codes())
