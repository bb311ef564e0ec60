"""``GET /api/v1/catalog/export`` and ``POST /api/v1/catalog/import``."""

import json

import pytest

from manassa.audit.models import AuditEvent
from manassa.catalog.interchange import catalog_dumps, catalog_export_json
from manassa.catalog.models import Service
from manassa.catalog.tests.test_interchange import sample


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions quote the English messages; the API's Arabic is tested separately."""
    from django.utils import translation

    with translation.override("en"):
        yield


IMPORT = "/api/v1/catalog/import"


def post(client, body, query="", **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(IMPORT + query, data=data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en",
                       **extra)


@pytest.fixture
def admin_client(client, people):
    client.force_login(people["do_admin"])
    return client


def test_export_is_public_and_canonical(client, db):
    from manassa.catalog.interchange import catalog_import

    catalog_import(actor=None, document=sample())
    response = client.get("/api/v1/catalog/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == catalog_export_json().encode("utf-8")
    assert any(s["status"] == "retired" for s in response.json()["services"])


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("customer", 403), ("admin", 403),
                                              ("do_analyst", 403), ("auditor", 403)])
def test_import_is_for_the_digital_office_only(client, people, role, status):
    if role != "anonymous":
        client.force_login(people[role])
    response = post(client, sample())
    assert response.status_code == status
    assert set(response.json()["error"]) >= {"code", "message"}
    assert not Service.objects.exists()


def test_import_dry_run_then_for_real(admin_client):
    response = post(admin_client, sample(), "?dry_run=true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True and body["changed"] is True
    assert body["created"]["services"] == ["BANK-1-ACCOUNT", "GOV-A-HEALTH-CARD", "GOV-OLD", "GOV-WATER"]
    assert not Service.objects.exists()

    body = post(admin_client, sample()).json()
    assert body["dry_run"] is False and Service.objects.count() == 4
    event = AuditEvent.objects.filter(action="catalog.service.created").first()
    assert event.actor_label == "do_admin@example.test"

    assert post(admin_client, catalog_dumps(sample())).json()["changed"] is False


def test_import_prune_through_the_api(admin_client):
    post(admin_client, sample())
    doc = sample()
    doc["services"] = [s for s in doc["services"] if s["code"] != "GOV-WATER"]
    body = post(admin_client, doc, "?prune=true").json()
    assert body["retired"] == ["GOV-WATER"]
    assert Service.objects.get(code="GOV-WATER").status == "retired"


def test_invalid_catalog_is_422_with_every_error(admin_client):
    doc = sample()
    doc["services"][0]["entity"] = "XYZ"
    doc["services"][1]["name"]["ar"] = ""
    response = post(admin_client, doc)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_catalog"
    assert error["message"] == "The catalog has 2 errors; nothing was changed."
    assert error["errors"] == ["services[0].entity: unknown entity 'XYZ'", "services[1].name.ar: required"]
    assert not Service.objects.exists() and not AuditEvent.objects.filter(action__startswith="catalog").exists()


def test_invalid_json_body(admin_client):
    response = post(admin_client, '{"format": ')
    assert response.status_code == 422
    assert response.json()["error"]["errors"] == ["line 1 column 12: invalid JSON: Expecting value"]


def test_too_large_body(admin_client, monkeypatch):
    monkeypatch.setattr("manassa.catalog.api.IMPORT_MAX_BYTES", 100)
    response = post(admin_client, sample())
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_openapi_describes_both_operations(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "requestBody" in paths["/api/v1/catalog/import"]["post"]
    assert "get" in paths["/api/v1/catalog/export"]
