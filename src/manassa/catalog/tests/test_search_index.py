"""The process index against the database: filters, retired services, refreshes, synonym edits."""

import pytest
from django.db import connection

from manassa.audit.models import AuditEvent
from manassa.catalog.models import CatalogState, Service, Synonym
from manassa.catalog.search import index as search_index_module
from manassa.catalog.search.index import build_from_database, refresh_from_database, search_index_reset
from manassa.catalog.search.selectors import highlight_html, search_services, suggest_services
from manassa.catalog.search.services import synonym_group_create, synonym_group_delete, synonym_group_update
from manassa.catalog.services import catalog_version_bump
from manassa.catalog.tests.search_catalog import load_search_catalog
from manassa.core.errors import InvalidInput


@pytest.fixture(autouse=True)
def fresh_index():
    search_index_reset()
    yield
    search_index_reset()


@pytest.fixture
def catalog(db):
    return load_search_catalog()


def codes(results):
    return [hit.code for hit in results.results]


def test_results_shape_and_language_detection(catalog):
    results = search_services(query="تجديد رخصة القيادة")
    assert results.lang == "ar" and results.query == "تجديد رخصة القيادة"
    top = results.results[0]
    assert top.code == "SRTA-DL-RENEW" and top.service_id == catalog["SRTA-DL-RENEW"].pk
    assert top.name == {"ar": "تجديد رخصة القيادة", "en": "Renew driving licence"}
    assert top.highlights["ar"] == [(0, 5), (6, 10), (11, 18)]
    assert str(top.highlighted_name("ar")) == "<mark>تجديد</mark> <mark>رخصة</mark> <mark>القيادة</mark>"
    assert str(search_services(query="renew licence").results[0].highlighted_name("en")) == \
        "<mark>Renew</mark> driving <mark>licence</mark>"
    assert results.total >= 1 and isinstance(top.score, float)
    assert search_services(query="renew driving licence").lang == "en"
    assert search_services(query="تجديد", lang="en").lang == "en"


def test_retired_services_are_never_found(catalog):
    assert "SHA-OLD-CARD" not in codes(search_services(query="بطاقة صحية ورقية", limit=50))
    assert search_services(query="SHA-OLD-CARD").results == [] or \
        "SHA-OLD-CARD" not in codes(search_services(query="SHA-OLD-CARD"))


def test_filters(catalog):
    assert set(codes(search_services(query="تجديد", sector="residency", limit=50))) == {"ICP-EID", "ICP-RESIDENCE"}
    assert set(codes(search_services(query="تجديد", entity="SRTA", limit=50))) == {"SRTA-DL-RENEW", "SRTA-VEH-RENEW"}
    free = codes(search_services(query="دفع", free=True, limit=50))
    assert free and all(catalog[code].fee_amount is None for code in free)
    paid = codes(search_services(query="تجديد", free=False, limit=50))
    assert paid and all(catalog[code].fee_amount for code in paid)
    # An empty audience list means everyone.
    citizen = set(codes(search_services(query="رخصة", audience="citizen", limit=50)))
    assert "SHJMUN-BUILD" in citizen and "SRTA-DL-RENEW" in citizen
    assert "SHJMUN-LEASE" not in codes(search_services(query="عقد الايجار", audience="citizen"))


def test_paging_and_total(catalog):
    everything = search_services(query="تجديد", limit=50)
    page = search_services(query="تجديد", limit=2, offset=2)
    assert codes(page) == codes(everything)[2:4] and page.total == everything.total


def test_bad_arguments_are_refused(catalog):
    with pytest.raises(InvalidInput):
        search_services(query="x", limit=0)
    with pytest.raises(InvalidInput):
        search_services(query="x", lang="fr")
    assert search_services(query="   ").results == []


def test_did_you_mean(catalog):
    results = search_services(query="تجديد رخسة القيادة")
    assert codes(results)[0] == "SRTA-DL-RENEW"
    assert results.did_you_mean == "تجديد رخصة القيادة"


