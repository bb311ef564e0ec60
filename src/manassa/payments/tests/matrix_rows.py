"""Permission-matrix rows for the payments back-office routes (``payments_admin``, ``payments_do``).

Rows have the shapes of PAGES and API in `accounts/tests/test_permission_matrix.py`. `PAGES` need nothing
but entities `ENT-A`/`ENT-B` (missing payments, refunds and rows), so the shared matrix can run them as they
are. `PAYMENT_PAGES` need a paid payment, a requested refund and a reconciliation row in each entity
(`<PAY_A>`, `<REFUND_A>`, `<ROW_A>`…, and `<DAY>` the day reconciled): `fixture_payments` makes them, and
`test_permissions.py` here runs both lists.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]
LOGIN = "login"
MISSING_PAYMENT = "PAY-2026-MISSING"
MISSING_ID = 999999
SUCCESS = "4000000000000002"


def expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


STAFF = {"officer": 200, "supervisor": 200, "admin": 200}
FINANCE = {"officer": 403, "supervisor": 200, "admin": 200}
DIGITAL_OFFICE = {"do_admin": 200, "do_analyst": 200}

PAGES: list = [
    ("payments list", "get", "payments_admin:list", {"code": "ENT-A"}, expect(404, anonymous=LOGIN, **STAFF)),
    ("other entity's payments list", "get", "payments_admin:list", {"code": "ENT-B"}, expect(404, anonymous=LOGIN)),
    ("missing payment", "get", "payments_admin:payment", {"code": "ENT-A", "reference": MISSING_PAYMENT},
     expect(404, anonymous=LOGIN)),
    ("refund of missing payment", "post", "payments_admin:refund_request",
     {"code": "ENT-A", "reference": MISSING_PAYMENT}, expect(404, anonymous=LOGIN)),
    ("refunds to approve", "get", "payments_admin:refunds", {"code": "ENT-A"},
     expect(404, anonymous=LOGIN, **FINANCE)),
    ("other entity's refunds to approve", "get", "payments_admin:refunds", {"code": "ENT-B"},
     expect(404, anonymous=LOGIN)),
    ("decide missing refund", "post", "payments_admin:refund_decide", {"code": "ENT-A", "refund_id": MISSING_ID},
     expect(404, anonymous=LOGIN, officer=403)),
    ("reconciliation", "get", "payments_admin:reconciliation", {"code": "ENT-A"},
     expect(404, anonymous=LOGIN, **FINANCE)),
    ("other entity's reconciliation", "get", "payments_admin:reconciliation", {"code": "ENT-B"},
     expect(404, anonymous=LOGIN)),
    ("reconciliation CSV", "get", "payments_admin:reconciliation_csv", {"code": "ENT-A"},
     expect(404, anonymous=LOGIN, **FINANCE)),
    ("other entity's reconciliation CSV", "get", "payments_admin:reconciliation_csv", {"code": "ENT-B"},
     expect(404, anonymous=LOGIN)),
    ("missing reconciliation row", "get", "payments_admin:reconciliation_row", {"code": "ENT-A", "row_id": MISSING_ID},
     expect(404, anonymous=LOGIN, officer=403)),
    ("Digital Office reconciliation", "get", "payments_do:reconciliation", {},
     expect(403, anonymous=LOGIN, **DIGITAL_OFFICE)),
    ("Digital Office reconciliation CSV", "get", "payments_do:reconciliation_csv", {},
     expect(403, anonymous=LOGIN, **DIGITAL_OFFICE)),
    ("Digital Office missing report", "get", "payments_do:report", {"day": "2000-01-01", "gateway": "sandbox"},
     expect(403, anonymous=LOGIN, do_admin=404, do_analyst=404)),
]

PAYMENT_PAGES: list = [
    ("own payment", "get", "payments_admin:payment", {"code": "ENT-A", "reference": "<PAY_A>"},
     expect(404, anonymous=LOGIN, **STAFF)),
    ("other entity's payment via own entity", "get", "payments_admin:payment",
     {"code": "ENT-A", "reference": "<PAY_B>"}, expect(404, anonymous=LOGIN)),
    ("other entity's payment", "get", "payments_admin:payment", {"code": "ENT-B", "reference": "<PAY_B>"},
     expect(404, anonymous=LOGIN)),
    # Nothing posted: the entity's staff get the page back with the form's errors (400).
    ("refund own payment", "post", "payments_admin:refund_request", {"code": "ENT-A", "reference": "<PAY_A>"},
     expect(404, anonymous=LOGIN, officer=400, supervisor=400, admin=400)),
    ("refund other entity's payment via own entity", "post", "payments_admin:refund_request",
     {"code": "ENT-A", "reference": "<PAY_B>"}, expect(404, anonymous=LOGIN)),
    ("refund other entity's payment", "post", "payments_admin:refund_request",
     {"code": "ENT-B", "reference": "<PAY_B>"}, expect(404, anonymous=LOGIN)),
    # No decision posted: 400 for those who may decide. The officer asked for it and may not decide anyway.
    ("decide own entity's refund", "post", "payments_admin:refund_decide",
     {"code": "ENT-A", "refund_id": "<REFUND_A>"}, expect(404, anonymous=LOGIN, officer=403, supervisor=400,
                                                          admin=400)),
    ("decide other entity's refund via own entity", "post", "payments_admin:refund_decide",
     {"code": "ENT-A", "refund_id": "<REFUND_B>"}, expect(404, anonymous=LOGIN, officer=403)),
    ("decide other entity's refund", "post", "payments_admin:refund_decide",
     {"code": "ENT-B", "refund_id": "<REFUND_B>"}, expect(404, anonymous=LOGIN)),
    ("own reconciliation row", "get", "payments_admin:reconciliation_row", {"code": "ENT-A", "row_id": "<ROW_A>"},
     expect(404, anonymous=LOGIN, **FINANCE)),
    ("other entity's reconciliation row via own entity", "get", "payments_admin:reconciliation_row",
     {"code": "ENT-A", "row_id": "<ROW_B>"}, expect(404, anonymous=LOGIN, officer=403)),
    ("other entity's reconciliation row", "get", "payments_admin:reconciliation_row",
     {"code": "ENT-B", "row_id": "<ROW_B>"}, expect(404, anonymous=LOGIN)),
    ("Digital Office report", "get", "payments_do:report", {"day": "<DAY>", "gateway": "sandbox"},
     expect(403, anonymous=LOGIN, **DIGITAL_OFFICE)),
]
API: list = []
COVERED_API_PATHS: set[str] = set()

_numbers = itertools.count(1)


def make_bill_invoice(*, entity, payer, total: int = 15000):
    """An open invoice for a bill of ``entity`` (no request behind it), ``total`` fils."""
    from django.utils import timezone

    from manassa.payments.models import Invoice

    n = next(_numbers)
    return Invoice.objects.create(
        number=f"INV-TEST-{entity.code}-{n}", bill_provider="test", bill_reference=f"BILL-{entity.code}-{n}",
        title={"ar": "فاتورة", "en": "Bill"}, entity=entity, payer=payer, step="bill",
        lines=[{"kind": "service", "label": {"ar": "رسوم الخدمة", "en": "Service fee"}, "amount": total}],
        total=total, expires_at=timezone.now() + timedelta(days=7))


def callback_deliver(charge) -> None:
    """The sandbox's signed callback, handed to the platform as the callback view would, and settled."""
    from manassa.payments.gateways import sandbox_secret
    from manassa.payments.sandbox import bank
    from manassa.payments.services import payment_callback_handle, payments_inbox_settle

    charge.refresh_from_db()
    body = bank.callback_body(bank.charge_payload(charge))
    payment_callback_handle(gateway_code="sandbox", body=body,
                            headers={"X-Sandbox-Signature": bank.sign(sandbox_secret(), body)})
    payments_inbox_settle()  # the scheduler's job


