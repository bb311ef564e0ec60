import pytest
from django.utils import timezone

from manassa.audit.models import AuditEvent
from manassa.core.errors import InvalidInput
from manassa.entities.models import Entity, EntityApiKey
from manassa.entities.services import (
    api_key_authenticate,
    api_key_issue,
    api_key_revoke,
    entity_create,
    entity_update,
    membership_remove,
    membership_set,
)


def test_entity_create_validates_code_and_audits(db):
    with pytest.raises(InvalidInput) as exc:
        entity_create(actor=None, code="bad code", kind="local", name_ar="أ", name_en="A")
    assert "code" in exc.value.fields and not Entity.objects.exists()
    entity = entity_create(actor=None, code="NEW-1", kind="federal", name_ar="جهة", name_en="Body")
    event = AuditEvent.objects.get(action="entity.created")
    assert event.entity_code == "NEW-1" and event.object_id == str(entity.pk)


def test_entity_update_records_only_real_changes(people, entity_a):
    entity_update(actor=people["admin"], entity=entity_a, name_en="Entity A", phone="")
    assert not AuditEvent.objects.filter(action="entity.updated").exists()
    entity_update(actor=people["admin"], entity=entity_a, phone="+971 6 000 0000")
    event = AuditEvent.objects.get(action="entity.updated")
    assert event.changes == {"phone": ["", "+971 6 000 0000"]} and event.actor_label == "admin@example.test"


def test_entity_update_refuses_fields_outside_the_profile(people, entity_a):
    with pytest.raises(InvalidInput):
        entity_update(actor=people["admin"], entity=entity_a, code="HIJACK")
    with pytest.raises(InvalidInput):
        entity_update(actor=people["admin"], entity=entity_a, website="not a url")
    entity_a.refresh_from_db()
    assert entity_a.code == "ENT-A" and entity_a.website == ""


def test_membership_changes_are_audited(people, entity_b):
    user = people["customer"]
    membership_set(actor=None, entity=entity_b, user=user, role="officer")
    membership_set(actor=None, entity=entity_b, user=user, role="officer")  # no change, no event
    membership_set(actor=None, entity=entity_b, user=user, role="supervisor")
    membership_remove(actor=None, entity=entity_b, user=user)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["membership.set", "membership.set", "membership.removed"]


def test_api_key_lifecycle(people, entity_a):
    key, token = api_key_issue(actor=people["admin"], entity=entity_a, name="licensing")
    assert token.startswith(f"mk_{key.prefix}_") and key.secret_hash not in token
    assert api_key_authenticate(token=token).pk == key.pk
    assert api_key_authenticate(token=token.replace("mk_", "xx_")) is None
    api_key_revoke(actor=people["admin"], key=key)
    assert api_key_authenticate(token=token) is None
    assert list(AuditEvent.objects.filter(entity_code="ENT-A").values_list("action", flat=True).order_by("id")) == [
        "apikey.issued", "apikey.revoked"]


def test_api_key_of_inactive_entity_is_refused(entity_a):
    _key, token = api_key_issue(actor=None, entity=entity_a, name="x")
    Entity.objects.filter(pk=entity_a.pk).update(is_active=False)
    assert api_key_authenticate(token=token) is None


def test_api_key_use_is_recorded_at_most_once_a_minute(entity_a, django_assert_num_queries):
    key, token = api_key_issue(actor=None, entity=entity_a, name="x")
    api_key_authenticate(token=token)
    first = EntityApiKey.objects.get(pk=key.pk).last_used_at
    assert first is not None and (timezone.now() - first).total_seconds() < 5
    with django_assert_num_queries(1):
        api_key_authenticate(token=token)


def test_api_key_page_shows_the_token_once(client, people, entity_a):
    client.force_login(people["admin"])
    response = client.post("/en/backoffice/entities/ENT-A/api-keys/", {"name": "licensing"})
    html = response.content.decode()
    token = EntityApiKey.objects.get(entity=entity_a).prefix
    assert f"mk_{token}_" in html and "will not be shown again" in html
    again = client.get("/en/backoffice/entities/ENT-A/api-keys/").content.decode()
    assert "will not be shown again" not in again


def test_entity_edit_page(client, people, entity_a):
    client.force_login(people["admin"])
    response = client.post("/en/backoffice/entities/ENT-A/edit/", {
        "name_ar": "الجهة أ", "name_en": "Entity A renamed", "website": "example.ae", "email": "",
        "phone": "", "address_ar": "", "address_en": "",
    })
    assert response.status_code == 302
    entity_a.refresh_from_db()
    assert entity_a.name_en == "Entity A renamed" and entity_a.website == "https://example.ae"
    bad = client.post("/en/backoffice/entities/ENT-A/edit/", {"name_ar": "", "name_en": "x", "email": "nope"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.content.decode()


def test_public_entity_api(client, entity_a):
    listing = client.get("/api/v1/entities").json()
    assert {"code": "ENT-A", "kind": "local", "name_ar": "الجهة أ", "name_en": "Entity A", "parent": None,
            "website": ""} in listing
    assert client.get("/api/v1/entities/NOPE").json()["error"]["code"] == "not_found"


def test_backoffice_queries_do_not_grow_with_members(client, people, django_assert_max_num_queries):
    client.force_login(people["officer"])
    with django_assert_max_num_queries(14):
        assert client.get("/en/backoffice/entities/ENT-A/").status_code == 200


def test_api_key_rotation_keeps_the_old_key_for_the_grace_period(people, entity_a):
    from datetime import timedelta

    from manassa.entities.services import api_key_rotate

    key, token = api_key_issue(actor=people["admin"], entity=entity_a, name="licensing", role="supervisor",
                               scope="write")
    successor, new_token = api_key_rotate(actor=people["admin"], key=key)
    key.refresh_from_db()
    assert successor.rotated_from_id == key.pk and (successor.role, successor.scope) == ("supervisor", "write")
    assert timedelta(hours=23, minutes=59) < key.expires_at - timezone.now() <= timedelta(hours=24)
    assert api_key_authenticate(token=token).pk == key.pk  # still valid in the grace period
    assert api_key_authenticate(token=new_token).pk == successor.pk
    EntityApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now())
    assert api_key_authenticate(token=token) is None  # grace period over
    with pytest.raises(InvalidInput):
        api_key_rotate(actor=people["admin"], key=key)  # an expired key has no successor
    rotated = AuditEvent.objects.get(action="apikey.rotated")
    assert rotated.changes["replaces"] == key.prefix and rotated.changes["prefix"] == successor.prefix
    # Revocation is immediate, also during a grace period.
    third, third_token = api_key_rotate(actor=people["admin"], key=successor)
    api_key_revoke(actor=people["admin"], key=successor)
    assert api_key_authenticate(token=new_token) is None and api_key_authenticate(token=third_token).pk == third.pk
