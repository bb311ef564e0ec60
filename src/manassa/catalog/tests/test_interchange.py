"""The catalog interchange format: round trip, errors, idempotency, dry run, prune, audit."""

import copy
import json

import pytest

from manassa.audit.models import AuditEvent
from manassa.audit.selectors import audit_chain_verify
from manassa.catalog.interchange import (
    FORMAT,
    InvalidCatalog,
    catalog_dumps,
    catalog_export,
    catalog_export_json,
    catalog_import,
    catalog_parse,
)
from manassa.catalog.models import CatalogState, LifeEvent, Sector, Service
from manassa.entities.models import Entity


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions quote the English messages; the API's Arabic is tested separately."""
    from django.utils import translation

    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db


def sample() -> dict:
    """A canonical document (as an export writes it) using every part of the format."""
    return {
        "format": FORMAT,
        "entities": [
            {"code": "BANK-1", "kind": "private", "name": {"ar": "مصرف الشارقة", "en": "Sharjah Bank"},
             "website": None, "parent": None},
            {"code": "FED-ID", "kind": "federal", "name": {"ar": "الهوية الاتحادية", "en": "Federal Identity"},
             "website": "https://id.example.ae", "parent": None},
            {"code": "GOV", "kind": "local", "name": {"ar": "حكومة الشارقة", "en": "Sharjah Government"},
             "website": "https://www.example.ae", "parent": None},
            # A child sorts before its parent; the import must still create the parent first.
            {"code": "GOV-A-HEALTH", "kind": "local", "name": {"ar": "الصحة", "en": "Health Office"},
             "website": None, "parent": "GOV"},
        ],
        # Display order, deliberately not alphabetical.
        "sectors": [
            {"code": "utilities", "name": {"ar": "المرافق", "en": "Utilities"}},
            {"code": "health", "name": {"ar": "الصحة", "en": "Health"}},
            {"code": "housing", "name": {"ar": "الإسكان", "en": "Housing"}},
        ],
        "life_events": [
            {"code": "new-home", "name": {"ar": "منزل جديد", "en": "New home"}},
            {"code": "having-a-baby", "name": {"ar": "استقبال مولود", "en": "Having a baby"}},
        ],
        "services": [
            {
                "code": "BANK-1-ACCOUNT", "entity": "BANK-1", "sector": "utilities",
                "name": {"ar": "فتح حساب", "en": "Open an account"},
                "description": {"ar": "فتح حساب مصرفي", "en": ""},
                "keywords": {"ar": [], "en": []},
                "audience": ["resident", "citizen"],
                "fee": {"amount": "0.50", "currency": "USD"},
                "fee_note": None, "sla_days": 0, "requirements": [], "life_events": [], "channels": [],
                "status": "active",
            },
            {
                "code": "GOV-A-HEALTH-CARD", "entity": "GOV-A-HEALTH", "sector": "health",
                "name": {"ar": "البطاقة الصحية", "en": "Health card"},
                "description": {"ar": "إصدار البطاقة الصحية", "en": "Issue a health card"},
                "keywords": {"ar": ["كرت صحي", "بطاقة علاج"], "en": ["medical card"]},
                "audience": ["citizen", "resident", "business", "visitor"],
                "fee": None,
                "fee_note": {"ar": "حسب الفئة العمرية", "en": "Depends on the age group"},
                "sla_days": 5,
                "requirements": [{"ar": "صورة الهوية", "en": "Copy of the ID"}, {"ar": "صورة شخصية", "en": ""}],
                "life_events": ["having-a-baby", "new-home"],
                "channels": ["center", "web"],
                "status": "active",
            },
            {
                "code": "GOV-OLD", "entity": "GOV", "sector": "housing",
                "name": {"ar": "خدمة قديمة", "en": "Old service"},
                "description": {"ar": "لم تعد تقدم", "en": "No longer offered"},
                "keywords": {"ar": [], "en": []},
                "audience": ["citizen"],
                "fee": {"amount": "150.00", "currency": "AED"},
                "fee_note": None, "sla_days": 30, "requirements": [], "life_events": ["new-home"],
                "channels": ["web", "mobile", "center", "phone"],
                "status": "retired",
            },
            {
                "code": "GOV-WATER", "entity": "GOV", "sector": "utilities",
                "name": {"ar": "توصيل المياه", "en": "Water connection"},
                "description": {"ar": "توصيل المياه لمنزل جديد", "en": "Connect water to a new home"},
                "keywords": {"ar": ["ماء"], "en": ["water", "meter"]},
                "audience": ["citizen", "resident", "business", "visitor"],
                "fee": {"amount": "99999999999999.99", "currency": "AED"},
                "fee_note": None, "sla_days": 3,
                "requirements": [{"ar": "عقد الإيجار", "en": "Tenancy contract"}],
                "life_events": ["new-home"], "channels": ["web"], "status": "active",
            },
        ],
    }


