"""Every role against every staff page and staff API endpoint, on the right and the wrong entity.

The last test fails when a staff URL or endpoint is added without a row here,
so the matrix stays complete as the platform grows.
"""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from config.api import api
from manassa.accounts.tests.matrix import matrix_row_check
from manassa.applications.tests import matrix_api, matrix_documents, matrix_editor
from manassa.bills.tests import matrix_rows as bills_rows
from manassa.certificates.tests import matrix_rows as certificates_rows
from manassa.complaints.tests import matrix_rows as complaints_rows
from manassa.entities.services import api_key_issue
from manassa.integrations.tests import matrix_rows as integrations_rows
from manassa.notifications.tests import matrix_rows as notifications_rows
from manassa.payments.tests import matrix_api as payments_api_rows
from manassa.payments.tests import matrix_rows as payments_rows
from manassa.surveys.tests import matrix_rows as surveys_rows

ROLES = ["anonymous", "customer", "officer", "supervisor", "admin", "do_admin", "do_analyst", "auditor"]
ENTITY_STAFF = {"officer", "supervisor", "admin"}


def expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


LOGIN = "login"  # a redirect to the sign-in page

# (case id, method, url name, kwargs, expected status by role)
PAGES = [
    ("backoffice home", "get", "backoffice:home", {},
     expect(403, anonymous=LOGIN, officer=200, supervisor=200, admin=200)),
    ("own entity", "get", "backoffice:entity", {"code": "ENT-A"},
     expect(404, anonymous=LOGIN, officer=200, supervisor=200, admin=200)),
    ("other entity", "get", "backoffice:entity", {"code": "ENT-B"}, expect(404, anonymous=LOGIN)),
    ("missing entity", "get", "backoffice:entity", {"code": "NOPE"}, expect(404, anonymous=LOGIN)),
    ("edit own entity", "get", "backoffice:entity_edit", {"code": "ENT-A"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=200)),
    ("edit other entity", "get", "backoffice:entity_edit", {"code": "ENT-B"}, expect(404, anonymous=LOGIN)),
    ("own api keys", "get", "backoffice:api_keys", {"code": "ENT-A"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=200)),
    ("other api keys", "get", "backoffice:api_keys", {"code": "ENT-B"}, expect(404, anonymous=LOGIN)),
    ("revoke own key", "post", "backoffice:api_key_revoke", {"code": "ENT-A", "prefix": "<A>"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=302)),
    ("revoke other entity's key", "post", "backoffice:api_key_revoke", {"code": "ENT-B", "prefix": "<B>"},
     expect(404, anonymous=LOGIN)),
    ("revoke other key via own entity", "post", "backoffice:api_key_revoke", {"code": "ENT-A", "prefix": "<B>"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403)),
    ("entity services", "get", "backoffice_catalog:list", {"code": "ENT-A"},
     expect(404, anonymous=LOGIN, officer=200, supervisor=200, admin=200)),
    ("other entity services", "get", "backoffice_catalog:list", {"code": "ENT-B"}, expect(404, anonymous=LOGIN)),
    ("propose a service", "get", "backoffice_catalog:new", {"code": "ENT-A"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=200)),
    ("propose for other entity", "get", "backoffice_catalog:new", {"code": "ENT-B"}, expect(404, anonymous=LOGIN)),
    ("edit own service", "get", "backoffice_catalog:edit", {"code": "ENT-A", "service_code": "A-SVC"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=200)),
    ("edit other entity's service", "get", "backoffice_catalog:edit", {"code": "ENT-B", "service_code": "B-SVC"},
     expect(404, anonymous=LOGIN)),
    ("edit other service via own entity", "get", "backoffice_catalog:edit",
     {"code": "ENT-A", "service_code": "B-SVC"}, expect(404, anonymous=LOGIN, officer=403, supervisor=403)),
    ("own change", "get", "backoffice_catalog:revision", {"code": "ENT-A", "revision_id": "<RA>"},
     expect(404, anonymous=LOGIN, officer=200, supervisor=200, admin=200)),
    ("other change via own entity", "get", "backoffice_catalog:revision", {"code": "ENT-A", "revision_id": "<RB>"},
     expect(404, anonymous=LOGIN)),
    ("submit own change", "post", "backoffice_catalog:submit", {"code": "ENT-A", "revision_id": "<RA>"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=403, admin=302)),
    ("submit other change", "post", "backoffice_catalog:submit", {"code": "ENT-B", "revision_id": "<RB>"},
     expect(404, anonymous=LOGIN)),
    ("review queue", "get", "digital_office_catalog:queue", {},
     expect(403, anonymous=LOGIN, do_admin=200, do_analyst=200)),
    ("review a change", "get", "digital_office_catalog:review", {"revision_id": "<RA>"},
     expect(403, anonymous=LOGIN, do_admin=200, do_analyst=200)),
    ("act on a change", "post", "digital_office_catalog:review", {"revision_id": "<RB>"},
     expect(403, anonymous=LOGIN, do_admin=200)),
    ("synonyms", "get", "digital_office_catalog:synonyms", {},
     expect(403, anonymous=LOGIN, do_admin=200, do_analyst=200)),
    ("add synonyms", "post", "digital_office_catalog:synonyms", {}, expect(403, anonymous=LOGIN, do_admin=200)),
    ("edit synonyms", "get", "digital_office_catalog:synonym", {"synonym_id": "<S>"},
     expect(403, anonymous=LOGIN, do_admin=200)),
    ("missing synonyms", "get", "digital_office_catalog:synonym", {"synonym_id": "999999"},
     expect(403, anonymous=LOGIN, do_admin=404)),
    ("digital office", "get", "digital_office:home", {},
     expect(403, anonymous=LOGIN, do_admin=200, do_analyst=200)),
    ("audit trail", "get", "audit:events", {}, expect(403, anonymous=LOGIN, auditor=200)),
    # Work queue: entity staff only; another entity's request is a 404, the applicant's own request too.
    ("work queue", "get", "workqueue:queue", {}, expect(403, anonymous=LOGIN, officer=200, supervisor=200, admin=200)),
    ("queue overview", "get", "workqueue:overview", {}, expect(403, anonymous=LOGIN, supervisor=200, admin=200)),
    ("own application", "get", "workqueue:application", {"reference": "<APP_A>"},
     expect(404, anonymous=LOGIN, officer=200, supervisor=200, admin=200)),
    ("other entity's application", "get", "workqueue:application", {"reference": "<APP_B>"},
     expect(404, anonymous=LOGIN)),
    ("missing application", "get", "workqueue:application", {"reference": "NOPE-2026-000000"},
     expect(404, anonymous=LOGIN)),
    ("claim own application", "post", "workqueue:claim", {"reference": "<APP_A>"},
     expect(404, anonymous=LOGIN, officer=302, supervisor=302, admin=302)),
    ("claim other application", "post", "workqueue:claim", {"reference": "<APP_B>"}, expect(404, anonymous=LOGIN)),
    ("assign own application", "post", "workqueue:assign", {"reference": "<APP_A>"},
     expect(404, anonymous=LOGIN, officer=403, supervisor=302, admin=302)),
    ("assign other application", "post", "workqueue:assign", {"reference": "<APP_B>"}, expect(404, anonymous=LOGIN)),
    ("note on own application", "post", "workqueue:note", {"reference": "<APP_A>"},
     expect(404, anonymous=LOGIN, officer=200, supervisor=200, admin=200)),
    ("note on other application", "post", "workqueue:note", {"reference": "<APP_B>"}, expect(404, anonymous=LOGIN)),
    ("act on own application", "post", "workqueue:transition", {"reference": "<APP_A>"},
     expect(404, anonymous=LOGIN, officer=302, supervisor=302, admin=302)),
    ("act on other application", "post", "workqueue:transition", {"reference": "<APP_B>"},
     expect(404, anonymous=LOGIN)),
]