def test_suggest_completes_the_last_word(catalog):
    assert [hit.code for hit in suggest_services(query="رخصة الق")][:2] == ["SRTA-DL-RENEW", "SRTA-DL-NEW"]
    assert {hit.code for hit in suggest_services(query="vacc")} == {"SHA-VACCINE"}
    assert suggest_services(query="") == []
    hit = suggest_services(query="تجديد رخصة الق")[0]
    assert str(hit.highlighted_name("ar")) == "<mark>تجديد</mark> <mark>رخصة</mark> <mark>القيادة</mark>"


def test_highlight_html_escapes_everything_else(catalog):
    html = highlight_html("<b>تجديد</b> رخصة & القيادة", "تجديد القيادة", "ar")
    assert str(html) == "&lt;b&gt;<mark>تجديد</mark>&lt;/b&gt; رخصة &amp; <mark>القيادة</mark>"


def test_index_follows_catalog_changes(catalog):
    assert codes(search_services(query="pest control"))[0] == "SHJMUN-PEST"
    service = catalog["SHJMUN-PEST"]
    service.name_en = "Insect spraying"
    service.save()
    catalog_version_bump()
    assert "SHJMUN-PEST" in codes(search_services(query="insect spraying"))
    service.status = "retired"
    service.save()
    catalog_version_bump()
    assert "SHJMUN-PEST" not in codes(search_services(query="insect spraying"))


def test_entity_name_and_code_are_searchable(catalog):
    assert set(codes(search_services(query="SEWA", limit=50))) == {"SEWA-BILL", "SEWA-CONNECT", "SEWA-OUTAGE"}
    assert codes(search_services(query="البلدية عقد"))[0] == "SHJMUN-LEASE"
    assert codes(search_services(query="SRTA-FINES"))[0] == "SRTA-FINES"


def test_incremental_refresh_reindexes_only_what_changed(catalog):
    from django.utils import timezone

    index = build_from_database()
    since = timezone.now()
    before = len(index.docs)
    renewed = catalog["SRTA-VEH-RENEW"]
    renewed.keywords_ar = ["ملكية المركبة", "استمارة"]
    renewed.save()
    catalog["SEWA-OUTAGE"].status = "retired"
    catalog["SEWA-OUTAGE"].save()
    assert refresh_from_database(index, since=since) is True
    # Only the changed service is indexed again (appended; its old copy left dead until the next build).
    assert len(index.docs) == before + 1
    plan = index.plan("استمارة")
    assert [doc.code for doc, _s in index.rank(plan).hits] == ["SRTA-VEH-RENEW"]
    assert "SEWA-OUTAGE" not in [doc.code for doc, _s in index.rank(index.plan("انقطاع الكهرباء")).hits]
    # A deleted row leaves nothing to find by date: the count tells, and a full build follows.
    Service.objects.filter(code="SHA-VACCINE").delete()
    assert refresh_from_database(index, since=timezone.now()) is False


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_version_is_polled_and_changes_are_incremental(monkeypatch):
    assert not connection.in_atomic_block
    load_search_catalog()
    holder = search_index_module.holder
    monkeypatch.setattr(holder, "interval", 0.0)
    assert codes(search_services(query="تجديد الإقامة"))[0] == "ICP-RESIDENCE"
    builds, refreshes = holder.builds, holder.refreshes
    service = Service.objects.get(code="SHA-BIRTH")
    service.keywords_ar = ["قيد مولود"]
    service.save()
    catalog_version_bump()
    assert codes(search_services(query="قيد مولود"))[0] == "SHA-BIRTH"
    assert (holder.builds, holder.refreshes) == (builds, refreshes + 1)
    # Nothing changed: no work at all.
    search_services(query="قيد مولود")
    assert (holder.builds, holder.refreshes) == (builds, refreshes + 1)
    # A new synonyms version rebuilds.
    synonym_group_create(actor=None, language="ar", terms=["تسجيل مولود", "قيد مولود"])
    search_services(query="قيد مولود")
    assert holder.builds == builds + 1
    # Within the polling interval, the version is not even read.
    monkeypatch.setattr(holder, "interval", 3600.0)
    catalog_version_bump()
    search_services(query="قيد مولود")
    assert (holder.builds, holder.refreshes) == (builds + 1, refreshes + 1)


