"""Permission-matrix rows for the payments entity-system API, run for every role by `test_permission_matrix.py`.

The endpoints take an entity API key, never a session: every role's browser
session is 401, whatever exists. `test_api.py` runs every endpoint with every
kind of key (own entity, other entity, read-only, revoked, expired, forged).
"""

ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]


def _expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


PAGES: list = []

API: list = [
    ("system invoices by session", "get", "/api/v1/system/invoices", _expect(401)),
    ("system invoice by session", "get", "/api/v1/system/invoices/INV-2026-0000000000", _expect(401)),
    ("system payment by session", "get", "/api/v1/system/payments/PAY-2026-0000000000", _expect(401)),
]
COVERED_API_PATHS: set[str] = {
    "/system/invoices",
    "/system/invoices/{number}",
    "/system/payments/{reference}",
}
