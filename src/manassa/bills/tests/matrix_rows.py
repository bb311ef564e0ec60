"""Permission-matrix rows for the bill postings in the entity's back office (``bills_admin``).

Rows have the shapes of PAGES in `accounts/tests/test_permission_matrix.py`. `PAGES` need nothing but
entities `ENT-A`/`ENT-B`; `POSTING_PAGES` need a refused posting in each entity (`<POSTING_A>`,
`<POSTING_B>`), which `fixture_postings` makes.
"""

from __future__ import annotations

from manassa.payments.tests.matrix_rows import LOGIN, MISSING_ID, STAFF, expect

# A resend answers with a redirect (to the list) for the entity's own staff.
SENT_AGAIN = {"officer": 302, "supervisor": 302, "admin": 302}

PAGES: list = [
    ("bill postings", "get", "bills_admin:postings", {"code": "ENT-A"}, expect(404, anonymous=LOGIN, **STAFF)),
    ("other entity's bill postings", "get", "bills_admin:postings", {"code": "ENT-B"},
     expect(404, anonymous=LOGIN)),
    ("resend missing posting", "post", "bills_admin:resend", {"code": "ENT-A", "posting_id": MISSING_ID},
     expect(404, anonymous=LOGIN)),
]

POSTING_PAGES: list = [
    ("resend own posting", "post", "bills_admin:resend", {"code": "ENT-A", "posting_id": "<POSTING_A>"},
     expect(404, anonymous=LOGIN, **SENT_AGAIN)),
    ("resend other entity's posting via own entity", "post", "bills_admin:resend",
     {"code": "ENT-A", "posting_id": "<POSTING_B>"}, expect(404, anonymous=LOGIN)),
    ("resend other entity's posting", "post", "bills_admin:resend", {"code": "ENT-B", "posting_id": "<POSTING_B>"},
     expect(404, anonymous=LOGIN)),
]
API: list = []
COVERED_API_PATHS: set[str] = set()


def fixture_postings(*, people, entity_a, entity_b) -> dict:
    """A paid bill in each entity whose posting its biller refused."""
    from manassa.bills.models import BillPosting, PostingStatus
    from manassa.payments.tests.matrix_rows import make_bill_invoice, pay

    keys = {}
    for suffix, entity in (("A", entity_a), ("B", entity_b)):
        payment, _charge = pay(make_bill_invoice(entity=entity, payer=people["customer"]), people["customer"])
        posting = BillPosting.objects.create(
            invoice=payment.invoice, payment=payment, provider="test", bill_reference=payment.invoice.bill_reference,
            amount=payment.amount, idempotency_key=payment.reference, status=PostingStatus.FAILED, attempts=1,
            last_error="already_paid: the bill is paid")
        keys[f"<POSTING_{suffix}>"] = posting.pk
    return keys
