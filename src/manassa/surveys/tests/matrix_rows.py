"""Permission-matrix rows for the surveys routes, run for every role by `test_permission_matrix.py`.

Rows have the shapes of PAGES and API there. The surveys they name (`matrix-a`, `matrix-b` published,
`matrix-a-draft`, `matrix-b-draft`, and the Digital Office's `matrix-do`, `matrix-do-draft`) are made by
`manassa.surveys.tests.factories.matrix_surveys(entity_a=…, entity_b=…)`, which the `keys` fixture calls.
Entity staff read their entity's surveys and its admins build them; the Digital Office reads every survey and
its admins build its own; another entity's survey is a 404.
"""

ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]
LOGIN = "login"


def expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


READERS_A = {"officer": 200, "supervisor": 200, "admin": 200, "do_admin": 200, "do_analyst": 200}
DO_READERS = {"do_admin": 200, "do_analyst": 200}
# A reader who may not change the survey: 403; the owner's admins: the given status.
NOT_EDITORS_A = {"officer": 403, "supervisor": 403, "do_admin": 403, "do_analyst": 403}
NOT_EDITORS_B = {"do_admin": 403, "do_analyst": 403}
NOT_EDITORS_DO = {"do_analyst": 403}

PAGES = [
    ("surveys list", "get", "surveys_admin:list", {}, expect(403, anonymous=LOGIN, **READERS_A)),
    ("new survey", "get", "surveys_admin:new", {}, expect(403, anonymous=LOGIN, admin=200, do_admin=200)),
    ("create survey (invalid post)", "post", "surveys_admin:new", {},
     expect(403, anonymous=LOGIN, admin=400, do_admin=400)),
]
for name in ("detail", "preview", "results", "export"):
    method = "get"
    PAGES += [
        (f"survey {name} own", method, f"surveys_admin:{name}", {"code": "matrix-a"},
         expect(404, anonymous=LOGIN, **READERS_A)),
        (f"survey {name} other entity", method, f"surveys_admin:{name}", {"code": "matrix-b"},
         expect(404, anonymous=LOGIN, **DO_READERS)),
        (f"survey {name} digital office", method, f"surveys_admin:{name}", {"code": "matrix-do"},
         expect(404, anonymous=LOGIN, **DO_READERS)),
    ]
PAGES += [
    ("survey detail missing", "get", "surveys_admin:detail", {"code": "nope"}, expect(404, anonymous=LOGIN)),
    ("text answers own", "get", "surveys_admin:text_answers", {"code": "matrix-a", "number": "2"},
     expect(404, anonymous=LOGIN, **READERS_A)),
    ("text answers other entity", "get", "surveys_admin:text_answers", {"code": "matrix-b", "number": "2"},
     expect(404, anonymous=LOGIN, **DO_READERS)),
    ("edit own draft", "get", "surveys_admin:edit", {"code": "matrix-a-draft"},
     expect(404, anonymous=LOGIN, admin=200, **NOT_EDITORS_A)),
    ("edit other entity's draft", "get", "surveys_admin:edit", {"code": "matrix-b-draft"},
     expect(404, anonymous=LOGIN, **NOT_EDITORS_B)),
    ("edit digital office draft", "get", "surveys_admin:edit", {"code": "matrix-do-draft"},
     expect(404, anonymous=LOGIN, do_admin=200, **NOT_EDITORS_DO)),
    ("save own draft (invalid)", "post", "surveys_admin:edit", {"code": "matrix-a-draft"},
     expect(404, anonymous=LOGIN, admin=400, **NOT_EDITORS_A)),
    ("publish own draft", "post", "surveys_admin:publish", {"code": "matrix-a-draft"},
     expect(404, anonymous=LOGIN, admin=302, **NOT_EDITORS_A)),
    ("publish other entity's draft", "post", "surveys_admin:publish", {"code": "matrix-b-draft"},
     expect(404, anonymous=LOGIN, **NOT_EDITORS_B)),
    ("publish digital office draft", "post", "surveys_admin:publish", {"code": "matrix-do-draft"},
     expect(404, anonymous=LOGIN, do_admin=302, **NOT_EDITORS_DO)),
    ("close own survey", "post", "surveys_admin:close", {"code": "matrix-a"},
     expect(404, anonymous=LOGIN, admin=302, **NOT_EDITORS_A)),
    ("close other entity's survey", "post", "surveys_admin:close", {"code": "matrix-b"},
     expect(404, anonymous=LOGIN, **NOT_EDITORS_B)),
    ("close digital office survey", "post", "surveys_admin:close", {"code": "matrix-do"},
     expect(404, anonymous=LOGIN, do_admin=302, **NOT_EDITORS_DO)),
]
API: list = []
COVERED_API_PATHS: set[str] = set()