def wipe_catalog() -> None:
    Service.objects.all().delete()
    Sector.objects.all().delete()
    LifeEvent.objects.all().delete()
    while Entity.objects.exists():
        Entity.objects.filter(children__isnull=True).delete()


def import_doc(doc, **kwargs):
    return catalog_import(actor=None, document=doc, **kwargs)


def errors_of(doc, **kwargs) -> list[str]:
    with pytest.raises(InvalidCatalog) as exc:
        import_doc(doc, **kwargs)
    return exc.value.errors


def state() -> tuple:
    """Everything an import could change, to show that a failed or dry one changed nothing."""
    return catalog_export_json(), AuditEvent.objects.count(), version()


# --- round trip --------------------------------------------------------------


def test_export_of_an_import_is_the_canonical_document_byte_for_byte():
    report = import_doc(sample())
    assert report.created["services"] == ["BANK-1-ACCOUNT", "GOV-A-HEALTH-CARD", "GOV-OLD", "GOV-WATER"]
    first = catalog_export_json()
    assert first == catalog_dumps(sample())

    wipe_catalog()
    import_doc(catalog_parse(first.encode()))
    assert catalog_export_json() == first


def test_export_is_sorted_json_with_arabic_as_text():
    import_doc(sample())
    text = catalog_export_json()
    assert text.endswith("}\n") and "حكومة الشارقة" in text
    doc = json.loads(text)
    codes = [s["code"] for s in doc["services"]]
    assert codes == sorted(codes)
    assert [e["code"] for e in doc["entities"]] == sorted(e["code"] for e in doc["entities"])
    # Sectors keep the file's order: it is the order the portal shows them in.
    assert [s["code"] for s in doc["sectors"]] == ["utilities", "health", "housing"]


def test_fees_are_exact_integer_fils():
    doc = sample()
    amounts = {"0": 0, "7": 700, "150.5": 15050, "0.05": 5, "12345678901234.56": 1234567890123456}
    doc["services"] = []
    for index, amount in enumerate(amounts):
        service = copy.deepcopy(sample()["services"][3])
        service.update(code=f"GOV-FEE-{index}", fee={"amount": amount, "currency": "AED"})
        doc["services"].append(service)
    import_doc(doc)
    stored = dict(Service.objects.values_list("code", "fee_amount"))
    assert [stored[f"GOV-FEE-{i}"] for i in range(len(amounts))] == list(amounts.values())
    exported = {s["code"]: s["fee"]["amount"] for s in catalog_export()["services"]}
    assert exported["GOV-FEE-2"] == "150.50" and exported["GOV-FEE-0"] == "0.00"


def test_optional_fields_may_be_left_out_and_come_back_in_canonical_form():
    doc = {
        "format": FORMAT,
        "entities": [{"code": "GOV", "kind": "local", "name": {"ar": "حكومة", "en": "Government"}}],
        "sectors": [{"code": "health", "name": {"ar": "الصحة", "en": "Health"}}],
        "services": [{
            "code": "GOV-MIN", "entity": "GOV", "sector": "health", "name": {"ar": "خدمة", "en": "Service"},
            "description": {"ar": "وصف"}, "sla_days": 1, "status": "active",
            "fee_note": {"ar": "", "en": ""}, "audience": [],
        }],
    }
    import_doc(doc)
    exported = catalog_export()
    assert exported["life_events"] == []
    assert exported["entities"][0] == {"code": "GOV", "kind": "local", "name": {"ar": "حكومة", "en": "Government"},
                                       "website": None, "parent": None}
    assert exported["services"][0] == {
        "code": "GOV-MIN", "entity": "GOV", "sector": "health", "name": {"ar": "خدمة", "en": "Service"},
        "description": {"ar": "وصف", "en": ""}, "keywords": {"ar": [], "en": []},
        "audience": ["citizen", "resident", "business", "visitor"], "fee": None, "fee_note": None,
        "sla_days": 1, "requirements": [], "life_events": [], "channels": [], "status": "active",
    }
    # The canonical form is a fixed point.
    assert not import_doc(exported).changed


