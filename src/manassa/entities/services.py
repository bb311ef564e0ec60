from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from manassa.audit.services import audit_record, model_changes
from manassa.core.errors import InvalidInput, from_validation_error
from manassa.entities.models import Entity, EntityApiKey, Membership

EDITABLE_FIELDS = ["name_ar", "name_en", "website", "email", "phone", "address_ar", "address_en"]


def _clean(instance) -> None:
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean()
    except ValidationError as exc:
        raise from_validation_error(exc) from exc


@transaction.atomic
def entity_create(*, actor, code: str, kind: str, name_ar: str, name_en: str,
                  parent: Entity | None = None, **fields) -> Entity:
    entity = Entity(code=code, kind=kind, name_ar=name_ar, name_en=name_en, parent=parent, **fields)
    _clean(entity)
    entity.save()
    audit_record(
        actor=actor, action="entity.created", obj=entity, entity_code=entity.code,
        changes={"code": code, "kind": kind, "name_ar": name_ar, "name_en": name_en},
    )
    return entity


@transaction.atomic
def entity_update(*, actor, entity: Entity, **fields) -> Entity:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(fields={name: ["not editable"] for name in sorted(unknown)})
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    before = {name: getattr(entity, name) for name in EDITABLE_FIELDS}
    for name, value in fields.items():
        setattr(entity, name, value)
    _clean(entity)
    changes = model_changes(entity, EDITABLE_FIELDS, before)
    if changes:
        entity.save()
        audit_record(actor=actor, action="entity.updated", obj=entity, entity_code=entity.code, changes=changes)
    return entity


@transaction.atomic
def membership_set(*, actor, entity: Entity, user, role: str) -> Membership:
    membership, created = Membership.objects.select_for_update().get_or_create(
        entity=entity, user=user, defaults={"role": role}
    )
    old_role = None if created else membership.role
    if not created and membership.role != role:
        membership.role = role
        _clean(membership)
        membership.save(update_fields=["role"])
    if created or old_role != role:
        audit_record(
            actor=actor, action="membership.set", obj=membership, entity_code=entity.code,
            changes={"user": user.email, "role": [old_role, role]},
        )
    return membership


@transaction.atomic
def membership_remove(*, actor, entity: Entity, user) -> None:
    deleted, _ = Membership.objects.filter(entity=entity, user=user).delete()
    if deleted:
        audit_record(actor=actor, action="membership.removed", object_type="entities.membership",
                     object_id=f"{entity.code}:{user.pk}", entity_code=entity.code,
                     changes={"user": user.email})


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_issue(*, actor, entity: Entity, name: str) -> tuple[EntityApiKey, str]:
    """A new key for ``entity``; the full token is returned once and never stored."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = EntityApiKey(entity=entity, name=name, prefix=prefix, secret_hash=_hash_secret(secret),
                       created_by=actor)
    _clean(key)
    key.save()
    audit_record(actor=actor, action="apikey.issued", obj=key, entity_code=entity.code,
                 changes={"name": name, "prefix": prefix})
    return key, f"mk_{prefix}_{secret}"


@transaction.atomic
def api_key_revoke(*, actor, key: EntityApiKey) -> EntityApiKey:
    key = EntityApiKey.objects.select_for_update(of=("self",)).select_related("entity").get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="apikey.revoked", obj=key, entity_code=key.entity.code,
                     changes={"prefix": key.prefix})
    return key


def api_key_authenticate(*, token: str) -> EntityApiKey | None:
    """The live key behind ``token`` (``mk_<prefix>_<secret>``), or None."""
    parts = (token or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "mk":
        return None
    key = (EntityApiKey.objects.select_related("entity")
           .filter(prefix=parts[1], revoked_at__isnull=True, entity__is_active=True).first())
    if key is None or not hmac.compare_digest(key.secret_hash, _hash_secret(parts[2])):
        return None
    # Touch at most once a minute: a busy integration must not write on every call.
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        EntityApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
