"""The demo catalog goes through the importer: it must be a valid document, and loading it twice changes nothing."""

import json

import pytest

from manassa.audit.models import AuditEvent
from manassa.catalog.interchange import catalog_export, catalog_import, catalog_parse
from manassa.catalog.models import LifeEvent, Sector, Service
from manassa.core.demo import DEMO_CATALOG, demo_load
from manassa.entities.models import Entity


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions quote the English messages; the API's Arabic is tested separately."""
    from django.utils import translation

    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db


def test_demo_catalog_file_is_a_valid_document():
    report = catalog_import(actor=None, document=catalog_parse(DEMO_CATALOG.read_bytes()), dry_run=True)
    doc = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    assert len(report.created["entities"]) == len(doc["entities"]) >= 12
    assert len(report.created["services"]) == len(doc["services"])


def test_demo_load_imports_the_catalog_and_is_idempotent():
    doc = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    counts = demo_load()
    assert counts["entities"] == Entity.objects.count() == len(doc["entities"])
    assert Sector.objects.count() == len(doc["sectors"]) and LifeEvent.objects.count() == len(doc["life_events"])
    assert Service.objects.count() == len(doc["services"])
    assert list(Sector.objects.order_by("position").values_list("code", flat=True)) == [
        s["code"] for s in doc["sectors"]]

    events = AuditEvent.objects.count()
    assert demo_load()["entities"] == 0
    assert AuditEvent.objects.count() == events

    # Whatever spelling the file uses, its export is a fixed point of the importer.
    assert not catalog_import(actor=None, document=catalog_export()).changed