def test_slug_is_the_lowercase_code_unique_and_stable(entity_a):
    from manassa.catalog.tests.factories import make_sector, make_service

    # Another path (the back office) already gave this address to a different service.
    other = make_service(entity=entity_a, sector=make_sector(code="health"), code="ENT-A-X", name_ar="س",
                         name_en="X")
    Service.objects.filter(pk=other.pk).update(slug="gov-water")
    import_doc(sample())
    assert Service.objects.get(code="GOV-OLD").slug == "gov-old"
    assert Service.objects.get(code="GOV-WATER").slug == "gov-water-2"
    changed = sample()
    changed["services"][3]["name"]["en"] = "Water supply"
    import_doc(changed)
    assert Service.objects.get(code="GOV-WATER").slug == "gov-water-2"


# --- errors ------------------------------------------------------------------


def test_five_errors_are_all_reported_and_nothing_changes():
    import_doc(sample())
    before = state()
    doc = sample()
    doc["services"][0]["entity"] = "XYZ"
    del doc["services"][1]["name"]["ar"]
    doc["services"][2]["fee"]["amount"] = "1.234"
    doc["services"][3]["sla_days"] = -1
    doc["entities"][1]["nmae"] = doc["entities"][1]["name"]
    doc["services"].append(dict(sample()["services"][3], code="GOV-NEW"))  # valid: must not be applied either
    assert errors_of(doc) == [
        "entities[1].nmae: unknown key",
        "services[0].entity: unknown entity 'XYZ'",
        "services[1].name.ar: required",
        'services[2].fee.amount: \'1.234\' is not an amount: use a string of digits with at most 2 decimals, '
        'such as "150.00"',
        "services[3].sla_days: must be between 0 and 32767",
    ]
    assert state() == before
    assert not Service.objects.filter(code="GOV-NEW").exists()


def test_errors_in_an_empty_database_leave_it_empty():
    doc = sample()
    doc["services"][0]["status"] = "draft"
    assert errors_of(doc) == ["services[0].status: 'draft' is not one of: active, retired"]
    assert not (Entity.objects.exists() or Sector.objects.exists() or Service.objects.exists())
    assert AuditEvent.objects.count() == 0


def _service(**changes) -> dict:
    doc = sample()
    doc["services"][3].update(changes)
    return doc


def _without(key) -> dict:
    doc = sample()
    del doc["services"][3][key]
    return doc