EMPTY_CATALOG = {"format": "manassa-catalog/1", "entities": [], "sectors": [], "life_events": [], "services": []}

# (case id, method, path, expected status by role[, JSON body]) — session authentication
API = [
    ("members own entity", "get", "/api/v1/backoffice/entities/ENT-A/members",
     expect(404, anonymous=401, officer=200, supervisor=200, admin=200)),
    ("members other entity", "get", "/api/v1/backoffice/entities/ENT-B/members", expect(404, anonymous=401)),
    ("audit events", "get", "/api/v1/audit/events", expect(403, anonymous=401, auditor=200)),
    ("me", "get", "/api/v1/me", expect(200, anonymous=401)),
    # Entity-system endpoints never accept a browser session, whatever the role.
    ("system whoami by session", "get", "/api/v1/system/whoami", expect(401)),
    ("catalog import (dry run)", "post", "/api/v1/catalog/import?dry_run=true",
     expect(403, anonymous=401, do_admin=200), EMPTY_CATALOG),
]

# Each app keeps the rows of its own routes next to its tests and they are added here.
_ROW_MODULES = [matrix_editor, matrix_documents, matrix_api, notifications_rows, certificates_rows, integrations_rows,
                complaints_rows, surveys_rows, payments_rows, payments_api_rows, bills_rows]