def test_synonym_edits_take_effect_and_are_audited(catalog, people):
    actor = people["do_admin"]
    assert codes(search_services(query="تسديد الغرامات المرورية")) != [] and \
        codes(search_services(query="ziplex"))[:1] != ["SRTA-FINES"]
    group = synonym_group_create(actor=actor, language="ar", terms=["مخالفات", "ziplex"])
    assert codes(search_services(query="ziplex"))[0] == "SRTA-FINES"
    synonym_group_update(actor=actor, synonym=group, is_active=False)
    assert "SRTA-FINES" not in codes(search_services(query="ziplex"))
    synonym_group_update(actor=actor, synonym=group, is_active=True, terms=["تطعيم", "ziplex"])
    assert codes(search_services(query="ziplex"))[0] == "SHA-VACCINE"
    synonym_group_delete(actor=actor, synonym=group)
    assert "SHA-VACCINE" not in codes(search_services(query="ziplex"))
    events = AuditEvent.objects.filter(action__startswith="catalog.synonym").order_by("id")
    actions = list(events.values_list("action", flat=True))
    assert actions == ["catalog.synonym_created", "catalog.synonym_updated", "catalog.synonym_updated",
                       "catalog.synonym_deleted"]
    assert CatalogState.objects.get().synonyms_version >= 4


def test_synonym_groups_are_validated(db):
    with pytest.raises(InvalidInput):
        synonym_group_create(actor=None, language="ar", terms=["وحيد"])
    with pytest.raises(InvalidInput):
        synonym_group_create(actor=None, language="ar", terms=["رخصة", "الرخصة"])  # the same word twice
    with pytest.raises(InvalidInput):
        synonym_group_create(actor=None, language="fr", terms=["a", "b"])
    with pytest.raises(InvalidInput):
        synonym_group_create(actor=None, language="en", terms="licence, license")


def test_default_synonyms_are_seeded_and_used_when_the_table_is_empty(catalog):
    assert Synonym.objects.count() > 50
    assert codes(search_services(query="رخصة سواقة"))[0] in {"SRTA-DL-NEW", "SRTA-DL-RENEW"}
    Synonym.objects.all().delete()
    catalog_version_bump(synonyms=True)
    assert codes(search_services(query="رخصة سواقة"))[0] in {"SRTA-DL-NEW", "SRTA-DL-RENEW"}


@pytest.mark.django_db(transaction=True)
def test_a_new_process_starts_from_the_snapshot(settings, tmp_path, monkeypatch):
    settings.MANASSA_SEARCH_SNAPSHOT_DIR = tmp_path
    load_search_catalog()
    assert codes(search_services(query="تجديد الإقامة"))[0] == "ICP-RESIDENCE"
    assert list(tmp_path.glob("index-*.pickle"))
    search_index_reset()  # as in a new process

    def no_build():
        raise AssertionError("built again instead of loading the snapshot")

    monkeypatch.setattr(search_index_module, "build_from_database", no_build)
    assert codes(search_services(query="تجديد الإقامة"))[0] == "ICP-RESIDENCE"
    # Different rows under the same versions (an emptied and refilled database): never reused.
    service = Service.objects.get(code="ICP-RESIDENCE")
    service.name_ar = "تجديد تأشيرة الإقامة"
    service.save()
    search_index_reset()
    with pytest.raises(AssertionError, match="built again"):
        search_services(query="تجديد الإقامة")


@pytest.mark.django_db(transaction=True)
def test_a_slow_rebuild_runs_in_the_background(monkeypatch):
    load_search_catalog()
    holder = search_index_module.holder
    monkeypatch.setattr(holder, "interval", 0.0)
    monkeypatch.setattr(search_index_module, "BACKGROUND_BUILD_SECONDS", -1.0)
    assert "SRTA-FINES" not in codes(search_services(query="ziplex"))
    builds = holder.builds
    synonym_group_create(actor=None, language="ar", terms=["مخالفات", "ziplex"])
    assert "SRTA-FINES" not in codes(search_services(query="ziplex"))  # the previous index, at once
    holder.building.join(timeout=30)
    assert holder.builds == builds + 1
    assert codes(search_services(query="ziplex"))[0] == "SRTA-FINES"
