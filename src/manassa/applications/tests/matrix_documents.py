"""Permission-matrix rows for the back office's document routes; `accounts/tests/test_permission_matrix.py` runs them.

`<DOC_A>`/`<DOC_B>` are result documents of `<APP_A>`/`<APP_B>`. A document is found only through its own
application, so another application's document is a 404 even for staff of both.
"""

ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]
LOGIN = "login"


def expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


PAGES: list = [
    ("own document", "get", "workqueue:document", {"reference": "<APP_A>", "ref": "<DOC_A>"},
     expect(404, anonymous=LOGIN, officer=200, supervisor=200, admin=200)),
    ("other entity's document", "get", "workqueue:document", {"reference": "<APP_B>", "ref": "<DOC_B>"},
     expect(404, anonymous=LOGIN)),
    ("other document via own application", "get", "workqueue:document", {"reference": "<APP_A>", "ref": "<DOC_B>"},
     expect(404, anonymous=LOGIN)),
    # No file posted: staff of the entity get the page back with the error (400).
    ("add result to own application", "post", "workqueue:result_add", {"reference": "<APP_A>"},
     expect(404, anonymous=LOGIN, officer=400, supervisor=400, admin=400)),
    ("add result to other application", "post", "workqueue:result_add", {"reference": "<APP_B>"},
     expect(404, anonymous=LOGIN)),
]
API: list = []
COVERED_API_PATHS: set[str] = set()
