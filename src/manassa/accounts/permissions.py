"""The one permission layer: which role may do what, and where.

Entity roles grant permissions inside one entity; platform roles grant
permissions everywhere. Views and API endpoints never test roles directly:
they call the ``access_*`` / ``*_for`` selectors, which call these functions.
"""

from __future__ import annotations

from enum import StrEnum

from manassa.accounts.models import PlatformRoleName
from manassa.entities.models import EntityRole


class Perm(StrEnum):
    BACKOFFICE = "backoffice.access"          # open the entity back office
    ENTITY_VIEW = "entity.view"               # see the entity's profile and members
    ENTITY_EDIT = "entity.edit"               # edit the entity's profile
    APIKEYS_MANAGE = "entity.apikeys"         # issue and revoke the entity's API keys
    DIGITAL_OFFICE = "digitaloffice.view"     # dashboards over every entity
    ENTITIES_MANAGE = "entities.manage"       # create entities, assign staff
    AUDIT_VIEW = "audit.view"                 # read the audit trail
    CATALOG_EDIT = "catalog.edit"             # propose changes to the entity's services
    CATALOG_PUBLISH = "catalog.publish"       # publish or return proposed changes, edit synonyms
    APPLICATIONS_SUPERVISE = "applications.supervise"  # assign requests to others, see the entity's overview


_OFFICER = {Perm.BACKOFFICE, Perm.ENTITY_VIEW}
ENTITY_ROLE_PERMS: dict[str, frozenset[Perm]] = {
    EntityRole.OFFICER: frozenset(_OFFICER),
    EntityRole.SUPERVISOR: frozenset(_OFFICER | {Perm.APPLICATIONS_SUPERVISE}),
    EntityRole.ADMIN: frozenset(_OFFICER | {Perm.ENTITY_EDIT, Perm.APIKEYS_MANAGE, Perm.CATALOG_EDIT,
                                            Perm.APPLICATIONS_SUPERVISE}),
}
PLATFORM_ROLE_PERMS: dict[str, frozenset[Perm]] = {
    PlatformRoleName.DO_ADMIN: frozenset({Perm.DIGITAL_OFFICE, Perm.ENTITIES_MANAGE, Perm.CATALOG_PUBLISH}),
    PlatformRoleName.DO_ANALYST: frozenset({Perm.DIGITAL_OFFICE}),
    PlatformRoleName.AUDITOR: frozenset({Perm.AUDIT_VIEW}),
}


def _roles(user) -> tuple[dict[int, str], set[str]]:
    """(entity id → role, platform roles), loaded once per request object."""
    cached = getattr(user, "_manassa_roles", None)
    if cached is None:
        if not user.is_authenticated:
            cached = ({}, set())
        else:
            entity_roles = dict(user.memberships.filter(entity__is_active=True).values_list("entity_id", "role"))
            platform = set(user.platform_roles.values_list("role", flat=True))
            cached = (entity_roles, platform)
        user._manassa_roles = cached
    return cached


def forget_roles(user) -> None:
    user.__dict__.pop("_manassa_roles", None)


def is_government_staff(user) -> bool:
    """Anyone with an entity or platform role; they must use two-factor authentication."""
    if not user.is_authenticated:
        return False
    entity_roles, platform = _roles(user)
    return bool(entity_roles or platform or user.is_superuser)


def has_platform_perm(user, perm: Perm) -> bool:
    _entity_roles, platform = _roles(user)
    return any(perm in PLATFORM_ROLE_PERMS.get(role, ()) for role in platform)


def entity_ids_with(user, perm: Perm) -> set[int]:
    entity_roles, _platform = _roles(user)
    return {eid for eid, role in entity_roles.items() if perm in ENTITY_ROLE_PERMS.get(role, ())}


def has_entity_perm(user, entity_id: int, perm: Perm) -> bool:
    return entity_id in entity_ids_with(user, perm)


def entity_role(user, entity_id: int) -> str | None:
    entity_roles, _platform = _roles(user)
    return entity_roles.get(entity_id)


def role_names(user) -> list[str]:
    """Every role the user holds, for display and the API's `me`."""
    entity_roles, platform = _roles(user)
    return sorted(set(entity_roles.values()) | platform)
