"""The sandbox billers' behaviour: a pretend utility billing system the platform collects bills for.

Demo accounts (the same numbers for every sandbox provider, see docs/bills.md):

==========  ==========================================================
1000000001  two unpaid bills
1000000002  one unpaid bill
1000000003  nothing outstanding (last month's bill is paid)
1000000503  the biller is down: every call answers 503
1000000408  the biller is slow: answers after
            ``MANASSA_SANDBOX_BILLERS_SLOW_SECONDS`` (past the adapter's timeout)
==========  ==========================================================

Any other number is unknown to the biller (404).
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from manassa.bills.sandbox.models import SandboxBill, SandboxBillerAccount, SandboxBillPayment

BEHAVIOURS = ("normal", "unavailable", "slow")
TWO_BILLS, ONE_BILL, NOTHING_DUE, DOWN, SLOW = "1000000001", "1000000002", "1000000003", "1000000503", "1000000408"
MONTHS = {
    1: ("يناير", "January"), 2: ("فبراير", "February"), 3: ("مارس", "March"), 4: ("أبريل", "April"),
    5: ("مايو", "May"), 6: ("يونيو", "June"), 7: ("يوليو", "July"), 8: ("أغسطس", "August"),
    9: ("سبتمبر", "September"), 10: ("أكتوبر", "October"), 11: ("نوفمبر", "November"), 12: ("ديسمبر", "December"),
}


class Refused(Exception):
    def __init__(self, code: str, status: int) -> None:
        self.code, self.status = code, status
        super().__init__(code)


def bill_payload(bill: SandboxBill) -> dict:
    return {"reference": bill.reference, "account": bill.account.number, "period": bill.period,
            "due_date": bill.due_date.isoformat(), "amount": bill.amount, "currency": bill.currency,
            "description": {"ar": bill.description_ar, "en": bill.description_en}}


def account_bills(*, provider: str, number: str) -> tuple[SandboxBillerAccount, list[dict]]:
    account = SandboxBillerAccount.objects.filter(provider=provider, number=number).first()
    if account is None:
        raise Refused("account_not_found", 404)
    bills = account.bills.filter(paid_at__isnull=True).order_by("due_date", "id")
    return account, [bill_payload(bill) for bill in bills]


@transaction.atomic
def bill_pay(*, provider: str, reference: str, amount: int, payment_reference: str,
             idempotency_key: str) -> tuple[SandboxBillPayment, bool]:
    """Record a payment of the bill; the same key again gives the same confirmation (``created`` False)."""
    if not idempotency_key:
        raise Refused("idempotency_key_missing", 400)
    bill = (SandboxBill.objects.select_for_update().select_related("account")
            .filter(account__provider=provider, reference=reference).first())
    if bill is None:
        raise Refused("bill_not_found", 404)
    existing = SandboxBillPayment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.bill_id != bill.pk or existing.amount != amount:
            raise Refused("idempotency_key_reused", 409)
        return existing, False
    if bill.paid_at is not None:
        raise Refused("already_paid", 409)
    if amount != bill.amount:
        raise Refused("amount_mismatch", 422)
    bill.paid_at = timezone.now()
    bill.save(update_fields=["paid_at"])
    payment = SandboxBillPayment.objects.create(
        bill=bill, idempotency_key=idempotency_key, payment_reference=payment_reference[:40], amount=amount,
        confirmation=f"RCP-{secrets.token_hex(6).upper()}")
    return payment, True


def _month(day: date, back: int) -> date:
    year, month = day.year, day.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def _bill(account: SandboxBillerAccount, month: date, amount: int, *, paid: bool = False) -> None:
    reference = f"{account.provider.upper()[:6]}-{account.number[-4:]}-{month:%Y%m}"
    if SandboxBill.objects.filter(reference=reference).exists():
        return
    name_ar, name_en = MONTHS[month.month]
    SandboxBill.objects.create(
        account=account, reference=reference, period=f"{month:%Y-%m}", due_date=month + timedelta(days=44),
        amount=amount, description_ar=f"كهرباء ومياه — {name_ar} {month.year}",
        description_en=f"Electricity and water — {name_en} {month.year}",
        paid_at=timezone.now() if paid else None)


@transaction.atomic
def demo_install(*, provider: str, today: date | None = None) -> int:
    """The demo accounts of one sandbox provider (idempotent); returns how many accounts were created."""
    today = today or timezone.localdate()
    created = 0
    for number, holder, behaviour in [
        (TWO_BILLS, "Maryam Ahmed Al Shamsi", "normal"), (ONE_BILL, "Khalid Salem Al Naqbi", "normal"),
        (NOTHING_DUE, "Fatima Ali Al Ketbi", "normal"), (DOWN, "Biller down", "unavailable"),
        (SLOW, "Biller slow", "slow"),
    ]:
        account, made = SandboxBillerAccount.objects.get_or_create(
            provider=provider, number=number, defaults={"holder": holder, "behaviour": behaviour})
        created += made
        if number == TWO_BILLS:
            _bill(account, _month(today, 2), 45_075)
            _bill(account, _month(today, 1), 38_250)
        elif number == ONE_BILL:
            _bill(account, _month(today, 1), 61_000)
        elif number in (NOTHING_DUE, DOWN, SLOW):
            _bill(account, _month(today, 1), 29_900, paid=number == NOTHING_DUE)
    return created
