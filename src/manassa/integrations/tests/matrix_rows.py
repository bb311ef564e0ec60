"""Permission-matrix rows for the integrations routes, run for every role by `test_permission_matrix.py`.

Rows have the shapes of PAGES and API there; the fixture's placeholders (`<APP_A>`, `<APP_B>`, `<DOC_A>`,
service codes `A-APPLY`/`B-APPLY` of entities `ENT-A`/`ENT-B`, key prefixes `<A>`/`<B>`) are substituted in
the URL kwargs.

The fixture has no webhook endpoints or deliveries, so the rows for those use an id that exists nowhere;
every role against an endpoint and a delivery of the person's own entity and of another entity is in
`test_views.py` (`test_every_role_on_every_page`). The entity-system API takes keys, never a session:
every role's session is 401 here, and `test_system_api.py` runs every endpoint with every kind of key.
"""

LOGIN = "login"
ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]


def _expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


def _admin_only(admin_status):
    """Own entity: its admin gets ``admin_status``, its officers and supervisors 403, everyone else 404."""
    return _expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=admin_status)


_NONE = "999999"  # no endpoint or delivery has this id

PAGES: list = [
    ("own webhooks", "get", "integrations:webhooks", {"code": "ENT-A"}, _admin_only(200)),
    ("other entity's webhooks", "get", "integrations:webhooks", {"code": "ENT-B"}, _expect(404, anonymous=LOGIN)),
    ("add own webhook (invalid form)", "post", "integrations:webhooks", {"code": "ENT-A"}, _admin_only(200)),
    ("add other entity's webhook", "post", "integrations:webhooks", {"code": "ENT-B"}, _expect(404, anonymous=LOGIN)),
    ("missing endpoint", "get", "integrations:endpoint", {"code": "ENT-A", "endpoint_id": _NONE}, _admin_only(404)),
    ("missing endpoint of other entity", "get", "integrations:endpoint", {"code": "ENT-B", "endpoint_id": _NONE},
     _expect(404, anonymous=LOGIN)),
    ("ping missing endpoint", "post", "integrations:endpoint_ping", {"code": "ENT-A", "endpoint_id": _NONE},
     _admin_only(404)),
    ("ping via other entity", "post", "integrations:endpoint_ping", {"code": "ENT-B", "endpoint_id": _NONE},
     _expect(404, anonymous=LOGIN)),
    ("new secret for missing endpoint", "post", "integrations:endpoint_secret",
     {"code": "ENT-A", "endpoint_id": _NONE}, _admin_only(404)),
    ("new secret via other entity", "post", "integrations:endpoint_secret", {"code": "ENT-B", "endpoint_id": _NONE},
     _expect(404, anonymous=LOGIN)),
    ("own delivery log", "get", "integrations:deliveries", {"code": "ENT-A"}, _admin_only(200)),
    ("other entity's delivery log", "get", "integrations:deliveries", {"code": "ENT-B"},
     _expect(404, anonymous=LOGIN)),
    ("missing delivery", "get", "integrations:delivery", {"code": "ENT-A", "delivery_id": _NONE}, _admin_only(404)),
    ("delivery via other entity", "get", "integrations:delivery", {"code": "ENT-B", "delivery_id": _NONE},
     _expect(404, anonymous=LOGIN)),
    ("retry missing delivery", "post", "integrations:delivery_retry", {"code": "ENT-A", "delivery_id": _NONE},
     _admin_only(404)),
    ("retry via other entity", "post", "integrations:delivery_retry", {"code": "ENT-B", "delivery_id": _NONE},
     _expect(404, anonymous=LOGIN)),
    # API key rotation (entities' page; the rows live here with the rest of the entity-systems work).
    ("rotate own key", "post", "backoffice:api_key_rotate", {"code": "ENT-A", "prefix": "<A>"}, _admin_only(200)),
    ("rotate other entity's key", "post", "backoffice:api_key_rotate", {"code": "ENT-B", "prefix": "<B>"},
     _expect(404, anonymous=LOGIN)),
    ("rotate other key via own entity", "post", "backoffice:api_key_rotate", {"code": "ENT-A", "prefix": "<B>"},
     _admin_only(404)),
]

_MISSING = "/api/v1/system/applications/NOPE-2026-000000"

# A session, whatever its role, is not an entity system's key.
API: list = [
    ("system applications by session", "get", "/api/v1/system/applications", _expect(401)),
    ("system application by session", "get", _MISSING, _expect(401)),
    ("system transition by session", "post", f"{_MISSING}/transitions", _expect(401), {"action": "start_review"}),
    ("system result by session", "post", f"{_MISSING}/results", _expect(401), {}),
    ("system deliveries by session", "get", "/api/v1/system/webhooks/deliveries", _expect(401)),
]
COVERED_API_PATHS: set[str] = {
    "/system/applications",
    "/system/applications/{reference}",
    "/system/applications/{reference}/transitions",
    "/system/applications/{reference}/results",
    "/system/webhooks/deliveries",
}
