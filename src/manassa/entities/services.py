from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manassa.audit.services import audit_record, model_changes
from manassa.core.errors import InvalidInput, from_validation_error
from manassa.entities.models import ApiKeyRole, ApiKeyScope, Entity, EntityApiKey, Membership

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


def rotation_grace() -> timedelta:
    """How long a rotated-out key keeps working, so the system can switch to its successor without downtime."""
    return timedelta(hours=getattr(settings, "MANASSA_API_KEY_ROTATION_GRACE_HOURS", 24))


def _new_key(*, actor, entity: Entity, name: str, role: str, scope: str,
             rotated_from: EntityApiKey | None = None) -> tuple[EntityApiKey, str]:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = EntityApiKey(entity=entity, name=name, prefix=prefix, secret_hash=_hash_secret(secret),
                       role=role, scope=scope, rotated_from=rotated_from, created_by=actor)
    _clean(key)
    key.save()
    return key, f"mk_{prefix}_{secret}"


@transaction.atomic
def api_key_issue(*, actor, entity: Entity, name: str, role: str = ApiKeyRole.OFFICER,
                  scope: str = ApiKeyScope.READ) -> tuple[EntityApiKey, str]:
    """A new key for ``entity``; the full token is returned once and never stored.

    ``role``: the workflow role the system acts in (officer or supervisor); ``scope``: ``read`` or ``write``.
    """
    key, token = _new_key(actor=actor, entity=entity, name=name, role=role, scope=scope)
    audit_record(actor=actor, action="apikey.issued", obj=key, entity_code=entity.code,
                 changes={"name": name, "prefix": key.prefix, "role": role, "scope": scope})
    return key, token


@transaction.atomic
def api_key_rotate(*, actor, key: EntityApiKey, grace: timedelta | None = None) -> tuple[EntityApiKey, str]:
    """A successor of ``key`` (same name, role and scope); ``key`` keeps working for ``grace``, then expires.

    Only a live key can be rotated: a revoked or expired one is refused, since its successor would
    give back access that was taken away.
    """
    key = EntityApiKey.objects.select_for_update(of=("self",)).select_related("entity").get(pk=key.pk)
    now = timezone.now()
    if not key.is_live(now):
        raise InvalidInput(_("This key is no longer valid; issue a new key instead."), code="key_not_live")
    new_key, token = _new_key(actor=actor, entity=key.entity, name=key.name, role=key.role, scope=key.scope,
                              rotated_from=key)
    until = now + (rotation_grace() if grace is None else grace)
    if key.expires_at is None or until < key.expires_at:
        key.expires_at = until
        key.save(update_fields=["expires_at"])
    audit_record(actor=actor, action="apikey.rotated", obj=new_key, entity_code=key.entity.code,
                 changes={"prefix": new_key.prefix, "replaces": key.prefix,
                          "old_expires_at": key.expires_at.isoformat()})
    return new_key, token


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
    """The live key behind ``token`` (``mk_<prefix>_<secret>``), or None (revoked, expired, unknown, forged)."""
    parts = (token or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "mk":
        return None
    now = timezone.now()
    key = (EntityApiKey.objects.select_related("entity")
           .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now),
                   prefix=parts[1], revoked_at__isnull=True, entity__is_active=True).first())
    if key is None or not hmac.compare_digest(key.secret_hash, _hash_secret(parts[2])):
        return None
    # Touch at most once a minute: a busy integration must not write on every call.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        EntityApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
