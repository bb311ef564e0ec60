"""The publishing cycle: an entity's service owner proposes, the Digital Office publishes or returns."""

import threading

import pytest
from django.db import connection, connections

from manassa.audit.models import AuditEvent
from manassa.catalog.models import CatalogState, RevisionStatus, Service, ServiceRevision
from manassa.catalog.services import service_revision_save, service_revision_transition
from manassa.catalog.tests.factories import make_life_event, make_sector, make_service
from manassa.core.errors import Conflict, Forbidden, InvalidInput


def _data(**changes):
    data = {
        "name_ar": "تصريح حفر", "name_en": "Excavation permit", "description_ar": "تصريح لأعمال الحفر",
        "description_en": "A permit for digging works", "keywords_ar": ["حفريات"], "keywords_en": ["digging"],
        "audience": ["business"], "fee_amount": 50000, "fee_currency": "AED", "fee_note_ar": "",
        "fee_note_en": "", "sla_days": 5, "requirements": [{"ar": "مخطط الموقع", "en": "Site plan"}],
        "channels": ["web"], "sector": "health", "life_events": [],
    }
    return {**data, **changes}


@pytest.fixture
def health(db):
    return make_sector()


def test_new_service_cycle_draft_submit_publish(people, entity_a, health):
    admin, do_admin = people["admin"], people["do_admin"]
    revision = service_revision_save(actor=admin, entity=entity_a, code="ENT-A-DIG", data=_data())
    assert revision.status == RevisionStatus.DRAFT and not Service.objects.filter(code="ENT-A-DIG").exists()
    service_revision_transition(actor=admin, revision=revision, action="submit")
    version = CatalogState.objects.filter(id=1).values_list("version", flat=True).first() or 0
    revision = service_revision_transition(actor=do_admin, revision=revision, action="publish")
    service = Service.objects.get(code="ENT-A-DIG")
    assert revision.status == RevisionStatus.PUBLISHED and revision.service == service
    assert service.fee_amount == 50000 and service.slug == "ent-a-dig" and service.entity == entity_a
    assert CatalogState.objects.get(id=1).version == version + 1
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["catalog.revision.saved", "catalog.revision.submit", "catalog.service.created",
                       "catalog.revision.publish"]


def test_edit_is_invisible_until_published_and_audited_as_a_diff(people, entity_a, health):
    service = make_service(entity=entity_a, sector=health, code="ENT-A-X", name_ar="خدمة", name_en="Service")
    revision = service_revision_save(actor=people["admin"], entity=entity_a, service=service,
                                     data=_data(name_en="Better name", name_ar="خدمة", sector="health"))
    service.refresh_from_db()
    assert service.name_en == "Service"
    service_revision_transition(actor=people["admin"], revision=revision, action="submit")
    service_revision_transition(actor=people["do_admin"], revision=revision, action="publish")
    service.refresh_from_db()
    assert service.name_en == "Better name"
    event = AuditEvent.objects.get(action="catalog.service.updated")
    assert event.changes["name_en"] == ["Service", "Better name"] and event.entity_code == "ENT-A"


def test_return_needs_a_comment_and_allows_a_new_draft(people, entity_a, health):
    revision = service_revision_save(actor=people["admin"], entity=entity_a, code="ENT-A-R", data=_data())
    service_revision_transition(actor=people["admin"], revision=revision, action="submit")
    with pytest.raises(InvalidInput):
        service_revision_transition(actor=people["do_admin"], revision=revision, action="return")
    revision = service_revision_transition(actor=people["do_admin"], revision=revision, action="return",
                                           comment="Add the English description of fees")
    assert revision.status == RevisionStatus.RETURNED and revision.comment.startswith("Add")
    again = service_revision_save(actor=people["admin"], entity=entity_a, code="ENT-A-R", data=_data(sla_days=2))
    assert again.pk == revision.pk and again.status == RevisionStatus.DRAFT and again.data["sla_days"] == 2


def test_wrong_roles_cannot_move_a_revision(people, entity_a, entity_b, health):
    with pytest.raises(Forbidden):
        service_revision_save(actor=people["officer"], entity=entity_a, code="ENT-A-O", data=_data())
    with pytest.raises(Forbidden):
        service_revision_save(actor=people["admin"], entity=entity_b, code="ENT-B-O", data=_data())
    revision = service_revision_save(actor=people["admin"], entity=entity_a, code="ENT-A-W", data=_data())
    for role in ("do_admin", "officer", "auditor"):
        with pytest.raises(Forbidden):
            service_revision_transition(actor=people[role], revision=revision, action="submit")
    service_revision_transition(actor=people["admin"], revision=revision, action="submit")
    for role in ("admin", "do_analyst", "supervisor"):
        with pytest.raises(Forbidden):
            service_revision_transition(actor=people[role], revision=revision, action="publish")
    with pytest.raises(Conflict):
        service_revision_transition(actor=people["admin"], revision=revision, action="submit")


