from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from manassa.accounts.identity import IdentityProfile
from manassa.accounts.models import PlatformRole, User
from manassa.accounts.permissions import forget_roles
from manassa.accounts.selectors import emirates_id_taken
from manassa.accounts.validators import normalize_emirates_id, normalize_uae_mobile
from manassa.audit.services import audit_record, model_changes
from manassa.core.errors import InvalidInput, from_validation_error

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ["name_ar", "name_en", "emirates_id", "mobile", "preferred_language",
                  "notify_email", "notify_sms", "notify_in_app"]


@transaction.atomic
def user_create(*, actor, email: str, password: str | None, **fields) -> User:
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(fields={"email": ["already registered"]})
    user = User(email=email.lower(), **fields)
    user.set_password(password)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    user.save()
    audit_record(actor=actor, action="user.created", obj=user, changes={"email": user.email})
    return user


@transaction.atomic
def profile_update(*, actor, user: User, interests=None, life_events=None, **fields) -> User:
    """Update a person's profile; identifiers are normalised, bad input changes nothing."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(fields={name: ["not editable"] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    if fields.get("emirates_id"):
        try:
            fields["emirates_id"] = normalize_emirates_id(fields["emirates_id"])
        except ValidationError as exc:
            errors["emirates_id"] = list(exc.messages)
    elif "emirates_id" in fields:
        fields["emirates_id"] = None
    if fields.get("mobile"):
        try:
            fields["mobile"] = normalize_uae_mobile(fields["mobile"])
        except ValidationError as exc:
            errors["mobile"] = list(exc.messages)
    if errors:
        raise InvalidInput(fields=errors)

    user = User.objects.select_for_update().get(pk=user.pk)
    before = {name: getattr(user, name) for name in PROFILE_FIELDS}
    for name, value in fields.items():
        setattr(user, name, value)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    changes = model_changes(user, PROFILE_FIELDS, before)
    if "emirates_id" in changes:
        # The identifier itself is personal data: the trail records that it changed, not its value.
        changes["emirates_id"] = ["…", "…"]
    user.save()
    if interests is not None:
        old = set(user.interests.values_list("code", flat=True))
        user.interests.set(interests)
        new = {sector.code for sector in interests}
        if old != new:
            changes["interests"] = [sorted(old), sorted(new)]
    if life_events is not None:
        old = set(user.life_events.values_list("code", flat=True))
        user.life_events.set(life_events)
        new = {event.code for event in life_events}
        if old != new:
            changes["life_events"] = [sorted(old), sorted(new)]
    if changes:
        audit_record(actor=actor, action="profile.updated", obj=user, changes=changes)
    return user


@transaction.atomic
def platform_role_grant(*, actor, user: User, role: str) -> PlatformRole:
    grant, created = PlatformRole.objects.get_or_create(user=user, role=role)
    if created:
        audit_record(actor=actor, action="platform_role.granted", obj=grant,
                     changes={"user": user.email, "role": role})
    forget_roles(user)
    return grant


@transaction.atomic
def platform_role_revoke(*, actor, user: User, role: str) -> None:
    deleted, _ = PlatformRole.objects.filter(user=user, role=role).delete()
    if deleted:
        audit_record(actor=actor, action="platform_role.revoked", object_type="accounts.platformrole",
                     object_id=f"{user.pk}:{role}", changes={"user": user.email, "role": role})
    forget_roles(user)


# What a returning person's identity provider may refresh. The e-mail address
# and mobile number stay as the person keeps them in their profile.
IDENTITY_SYNC_FIELDS = ["name_ar", "name_en", "user_type", "emirates_id"]


def _masked(changes: dict) -> dict:
    if "emirates_id" in changes:
        # The identifier itself is personal data: the trail records that it changed, not its value.
        changes["emirates_id"] = ["…" if changes["emirates_id"][0] else None, "…"]
    return changes


@transaction.atomic
def identity_user_created(*, user: User, provider: str) -> None:
    """Audit an account created by signing in with an identity provider (allauth saved it)."""
    changes = {"email": user.email, "identity_provider": provider}
    if user.user_type:
        changes["user_type"] = user.user_type
    audit_record(actor=user, action="user.created", obj=user, changes=changes)


@transaction.atomic
def identity_profile_sync(*, user: User, provider: str, profile: IdentityProfile) -> User:
    """Refresh a returning person's names, assurance level and missing Emirates ID from their provider.

    A claim the provider did not send leaves the field as it is. The
    assurance level follows the provider both ways: an account downgraded at
    UAE PASS is downgraded here. An Emirates ID already on another account is
    not copied: only the provider's stable id links accounts, never an attribute.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    before = {name: getattr(user, name) for name in IDENTITY_SYNC_FIELDS}
    for name in ("name_ar", "name_en", "user_type"):
        value = getattr(profile, name)
        if value:
            setattr(user, name, value)
    if profile.emirates_id and not user.emirates_id:
        if emirates_id_taken(emirates_id=profile.emirates_id, exclude_user_id=user.pk):
            logger.warning("identity sync: Emirates ID from %s is already on another account", provider,
                           extra={"user_id": user.pk})
        else:
            user.emirates_id = profile.emirates_id
    changes = model_changes(user, IDENTITY_SYNC_FIELDS, before)
    if changes:
        user.save(update_fields=list(changes))
        changes = _masked(changes)
        changes["identity_provider"] = provider
        audit_record(actor=user, action="profile.synced_from_identity", obj=user, changes=changes)
    return user
