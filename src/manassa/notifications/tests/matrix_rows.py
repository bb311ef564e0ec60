"""Permission-matrix rows for the notifications routes, run for every role by `test_permission_matrix.py`.

Rows have the shapes of PAGES and API there; the fixture's placeholders (`<APP_A>`, `<APP_B>`, `<DOC_A>`,
service codes `A-APPLY`/`B-APPLY` of entities `ENT-A`/`ENT-B`) are substituted in the URL kwargs.
Admins edit the texts; supervisors and admins read the delivery log; another entity's pages are a 404.
"""

ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]
LOGIN = "login"


def expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


_EMAIL = {"event": "application.submitted", "channel": "email"}

PAGES: list = [
    ("notification texts", "get", "notifications_admin:templates", {"code": "ENT-A"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=200)),
    ("other entity's notification texts", "get", "notifications_admin:templates", {"code": "ENT-B"},
     expect(404, anonymous=LOGIN)),
    ("edit a notification text", "get", "notifications_admin:template", {"code": "ENT-A", **_EMAIL},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=200)),
    ("edit other entity's notification text", "get", "notifications_admin:template", {"code": "ENT-B", **_EMAIL},
     expect(404, anonymous=LOGIN)),
    ("edit an unknown notification", "get", "notifications_admin:template",
     {"code": "ENT-A", "event": "application.nope", "channel": "email"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403)),
    # An empty post is a preview of empty texts: the page again, nothing saved.
    ("preview a notification text", "post", "notifications_admin:template", {"code": "ENT-A", **_EMAIL},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=200)),
    ("post other entity's notification text", "post", "notifications_admin:template", {"code": "ENT-B", **_EMAIL},
     expect(404, anonymous=LOGIN)),
    ("revert a notification text", "post", "notifications_admin:revert", {"code": "ENT-A", **_EMAIL},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=302)),
    ("revert other entity's notification text", "post", "notifications_admin:revert", {"code": "ENT-B", **_EMAIL},
     expect(404, anonymous=LOGIN)),
    ("delivery log", "get", "notifications_admin:deliveries", {"code": "ENT-A"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=200, admin=200)),
    ("other entity's delivery log", "get", "notifications_admin:deliveries", {"code": "ENT-B"},
     expect(404, anonymous=LOGIN)),
]
API: list = []
COVERED_API_PATHS: set[str] = set()