CASES = [
    # (case id, document, expected errors)
    ("root not an object", [], ["$: must be an object, not a list"]),
    ("format missing", {k: v for k, v in sample().items() if k != "format"}, ["format: required"]),
    ("wrong format", dict(sample(), format="manassa-catalog/2"),
     ['format: must be "manassa-catalog/1", not \'manassa-catalog/2\'']),
    ("unknown top-level key", dict(sample(), extras=[]), ["extras: unknown key"]),
    ("services not a list", dict(sample(), services={}), ["services: must be a list, not an object"]),
    ("record not an object", dict(sample(), services=["GOV-WATER"]),
     ["services[0]: must be an object, not a string"]),
    ("unknown nested key", _service(fee={"amout": "1.00", "currency": "AED"}),
     ["services[3].fee.amout: unknown key", "services[3].fee.amount: required"]),
    ("key with spaces", _service(**{"sla days": 3}), ['services[3]["sla days"]: unknown key']),
    ("missing required", _without("description"), ["services[3].description: required"]),
    ("null required", _service(sector=None), ["services[3].sector: required"]),
    ("bad service code", _service(code="gov-water"),
     ["services[3].code: 'gov-water' is not a valid code (2–40 capital letters, digits or hyphens)"]),
    ("duplicate service code", dict(sample(), services=sample()["services"] + [sample()["services"][0]]),
     ["services[4].code: duplicate code 'BANK-1-ACCOUNT' (first at services[0])"]),
    ("unknown sector", _service(sector="space"), ["services[3].sector: unknown sector 'space'"]),
    ("code not a string", _service(entity=7), ["services[3].entity: must be a code, not a number"]),
    ("english name required", _service(name={"ar": "ماء", "en": " "}), ["services[3].name.en: required"]),
    ("name not bilingual", _service(name="Water"), ["services[3].name: must be an object, not a string"]),
    ("unknown language", _service(description={"ar": "وصف", "fr": "x"}),
     ["services[3].description.fr: unknown key"]),
    ("text not a string", _service(description={"ar": ["وصف"]}),
     ["services[3].description.ar: must be a string, not a list"]),
    ("name too long", _service(name={"ar": "م" * 201, "en": "Water"}),
     ["services[3].name.ar: at most 200 characters (201 given)"]),
    ("NUL character", _service(description={"ar": "و\x00صف", "en": ""}),
     ["services[3].description.ar: contains characters that cannot be stored (NUL or an unpaired surrogate)"]),
    ("fee note without arabic", _service(fee_note={"en": "varies"}), ["services[3].fee_note.ar: required"]),
    ("fee as a number", _service(fee={"amount": 150, "currency": "AED"}),
     ['services[3].fee.amount: 150 is not an amount: use a string of digits with at most 2 decimals, '
      'such as "150.00"']),
    ("negative fee", _service(fee={"amount": "-1.00", "currency": "AED"}),
     ['services[3].fee.amount: \'-1.00\' is not an amount: use a string of digits with at most 2 decimals, '
      'such as "150.00"']),
    ("fee currency", _service(fee={"amount": "1.00", "currency": "aed"}),
     ["services[3].fee.currency: 'aed' is not a currency code such as \"AED\""]),
    ("fee not an object", _service(fee="150.00"), ["services[3].fee: must be an object, not a string"]),
    ("sla_days boolean", _service(sla_days=True), ["services[3].sla_days: must be a whole number of working days, "
                                                   "not true"]),
    ("sla_days string", _service(sla_days="3"), ["services[3].sla_days: must be a whole number of working days, "
                                                 "not '3'"]),
    ("sla_days fraction", _service(sla_days=1.5), ["services[3].sla_days: must be a whole number of working days, "
                                                   "not 1.5"]),
    ("audience value and duplicate", _service(audience=["citizen", "alien", "citizen"]),
     ["services[3].audience[1]: 'alien' is not one of: citizen, resident, business, visitor",
      "services[3].audience[2]: 'citizen' is listed twice"]),
    ("channels not a list", _service(channels="web"), ["services[3].channels: must be a list, not a string"]),
    ("life event unknown and twice", _service(life_events=["moving", "new-home", "new-home"]),
     ["services[3].life_events[0]: unknown life event 'moving'",
      "services[3].life_events[2]: 'new-home' is listed twice"]),
    ("keywords shape", _service(keywords={"ar": "ماء", "en": ["water", ""]}),
     ["services[3].keywords.ar: must be a list, not a string", "services[3].keywords.en[1]: must not be empty"]),
    ("requirement without arabic", _service(requirements=[{"ar": "", "en": "ID"}]),
     ["services[3].requirements[0].ar: required"]),
    ("status missing", _without("status"), ["services[3].status: required"]),
]


