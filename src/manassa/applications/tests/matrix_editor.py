"""Permission-matrix rows for the editor routes; `accounts/tests/test_permission_matrix.py` runs them for every role.

Rows have the shapes of PAGES and API there; the fixture's placeholders (`<APP_A>`, `<APP_B>`,
service codes `A-APPLY`/`B-APPLY` of entities `ENT-A`/`ENT-B`) are substituted in the URL kwargs.

Staff of the service's entity read (officers and supervisors read only: 403 on every write), its
admins write; another entity's service, and another entity's service code under one's own entity,
are a 404 for everyone. Writes are posted empty: an editor answers with its errors (200), publish,
discard and "start from a template" with a redirect and a message (302).
"""

ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]
LOGIN = "login"


def expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


OWN = {"code": "ENT-A", "service_code": "A-APPLY"}
OTHER = {"code": "ENT-B", "service_code": "B-APPLY"}
OTHER_VIA_OWN = {"code": "ENT-A", "service_code": "B-APPLY"}

READ = expect(404, anonymous=LOGIN, officer=200, supervisor=200, admin=200)
NOBODY = expect(404, anonymous=LOGIN)


def _write(admin_status):
    return expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=admin_status)


# (url name, method, expected for the own entity's service)
_ROUTES = [
    ("definitions:overview", "get", READ),
    ("definitions:form_editor", "get", READ),
    ("definitions:form_editor", "post", _write(200)),
    ("definitions:form_json", "get", READ),
    ("definitions:form_json", "post", _write(200)),
    ("definitions:form_preview", "get", READ),
    # Trying answers in the preview stores nothing: every member of staff may.
    ("definitions:form_preview", "post", READ),
    ("definitions:form_preview_live", "post", _write(200)),
    ("definitions:form_publish", "post", _write(302)),
    ("definitions:form_discard", "post", _write(302)),
    ("definitions:workflow_editor", "get", READ),
    ("definitions:workflow_editor", "post", _write(200)),
    ("definitions:workflow_template", "post", _write(302)),
    ("definitions:workflow_publish", "post", _write(302)),
    ("definitions:workflow_discard", "post", _write(302)),
]

PAGES: list = []
for _name, _method, _own in _ROUTES:
    _label = f"{_name.split(':')[1]} {_method}"
    PAGES += [
        (f"{_label} own service", _method, _name, OWN, _own),
        (f"{_label} other entity's service", _method, _name, OTHER, NOBODY),
        (f"{_label} other service via own entity", _method, _name, OTHER_VIA_OWN, NOBODY),
    ]

API: list = []
COVERED_API_PATHS: set[str] = set()
