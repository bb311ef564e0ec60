"""Permission-matrix rows for the certificates routes, run for every role by `test_permission_matrix.py`.

Rows have the shapes of PAGES and API there; the fixture's placeholders (`<APP_A>`, `<APP_B>`, `<DOC_A>`,
service codes `A-APPLY`/`B-APPLY` of entities `ENT-A`/`ENT-B`) are substituted in the URL kwargs.

`ISSUED_DOCUMENT_PAGES` need issued documents `<CERT_A>`/`<CERT_B>` (numbers) of ENT-A/ENT-B, which that
fixture does not make yet: `test_permissions.py` here runs them (and PAGES) with a fixture that does.
`fixture_documents` makes them for the shared fixture too.
"""

ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]
LOGIN = "login"
MISSING = "CERT-2026-999999"


def expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


PAGES: list = [
    ("issued documents", "get", "certificates_admin:list", {},
     expect(403, anonymous=LOGIN, officer=200, supervisor=200, admin=200)),
    ("document settings", "get", "certificates_admin:settings", {}, expect(403, anonymous=LOGIN, admin=200)),
    ("own service's document setting", "get", "certificates_admin:setting", {"service_code": "A-APPLY"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=200)),
    ("other entity's service document setting", "get", "certificates_admin:setting", {"service_code": "B-APPLY"},
     expect(404, anonymous=LOGIN)),
    # Nothing posted: the entity administrator gets the form back with its errors (400).
    ("save own service's document setting", "post", "certificates_admin:setting", {"service_code": "A-APPLY"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=400)),
    ("save other entity's service document setting", "post", "certificates_admin:setting",
     {"service_code": "B-APPLY"}, expect(404, anonymous=LOGIN)),
    ("missing issued document", "get", "certificates_admin:detail", {"number": MISSING}, expect(404, anonymous=LOGIN)),
    ("missing issued document's PDF", "get", "certificates_admin:pdf", {"number": MISSING},
     expect(404, anonymous=LOGIN)),
    ("revoke missing document", "post", "certificates_admin:revoke", {"number": MISSING},
     expect(404, anonymous=LOGIN)),
]

ISSUED_DOCUMENT_PAGES: list = [
    ("own issued document", "get", "certificates_admin:detail", {"number": "<CERT_A>"},
     expect(404, anonymous=LOGIN, officer=200, supervisor=200, admin=200)),
    ("other entity's issued document", "get", "certificates_admin:detail", {"number": "<CERT_B>"},
     expect(404, anonymous=LOGIN)),
    ("own issued document's PDF", "get", "certificates_admin:pdf", {"number": "<CERT_A>"},
     expect(404, anonymous=LOGIN, officer=200, supervisor=200, admin=200)),
    ("other entity's issued document's PDF", "get", "certificates_admin:pdf", {"number": "<CERT_B>"},
     expect(404, anonymous=LOGIN)),
    # No reason posted: supervisors and administrators get the page back with the error (400); officers may not.
    ("revoke own document", "post", "certificates_admin:revoke", {"number": "<CERT_A>"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=400, admin=400)),
    ("revoke other entity's document", "post", "certificates_admin:revoke", {"number": "<CERT_B>"},
     expect(404, anonymous=LOGIN)),
]
API: list = []
COVERED_API_PATHS: set[str] = set()


def fixture_documents(*, entity_a, entity_b, holder) -> dict[str, str]:
    """``{"<CERT_A>": number, "<CERT_B>": number}``: one issued document in each entity, held by ``holder``."""
    from manassa.certificates.services import issued_document_issue

    return {key: issued_document_issue(actor=None, source_key=f"matrix:{key}", entity=entity, holder=holder,
                                       kind="certificate", title_ar="شهادة", title_en="Certificate", fields=[]).number
            for key, entity in (("<CERT_A>", entity_a), ("<CERT_B>", entity_b))}