@pytest.mark.parametrize(("doc", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_documents_are_refused_with_paths(doc, expected):
    assert errors_of(doc) == expected
    assert not Service.objects.exists() and AuditEvent.objects.count() == 0


def _entity(index=2, **changes) -> dict:
    doc = sample()
    doc["entities"][index].update(changes)
    return doc


ENTITY_CASES = [
    ("bad entity code", _entity(1, code="fed id"), [
        "entities[1].code: 'fed id' is not a valid code (2–32 capital letters, digits or hyphens)"]),
    ("renamed entity leaves references dangling", _entity(code="GOV2"), [
        "entities[3].parent: unknown entity 'GOV'", "services[2].entity: unknown entity 'GOV'",
        "services[3].entity: unknown entity 'GOV'"]),
    ("kind", _entity(kind="city"), ["entities[2].kind: 'city' is not one of: local, federal, private"]),
    ("website", _entity(website="ftp://example.ae"),
     ["entities[2].website: must be an address starting with http:// or https://"]),
    ("unknown parent", _entity(parent="NOPE"), ["entities[2].parent: unknown entity 'NOPE'"]),
    ("own parent", _entity(parent="GOV"), ["entities[2].parent: an entity cannot be its own parent"]),
    ("parent loop", _entity(parent="GOV-A-HEALTH"),
     ["entities[2].parent: the parent chain loops: GOV → GOV-A-HEALTH → GOV"]),
    ("duplicate entity", dict(sample(), entities=sample()["entities"] + [sample()["entities"][2]]),
     ["entities[4].code: duplicate code 'GOV' (first at entities[2])"]),
    ("bad sector code", dict(sample(), sectors=[{"code": "Health", "name": {"ar": "ص", "en": "H"}}]
                             + sample()["sectors"]),
     ["sectors[0].code: 'Health' is not a valid code (2–40 lowercase letters, digits or hyphens)"]),
    ("life event without english name", dict(sample(), life_events=sample()["life_events"] + [
        {"code": "retiring", "name": {"ar": "التقاعد"}}]), ["life_events[2].name.en: required"]),
]


@pytest.mark.parametrize(("doc", "expected"), [c[1:] for c in ENTITY_CASES], ids=[c[0] for c in ENTITY_CASES])
def test_invalid_entities_sectors_and_life_events(doc, expected):
    assert errors_of(doc) == expected
    assert not Entity.objects.exists()


def test_references_may_point_to_stored_records(entity_a):
    from manassa.catalog.tests.factories import make_life_event, make_sector

    make_sector(code="health")
    make_life_event(code="having-a-baby")
    doc = {"format": FORMAT, "services": [{
        "code": "ENT-A-BIRTH", "entity": "ENT-A", "sector": "health", "name": {"ar": "ولادة", "en": "Birth"},
        "description": {"ar": "شهادة ميلاد", "en": ""}, "sla_days": 1, "status": "active",
        "life_events": ["having-a-baby"],
    }], "entities": [{"code": "ENT-A-SUB", "kind": "local", "name": {"ar": "فرع", "en": "Branch"},
                      "parent": "ENT-A"}]}
    import_doc(doc)
    assert Service.objects.get(code="ENT-A-BIRTH").entity == entity_a
    assert Entity.objects.get(code="ENT-A-SUB").parent == entity_a


def test_a_loop_through_a_stored_entity_is_refused(entity_a):
    import_doc({"format": FORMAT, "entities": [{"code": "CHILD", "kind": "local", "name": {"ar": "ف", "en": "C"},
                                                "parent": "ENT-A"}]})
    doc = {"format": FORMAT, "entities": [{"code": "ENT-A", "kind": "local", "name": {"ar": "أ", "en": "A"},
                                           "parent": "CHILD"}]}
    assert errors_of(doc) == ["entities[0].parent: the parent chain loops: ENT-A → CHILD → ENT-A"]


def test_invalid_json_is_one_error_with_line_and_column():
    with pytest.raises(InvalidCatalog) as exc:
        catalog_parse(b'{\n  "format": "manassa-catalog/1",\n  "services": [\n}')
    assert exc.value.errors == ["line 4 column 1: invalid JSON: Expecting value"]
    with pytest.raises(InvalidCatalog) as exc:
        catalog_parse(b"")
    assert exc.value.errors == ["line 1 column 1: invalid JSON: Expecting value"]
    with pytest.raises(InvalidCatalog) as exc:
        catalog_parse(b'{"format": "\xff"}')
    assert exc.value.errors == ["byte 13: the file is not UTF-8 text"]
    with pytest.raises(InvalidCatalog) as exc:
        catalog_parse('{"sla_days": NaN}')
    assert exc.value.errors == ["invalid JSON: NaN is not a JSON number"]


def test_a_key_given_twice_is_an_error_not_a_silent_choice():
    text = catalog_dumps(sample()).replace('"code": "GOV-WATER",', '"code": "GOV-WATER", "status": "retired",')
    assert errors_of(catalog_parse(text)) == ["services[3].status: given more than once"]


def test_byte_order_mark_is_accepted():
    assert catalog_parse("\ufeff" + catalog_dumps(sample()).encode().decode()) == sample()
    assert catalog_parse(b"\xef\xbb\xbf" + catalog_dumps(sample()).encode()) == sample()


# --- idempotency, dry run, updates, prune --------------------------------------


def test_second_import_writes_nothing(django_assert_max_num_queries):
    import_doc(sample())
    events = AuditEvent.objects.count()
    version = CatalogState.objects.get(id=1).version
    stamps = dict(Service.objects.values_list("code", "updated_at"))
    with django_assert_max_num_queries(10) as queries:
        report = import_doc(sample())
    assert not report.changed
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert AuditEvent.objects.count() == events
    assert CatalogState.objects.get(id=1).version == version
    assert dict(Service.objects.values_list("code", "updated_at")) == stamps


def version() -> int:
    state = CatalogState.objects.filter(id=1).first()
    return state.version if state else 0


def test_first_import_audits_every_record_and_bumps_the_version_once():
    before = version()
    import_doc(sample())
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "object_id"))
    assert [a for a, _o in actions].count("entity.created") == 4
    assert [a for a, _o in actions].count("catalog.sector.created") == 3
    assert [a for a, _o in actions].count("catalog.life_event.created") == 2
    assert [a for a, _o in actions].count("catalog.service.created") == 4
    assert actions[-1][0] == "catalog.imported"
    assert version() == before + 1
    assert audit_chain_verify().ok
    created = AuditEvent.objects.get(action="catalog.service.created", object_id=str(
        Service.objects.get(code="GOV-WATER").pk))
    assert created.entity_code == "GOV" and created.changes["fee_amount"] == 9999999999999999