PAGES += ([row for module in _ROW_MODULES for row in module.PAGES] + complaints_rows.CASE_PAGES
          + certificates_rows.ISSUED_DOCUMENT_PAGES + payments_rows.PAYMENT_PAGES + bills_rows.POSTING_PAGES)
API += [row for module in _ROW_MODULES for row in module.API]

STAFF_NAMESPACES = {"backoffice", "digital_office", "audit", "backoffice_catalog", "digital_office_catalog",
                    "workqueue", "definitions", "notifications_admin", "certificates_admin", "integrations",
                    "cases_admin", "surveys_admin", "payments_admin", "payments_do", "bills_admin"}
COVERED_API_PATHS = {
    "/backoffice/entities/{code}/members", "/audit/events", "/me", "/system/whoami", "/catalog/import",
}.union(*(module.COVERED_API_PATHS for module in _ROW_MODULES))
PUBLIC_API_PATHS = {"/entities", "/entities/{code}", "/catalog/export", "/catalog/search", "/catalog/suggest"}


@pytest.fixture
def keys(people, entity_a, entity_b):
    from manassa.catalog.models import ServiceRevision
    from manassa.catalog.tests.factories import make_sector, make_service

    key_a, token_a = api_key_issue(actor=None, entity=entity_a, name="A system")
    key_b, token_b = api_key_issue(actor=None, entity=entity_b, name="B system")
    sector = make_sector()
    make_service(entity=entity_a, sector=sector, code="A-SVC", name_ar="أ", name_en="A")
    make_service(entity=entity_b, sector=sector, code="B-SVC", name_ar="ب", name_en="B")
    revisions = {
        key: ServiceRevision.objects.create(entity=entity, code=code, status="submitted",
                                            data={"name_ar": "x", "name_en": "x", "sector": "health"})
        for key, entity, code in (("<RA>", entity_a, "A-NEW"), ("<RB>", entity_b, "B-NEW"))
    }
    from manassa.catalog.models import Synonym

    synonym = Synonym.objects.create(language="ar", terms=["سواقة", "قيادة"])
    # One submitted application in each entity, for the work-queue rows.
    from manassa.applications import services as applications
    from manassa.applications.workflow import TEMPLATES

    form = {"format": "manassa-form/1", "pages": [{"key": "p", "title": {"ar": "البيانات", "en": "Details"}, "fields": [
        {"key": "full_name", "type": "text", "label": {"ar": "الاسم", "en": "Name"}, "required": True}]}]}
    application_refs = {}
    for key, entity, code in (("<APP_A>", entity_a, "A-APPLY"), ("<APP_B>", entity_b, "B-APPLY")):
        service = make_service(entity=entity, sector=sector, code=code, name_ar="خدمة", name_en="Service")
        applications.service_form_publish(actor=None, service=service, definition=form)
        applications.service_workflow_publish(actor=None, service=service, definition=TEMPLATES["simple_approval"])
        draft = applications.application_start(actor=people["customer"], service=service)
        applications.application_answers_save(actor=people["customer"], application=draft,
                                              answers={"full_name": "Maryam"})
        application_refs[key] = applications.application_submit(actor=people["customer"], application=draft).reference
        application_refs[key.replace("APP", "DOC")] = _result_document(draft).ref
    from manassa.surveys.tests.factories import matrix_surveys

    matrix_surveys(entity_a=entity_a, entity_b=entity_b)
    return {"<A>": key_a.prefix, "<B>": key_b.prefix, "token_a": token_a, "token_b": token_b, "<S>": synonym.pk,
            **{key: revision.pk for key, revision in revisions.items()}, **application_refs,
            **complaints_rows.fixture_keys(people, entity_a, entity_b),
            **certificates_rows.fixture_documents(entity_a=entity_a, entity_b=entity_b, holder=people["customer"]),
            **payments_rows.fixture_payments(people=people, entity_a=entity_a, entity_b=entity_b),
            **bills_rows.fixture_postings(people=people, entity_a=entity_a, entity_b=entity_b)}


