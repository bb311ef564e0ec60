"""Permission-matrix rows for the complaints routes, run for every role by `test_permission_matrix.py`.

Rows have the shapes of PAGES and API there; the fixture's placeholders (`<APP_A>`, `<APP_B>`, `<DOC_A>`,
service codes `A-APPLY`/`B-APPLY` of entities `ENT-A`/`ENT-B`) are substituted in the URL kwargs.

The `keys` fixture has no case yet, so every case route is covered here by a missing case (404 for every
signed-in role). `CASE_PAGES` are the rows with a case of each entity: they need `fixture_keys` added to
that fixture (`**complaints_rows.fixture_keys(people, entity_a, entity_b)`), then `PAGES += CASE_PAGES`.
`test_views.py` checks every role on every case page and action, own entity and other entity, meanwhile.
"""

LOGIN = "login"
ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]


def expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


MISSING = "NOPE-FB-2026-000000"

PAGES: list = [
    ("cases list", "get", "cases_admin:list", {},
     expect(403, anonymous=LOGIN, officer=200, supervisor=200, admin=200, do_admin=200, do_analyst=200)),
    ("cases triage", "get", "cases_admin:triage", {}, expect(403, anonymous=LOGIN, do_admin=200, do_analyst=200)),
    ("missing case", "get", "cases_admin:case", {"reference": MISSING}, expect(404, anonymous=LOGIN)),
    ("act on missing case", "post", "cases_admin:act", {"reference": MISSING}, expect(404, anonymous=LOGIN)),
    ("assign missing case", "post", "cases_admin:assign", {"reference": MISSING}, expect(404, anonymous=LOGIN)),
    ("note on missing case", "post", "cases_admin:note", {"reference": MISSING}, expect(404, anonymous=LOGIN)),
    ("transfer missing case", "post", "cases_admin:transfer", {"reference": MISSING}, expect(404, anonymous=LOGIN)),
    ("merge missing case", "post", "cases_admin:merge", {"reference": MISSING}, expect(404, anonymous=LOGIN)),
    ("file of missing case", "get", "cases_admin:attachment", {"reference": MISSING, "ref": "abc"},
     expect(404, anonymous=LOGIN)),
]

CASE_PAGES: list = [
    ("own case", "get", "cases_admin:case", {"reference": "<CASE_A>"},
     expect(404, anonymous=LOGIN, officer=200, supervisor=200, admin=200, do_admin=200, do_analyst=200)),
    ("other entity's case", "get", "cases_admin:case", {"reference": "<CASE_B>"},
     expect(404, anonymous=LOGIN, do_admin=200, do_analyst=200)),
    ("act on other entity's case", "post", "cases_admin:act", {"reference": "<CASE_B>"},
     expect(404, anonymous=LOGIN, do_admin=403, do_analyst=403)),
    ("assign other entity's case", "post", "cases_admin:assign", {"reference": "<CASE_B>"},
     expect(404, anonymous=LOGIN, do_admin=403, do_analyst=403)),
    ("note on other entity's case", "post", "cases_admin:note", {"reference": "<CASE_B>"},
     expect(404, anonymous=LOGIN, do_admin=400, do_analyst=403)),
    ("transfer other entity's case", "post", "cases_admin:transfer", {"reference": "<CASE_B>"},
     expect(404, anonymous=LOGIN, do_admin=400, do_analyst=403)),
    ("merge other entity's case", "post", "cases_admin:merge", {"reference": "<CASE_B>"},
     expect(404, anonymous=LOGIN, do_admin=403, do_analyst=403)),
    ("note on own case", "post", "cases_admin:note", {"reference": "<CASE_A>"},
     expect(404, anonymous=LOGIN, officer=400, supervisor=400, admin=400, do_admin=400, do_analyst=403)),
]


def fixture_keys(people, entity_a, entity_b) -> dict:
    """One case of each entity, for CASE_PAGES."""
    from manassa.complaints.services import case_submit
    from manassa.complaints.tests.factories import make_category

    found = {}
    for key, entity in (("<CASE_A>", entity_a), ("<CASE_B>", entity_b)):
        category = make_category(entity=entity, code=f"{entity.code}-CASES")
        found[key] = case_submit(actor=people["customer"], kind="complaint", description="x",
                                 category=category).case.reference
    return found


API: list = []
COVERED_API_PATHS: set[str] = set()