def pay(invoice, payer, *, card: str = SUCCESS, key: str | None = None, callback: bool = True):
    """Pay ``invoice`` at the sandbox; with ``callback`` the platform hears of it. Returns (payment, charge)."""
    from manassa.payments.sandbox import bank
    from manassa.payments.services import payment_start

    payment = payment_start(actor=payer, invoice=invoice, idempotency_key=key or f"key-{next(_numbers)}")
    charge = bank.charge_pay(reference=payment.gateway_reference, card_number=card)
    if callback:
        callback_deliver(charge)
    payment.refresh_from_db()
    return payment, charge


def fixture_payments(*, people, entity_a, entity_b) -> dict:
    """A paid payment, a refund asked for and a reconciliation row in each entity, and the day reconciled.

    ENT-A's refund is asked for by its officer; ENT-B's by an officer of ENT-B made here.
    """
    from django.utils import timezone

    from manassa.accounts.tests.factories import make_user
    from manassa.entities.models import Membership
    from manassa.payments.models import ReconciliationRow
    from manassa.payments.reconciliation import reconciliation_run
    from manassa.payments.services import refund_request

    officer_b = make_user("officer-b@example.test", totp=True)
    Membership.objects.create(user=officer_b, entity=entity_b, role="officer")
    keys: dict = {}
    for suffix, entity, requester in (("A", entity_a, people["officer"]), ("B", entity_b, officer_b)):
        payment, _charge = pay(make_bill_invoice(entity=entity, payer=people["customer"]), people["customer"])
        refund = refund_request(actor=requester, payment=payment, amount=500, reason="Charged twice for a copy")
        keys[f"<PAY_{suffix}>"], keys[f"<REFUND_{suffix}>"] = payment.reference, refund.pk
    day = timezone.localdate()
    report = reconciliation_run(day=day, gateway_code="sandbox")
    for suffix, entity in (("A", entity_a), ("B", entity_b)):
        keys[f"<ROW_{suffix}>"] = ReconciliationRow.objects.get(report=report, entity=entity).pk
    keys["<DAY>"] = day.isoformat()
    return keys