def _result_document(application):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from manassa.applications.documents import result_document_add

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return result_document_add(actor=None, application=application,
                               upload=SimpleUploadedFile("permit.pdf", pdf, content_type="application/pdf"))


def _client_for(client, people, role):
    if role != "anonymous":
        client.force_login(people[role])
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", PAGES, ids=[c[0] for c in PAGES])
def test_staff_pages(client, people, keys, role, case):
    matrix_row_check(client, people, keys, role, case)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", API, ids=[c[0] for c in API])
def test_staff_api(client, people, role, case):
    _id, method, path, expected, *body = case
    kwargs = {"data": json.dumps(body[0]), "content_type": "application/json"} if body else {}
    response = getattr(_client_for(client, people, role), method)(path, **kwargs)
    assert response.status_code == expected[role], (role, path, response.content)
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"code", "message"}


def test_member_list_shows_only_own_entity_staff(client, people, entity_b):
    from manassa.accounts.tests.factories import make_user
    from manassa.entities.models import Membership

    outsider = make_user("outsider@example.test", totp=True)
    Membership.objects.create(user=outsider, entity=entity_b, role="officer")
    client.force_login(people["officer"])
    emails = {m["email"] for m in client.get("/api/v1/backoffice/entities/ENT-A/members").json()}
    assert emails == {"officer@example.test", "supervisor@example.test", "admin@example.test"}


def test_system_endpoint_with_entity_keys(client, keys):
    response = client.get("/api/v1/system/whoami", HTTP_AUTHORIZATION=f"Bearer {keys['token_a']}")
    assert response.status_code == 200 and response.json()["entity"] == "ENT-A"
    response = client.get("/api/v1/system/whoami", HTTP_AUTHORIZATION=f"Bearer {keys['token_b']}")
    assert response.json()["entity"] == "ENT-B"
    forged = keys["token_a"][:-4] + "AAAA"
    assert client.get("/api/v1/system/whoami", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401
    assert client.get("/api/v1/system/whoami", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401


def test_admin_site_is_for_superusers_only(client, people):
    for role in ROLES[1:]:
        client.force_login(people[role])
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"], role


def _named_routes(resolver: URLResolver, namespace: str | None = None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _named_routes(pattern, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace, pattern.name


def test_matrix_covers_every_staff_route():
    covered_pages = {name for _id, _m, name, _kw, _exp in PAGES}
    staff_pages = {f"{ns}:{name}" for ns, name in _named_routes(get_resolver()) if ns in STAFF_NAMESPACES}
    assert staff_pages - covered_pages == set(), "add the new staff pages to PAGES"

    schema = api.get_openapi_schema()
    api_paths = {path.removeprefix("/api/v1") for path in schema["paths"]}
    uncovered = api_paths - COVERED_API_PATHS - PUBLIC_API_PATHS
    assert uncovered == set(), "add the new API endpoints to API"