def test_an_admin_of_another_entity_cannot_touch_the_service(client, people, entity_a, entity_b, health):
    from manassa.accounts.tests.factories import make_user
    from manassa.entities.models import Membership

    service = make_service(entity=entity_a, sector=health, code="ENT-A-MINE", name_ar="خدمة", name_en="Service")
    other_admin = make_user("other.admin@example.test", totp=True)
    Membership.objects.create(user=other_admin, entity=entity_b, role="admin")
    with pytest.raises(Forbidden):
        service_revision_save(actor=other_admin, entity=entity_b, service=service, data=_data())
    client.force_login(other_admin)
    assert client.get("/en/backoffice/entities/ENT-A/services/ENT-A-MINE/edit/").status_code == 404
    assert client.get("/en/backoffice/entities/ENT-B/services/ENT-A-MINE/edit/").status_code == 404
    assert client.post("/en/backoffice/entities/ENT-A/services/ENT-A-MINE/edit/", {}).status_code == 404
    assert not ServiceRevision.objects.exists()


def test_invalid_drafts_are_refused_with_field_errors(people, entity_a, health):
    with pytest.raises(InvalidInput) as exc:
        service_revision_save(actor=people["admin"], entity=entity_a, code="bad code", data=_data())
    assert "code" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        service_revision_save(actor=people["admin"], entity=entity_a, code="ENT-A-Z",
                              data=_data(sector="nope", name_en="", life_events=["nope"]))
    assert set(exc.value.fields) == {"sector", "name_en", "life_events"}
    assert not ServiceRevision.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_publishing_at_once_yield_one_transition(people, entity_a, health):
    if connection.vendor != "postgresql":
        pytest.skip("row locks race only on PostgreSQL; SQLite serialises writers")
    revision = service_revision_save(actor=people["admin"], entity=entity_a, code="ENT-A-RACE", data=_data())
    service_revision_transition(actor=people["admin"], revision=revision, action="submit")
    outcomes, barrier = [], threading.Barrier(2)

    def review(action):
        try:
            barrier.wait()
            service_revision_transition(actor=people["do_admin"], revision=revision, action=action, comment="x")
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=review, args=(a,)) for a in ("publish", "return")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]


def test_pages_of_the_cycle(client, people, entity_a, health):
    make_life_event()
    client.force_login(people["admin"])
    page = client.get("/en/backoffice/entities/ENT-A/services/new/")
    assert page.status_code == 200 and 'name="requirements_ar"' in page.content.decode()
    bad = client.post("/en/backoffice/entities/ENT-A/services/new/", {"code": "ENT-A-NEW", "name_ar": "خدمة"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.content.decode()
    response = client.post("/en/backoffice/entities/ENT-A/services/new/", {
        "code": "ent-a-new", "name_ar": "خدمة جديدة", "name_en": "New service", "description_ar": "وصف",
        "sector": "health", "life_events": ["having-a-baby"], "fee": "12.50", "sla_days": "2",
        "requirements_ar": "الهوية\nصورة", "requirements_en": "ID\nPhoto", "keywords_ar": "كلمة، أخرى",
        "channels": ["web", "center"],
    })
    assert response.status_code == 302
    revision = ServiceRevision.objects.get(code="ENT-A-NEW")
    assert revision.data["fee_amount"] == 1250 and revision.data["keywords_ar"] == ["كلمة", "أخرى"]
    assert revision.data["requirements"] == [{"ar": "الهوية", "en": "ID"}, {"ar": "صورة", "en": "Photo"}]
    detail = client.get(response["Location"]).content.decode()
    assert "Submit for publication" in detail
    client.post(f"/en/backoffice/entities/ENT-A/services/changes/{revision.pk}/submit/")
    client.force_login(people["do_admin"])
    queue = client.get("/en/digital-office/catalog/").content.decode()
    assert "ENT-A-NEW" in queue
    returned = client.post(f"/en/digital-office/catalog/changes/{revision.pk}/", {"action": "return"})
    assert returned.status_code == 200 and 'aria-invalid="true"' in returned.content.decode()
    published = client.post(f"/en/digital-office/catalog/changes/{revision.pk}/", {"action": "publish"})
    assert published.status_code == 302
    assert client.get("/en/services/ent-a-new/").status_code == 200


def test_digital_office_edits_synonyms(client, people):
    from manassa.catalog.models import Synonym

    client.force_login(people["do_admin"])
    shipped = set(Synonym.objects.values_list("pk", flat=True))  # the defaults that come with the platform
    bad = client.post("/en/digital-office/catalog/synonyms/", {"language": "ar", "terms": "وحيدة"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.content.decode()
    assert set(Synonym.objects.values_list("pk", flat=True)) == shipped
    response = client.post("/en/digital-office/catalog/synonyms/", {"language": "ar", "terms": "سواقة، قيادة",
                                                                    "is_active": "on"})
    assert response.status_code == 302
    group = Synonym.objects.exclude(pk__in=shipped).get()
    assert group.terms == ["سواقة", "قيادة"] and group.is_active
    client.post(f"/en/digital-office/catalog/synonyms/{group.pk}/", {"language": "ar", "terms": "سواقة\nقيادة\nسياقة"})
    group.refresh_from_db()
    assert group.terms == ["سواقة", "قيادة", "سياقة"] and not group.is_active
    client.post(f"/en/digital-office/catalog/synonyms/{group.pk}/", {"delete": "1"})
    assert not Synonym.objects.filter(pk=group.pk).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"catalog.synonym_created", "catalog.synonym_updated", "catalog.synonym_deleted"} <= actions
