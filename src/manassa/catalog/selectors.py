"""Reads of the public catalog: browsing, the service page, related services and recommendations."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from manassa.catalog.models import LifeEvent, Sector, Service, ServiceStatus
from manassa.core.errors import NotFound


def services_active() -> QuerySet[Service]:
    return (Service.objects.filter(status=ServiceStatus.ACTIVE, entity__is_active=True)
            .select_related("entity", "sector"))


def service_public_get(*, slug: str) -> Service:
    """A service by its public address; retired services stay reachable (the page says so)."""
    service = Service.objects.select_related("entity", "sector").filter(slug=slug, entity__is_active=True).first()
    if service is None:
        raise NotFound()
    return service


_version_seen = {"value": 0, "at": -1.0}


def catalog_version(*, max_age: float = 1.0) -> int:
    """The catalog's change counter, read from the database at most once per ``max_age`` seconds.

    Cached page fragments carry it in their key, so a published change shows
    everywhere within a second without a query on every page view.
    """
    import time

    from manassa.catalog.models import CatalogState

    now = time.monotonic()
    if now - _version_seen["at"] > max_age:
        _version_seen["value"] = CatalogState.objects.filter(id=1).values_list("version", flat=True).first() or 0
        _version_seen["at"] = now
    return _version_seen["value"]


def sectors_with_counts() -> QuerySet[Sector]:
    active = Q(services__status=ServiceStatus.ACTIVE, services__entity__is_active=True)
    return Sector.objects.annotate(service_count=Count("services", filter=active)).order_by("position", "code")


def life_events_with_counts() -> QuerySet[LifeEvent]:
    active = Q(services__status=ServiceStatus.ACTIVE, services__entity__is_active=True)
    return LifeEvent.objects.annotate(service_count=Count("services", filter=active)).order_by("position", "code")


def sector_get(*, code: str) -> Sector:
    sector = Sector.objects.filter(code=code).first()
    if sector is None:
        raise NotFound()
    return sector


def life_event_get(*, code: str) -> LifeEvent:
    event = LifeEvent.objects.filter(code=code).first()
    if event is None:
        raise NotFound()
    return event


def _by_use(qs: QuerySet[Service]) -> QuerySet[Service]:
    return qs.order_by("-popularity", "code")


def services_in_sector(*, sector: Sector) -> QuerySet[Service]:
    return _by_use(services_active().filter(sector=sector))


def services_of_entity(*, entity) -> QuerySet[Service]:
    return _by_use(services_active().filter(entity=entity))


def services_for_life_event(*, life_event: LifeEvent) -> QuerySet[Service]:
    return _by_use(services_active().filter(life_events=life_event))


def services_most_used(*, limit: int = 8) -> list[Service]:
    return list(_by_use(services_active())[:limit])


def services_related(*, service: Service, limit: int = 4) -> list[Service]:
    """Services sharing a life event first, then the same sector."""
    events = list(service.life_events.values_list("id", flat=True))
    base = services_active().exclude(pk=service.pk)
    related = list(_by_use(base.filter(life_events__in=events).distinct())[:limit]) if events else []
    if len(related) < limit:
        seen = {s.pk for s in related}
        more = _by_use(base.filter(sector=service.sector_id).exclude(pk__in=seen))[: limit - len(related)]
        related += list(more)
    return related


def services_recommended_for(*, user, limit: int = 6) -> list[Service]:
    """From the life events and sectors the person chose, most used first.

    The person's own past requests will weigh in once applications exist.
    """
    if not user.is_authenticated:
        return []
    events = list(user.life_events.values_list("id", flat=True))
    sectors = list(user.interests.values_list("id", flat=True))
    if not events and not sectors:
        return []
    picked: list[Service] = []
    if events:
        picked = list(_by_use(services_active().filter(life_events__in=events).distinct())[:limit])
    if len(picked) < limit and sectors:
        seen = {s.pk for s in picked}
        by_sector = services_active().filter(sector__in=sectors).exclude(pk__in=seen)
        picked += list(_by_use(by_sector)[: limit - len(picked)])
    return picked


# --- Back office and Digital Office ----------------------------------------------------


def entity_services(*, entity) -> QuerySet[Service]:
    """All of an entity's services, retired too, for its back office."""
    return Service.objects.filter(entity=entity).select_related("sector").order_by("status", "code")


def entity_open_revisions(*, entity):
    from manassa.catalog.models import RevisionStatus, ServiceRevision

    return (ServiceRevision.objects.filter(entity=entity)
            .exclude(status=RevisionStatus.PUBLISHED).select_related("author").order_by("-updated_at"))


def access_entity_service(user, entity_code: str, service_code: str, perm) -> tuple:
    """(entity, service) when the user holds ``perm`` in the entity that owns the service; else 404/403."""
    from manassa.entities.selectors import access_entity

    entity = access_entity(user, entity_code, perm)
    service = Service.objects.filter(entity=entity, code=service_code).select_related("sector").first()
    if service is None:
        raise NotFound()
    return entity, service


def access_entity_revision(user, entity_code: str, revision_id: int, perm):
    from manassa.catalog.models import ServiceRevision
    from manassa.entities.selectors import access_entity

    entity = access_entity(user, entity_code, perm)
    revision = ServiceRevision.objects.filter(entity=entity, pk=revision_id).select_related("service").first()
    if revision is None:
        raise NotFound()
    return entity, revision


def revisions_awaiting_review():
    from manassa.catalog.models import RevisionStatus, ServiceRevision

    return (ServiceRevision.objects.filter(status=RevisionStatus.SUBMITTED)
            .select_related("entity", "author").order_by("submitted_at", "id"))


def access_revision_for_review(user, revision_id: int):
    from manassa.accounts.permissions import Perm
    from manassa.accounts.selectors import require_platform_perm
    from manassa.catalog.models import ServiceRevision

    require_platform_perm(user, Perm.DIGITAL_OFFICE)
    revision = (ServiceRevision.objects.filter(pk=revision_id)
                .select_related("entity", "service", "author", "reviewer").first())
    if revision is None:
        raise NotFound()
    return revision


def revision_changes(revision) -> list[dict]:
    """Field-by-field comparison of a revision with the published service, for reviewers."""
    from manassa.catalog.services import REVISION_FIELDS, service_revision_data

    current = service_revision_data(revision.service) if revision.service_id else {}
    rows = []
    for name in REVISION_FIELDS:
        old, new = current.get(name), revision.data.get(name)
        label = Service._meta.get_field(name).verbose_name
        lang = name.rsplit("_", 1)[1] if name.endswith(("_ar", "_en")) else ""
        rows.append({"field": name, "label": label, "lang": lang, "old": old, "new": new, "changed": old != new})
    return rows


def access_synonym_group(user, synonym_id: int):
    """A synonym group for a person who may edit search synonyms (Digital Office administrators)."""
    from manassa.accounts.permissions import Perm
    from manassa.accounts.selectors import require_platform_perm
    from manassa.catalog.models import Synonym

    require_platform_perm(user, Perm.CATALOG_PUBLISH)
    group = Synonym.objects.filter(pk=synonym_id).first()
    if group is None:
        raise NotFound()
    return group