def test_dry_run_reports_and_writes_nothing():
    import_doc(sample())
    before = state()
    doc = sample()
    doc["services"][3]["name"]["en"] = "Water supply"
    doc["services"][1]["status"] = "retired"
    doc["services"].append(dict(sample()["services"][3], code="GOV-NEW"))
    doc["sectors"].append({"code": "tourism", "name": {"ar": "السياحة", "en": "Tourism"}})
    report = import_doc(doc, dry_run=True, prune=True)
    assert report.dry_run and report.changed
    assert report.created == {"entities": [], "sectors": ["tourism"], "life_events": [], "services": ["GOV-NEW"]}
    assert report.updated == {"entities": [], "sectors": [], "life_events": [], "services": ["GOV-WATER"]}
    assert report.retired == ["GOV-A-HEALTH-CARD"]
    assert state() == before


def test_dry_run_into_an_empty_database():
    report = import_doc(sample(), dry_run=True)
    assert report.created["entities"] == ["BANK-1", "FED-ID", "GOV", "GOV-A-HEALTH"]
    assert len(report.created["services"]) == 4
    assert not Entity.objects.exists() and AuditEvent.objects.count() == 0


def test_changes_are_applied_and_audited_with_their_diff(people):
    import_doc(sample())
    service = Service.objects.get(code="GOV-WATER")
    version = CatalogState.objects.get(id=1).version
    doc = sample()
    water = doc["services"][3]
    water["name"]["en"] = "Water supply"
    water["fee"] = {"amount": "200.00", "currency": "AED"}
    water["life_events"] = ["having-a-baby"]
    water["sector"] = "housing"
    doc["services"][0]["status"] = "retired"
    doc["entities"][2]["parent"] = "FED-ID"
    doc["sectors"] = list(reversed(doc["sectors"]))
    report = catalog_import(actor=people["do_admin"], document=doc)

    assert report.updated == {"entities": ["GOV"], "sectors": ["housing", "utilities"], "life_events": [],
                              "services": ["GOV-WATER"]}
    assert report.retired == ["BANK-1-ACCOUNT"]
    event = AuditEvent.objects.get(action="catalog.service.updated")
    assert event.object_id == str(service.pk) and event.actor_label == "do_admin@example.test"
    # The currency did not change, so it is not in the diff.
    assert event.changes == {
        "name_en": ["Water connection", "Water supply"],
        "fee_amount": [9999999999999999, 20000],
        "sector": ["utilities", "housing"],
        "life_events": [["new-home"], ["having-a-baby"]],
    }
    retired = AuditEvent.objects.get(action="catalog.service.retired")
    assert retired.changes == {"status": ["active", "retired"]} and retired.entity_code == "BANK-1"
    assert AuditEvent.objects.get(action="entity.updated").changes == {"parent": [None, "FED-ID"]}
    assert AuditEvent.objects.get(action="catalog.sector.updated", object_id=str(
        Sector.objects.get(code="utilities").pk)).changes == {"position": [0, 2]}

    service.refresh_from_db()
    assert service.name_en == "Water supply" and service.fee_amount == 20000 and service.sector.code == "housing"
    assert list(service.life_events.values_list("code", flat=True)) == ["having-a-baby"]
    assert service.slug == "gov-water"
    assert service.updated_at > service.created_at
    assert Entity.objects.get(code="GOV").parent.code == "FED-ID"
    assert CatalogState.objects.get(id=1).version == version + 1
    exported = catalog_export()
    exported["entities"] = [e for e in exported["entities"] if e["code"] not in ("ENT-A", "ENT-B")]
    assert catalog_dumps(exported) == catalog_dumps(doc)


