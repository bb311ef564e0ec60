from __future__ import annotations

from django.db.models import Count, QuerySet

from manassa.accounts.permissions import Perm, entity_ids_with, entity_role, has_entity_perm
from manassa.core.errors import Forbidden, NotFound
from manassa.entities.models import Entity, Membership


def entities_public() -> QuerySet[Entity]:
    return Entity.objects.filter(is_active=True).select_related("parent").order_by("code")


def entity_public_get(*, code: str) -> Entity:
    entity = entities_public().filter(code=code).first()
    if entity is None:
        raise NotFound()
    return entity


def entities_for(user, perm: Perm = Perm.BACKOFFICE) -> QuerySet[Entity]:
    """The entities in which ``user`` holds ``perm``: the back office's tenant scope."""
    return Entity.objects.filter(id__in=entity_ids_with(user, perm), is_active=True).order_by("code")


def access_entity(user, code: str, perm: Perm = Perm.ENTITY_VIEW) -> Entity:
    """The entity ``code`` if ``user`` works there with ``perm``.

    Missing and "not one of yours" are the same 404, so codes of other
    entities' back offices cannot be probed. A member whose role lacks
    ``perm`` gets 403: they know the entity exists.
    """
    entity = Entity.objects.filter(code=code, is_active=True).first()
    if entity is None or entity_role(user, entity.id) is None:
        raise NotFound()
    if not has_entity_perm(user, entity.id, perm):
        raise Forbidden()
    return entity


def entity_members(*, entity: Entity) -> QuerySet[Membership]:
    return entity.memberships.select_related("user").order_by("role", "user__email")


def entities_overview() -> QuerySet[Entity]:
    """Every entity with its staff count, for the Digital Office."""
    return Entity.objects.annotate(staff_count=Count("memberships")).select_related("parent").order_by("code")
