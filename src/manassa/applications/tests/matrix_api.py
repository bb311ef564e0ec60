"""Permission-matrix rows for the api routes; `accounts/tests/test_permission_matrix.py` runs them for every role.

Rows have the shapes of PAGES and API there; the fixture's placeholders (`<APP_A>`, `<APP_B>`,
service codes `A-APPLY`/`B-APPLY` of entities `ENT-A`/`ENT-B`) are substituted in the URL kwargs.

API paths are not substituted, so only the rows that need no reference are here; every endpoint
against every role on an application of the person's own entity, of another entity and a missing
one is in `test_api.py` (`test_every_role_on_every_endpoint`), which covers the paths listed below.
"""


def _expect(default, **per_role):
    roles = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]
    return {role: per_role.get(role, default) for role in roles}


_MISSING = "/api/v1/backoffice/applications/NOPE-2026-000000"

PAGES: list = []
API: list = [
    ("api work queue", "get", "/api/v1/backoffice/applications",
     _expect(403, anonymous=401, officer=200, supervisor=200, admin=200)),
    ("api work queue of other entity", "get", "/api/v1/backoffice/applications?entity=ENT-B",
     _expect(403, anonymous=401, officer=200, supervisor=200, admin=200)),
    ("api missing application", "get", _MISSING, _expect(404, anonymous=401)),
    ("api act on missing application", "post", f"{_MISSING}/transitions", _expect(404, anonymous=401),
     {"action": "start_review"}),
    ("api claim missing application", "post", f"{_MISSING}/claim", _expect(404, anonymous=401)),
    ("api assign missing application", "post", f"{_MISSING}/assign", _expect(404, anonymous=401),
     {"assignee": "officer@example.test"}),
    ("api note on missing application", "post", f"{_MISSING}/notes", _expect(404, anonymous=401), {"text": "x"}),
]
COVERED_API_PATHS: set[str] = {
    "/backoffice/applications",
    "/backoffice/applications/{reference}",
    "/backoffice/applications/{reference}/transitions",
    "/backoffice/applications/{reference}/claim",
    "/backoffice/applications/{reference}/assign",
    "/backoffice/applications/{reference}/notes",
}