def test_a_retired_service_comes_back_when_the_file_says_active():
    doc = sample()
    import_doc(doc)
    doc["services"][2]["status"] = "active"
    report = import_doc(doc)
    assert report.updated["services"] == ["GOV-OLD"] and report.retired == []
    assert Service.objects.get(code="GOV-OLD").status == "active"


def test_prune_retires_only_the_missing_services_of_the_files_entities(entity_a):
    from manassa.catalog.tests.factories import make_sector, make_service

    import_doc(sample())
    outside = make_service(entity=entity_a, sector=make_sector(code="health"), code="ENT-A-KEEP",
                           name_ar="خدمة", name_en="Kept")
    doc = sample()
    # GOV's file no longer lists its water service; BANK-1 is not in this file at all.
    doc["entities"] = [e for e in doc["entities"] if e["code"] != "BANK-1"]
    doc["services"] = [s for s in doc["services"] if s["code"] not in ("GOV-WATER", "BANK-1-ACCOUNT")]

    assert import_doc(doc).retired == []  # without --prune nothing is retired
    assert Service.objects.get(code="GOV-WATER").status == "active"

    report = import_doc(doc, prune=True)
    assert report.retired == ["GOV-WATER"]
    statuses = dict(Service.objects.values_list("code", "status"))
    assert statuses == {"BANK-1-ACCOUNT": "active", "GOV-A-HEALTH-CARD": "active", "GOV-OLD": "retired",
                        "GOV-WATER": "retired", "ENT-A-KEEP": "active"}
    event = AuditEvent.objects.get(action="catalog.service.retired")
    assert event.changes == {"status": ["active", "retired"], "pruned": True}
    assert outside.pk and Service.objects.filter(code="GOV-WATER").exists()  # retired, never deleted
    assert not import_doc(doc, prune=True).changed


def test_prune_covers_entities_named_only_by_services():
    import_doc(sample())
    doc = {"format": FORMAT, "services": [sample()["services"][3]]}  # GOV-WATER only
    report = import_doc(doc, prune=True, dry_run=True)
    assert report.retired == []  # GOV-OLD is already retired
    doc["services"] = [sample()["services"][1]]  # GOV-A-HEALTH-CARD only
    assert import_doc(doc, prune=True, dry_run=True).retired == []
    doc["services"] = [dict(sample()["services"][1], entity="GOV")]  # moves to GOV: GOV-WATER goes
    assert import_doc(doc, prune=True, dry_run=True).retired == ["GOV-WATER"]
