"""Reads for entity systems and the integrations back office, every one scoped to one entity.

An entity's key sees its entity's requests only; another entity's request,
endpoint or delivery is the same 404 as a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from manassa.applications.models import DRAFT_STATE, Application
from manassa.applications.selectors import due_keyset_page
from manassa.core.errors import NotFound
from manassa.core.pages import newest_first_page
from manassa.entities.models import Entity
from manassa.integrations.models import WebhookDelivery, WebhookEndpoint

LOG_PAGE = 50


@dataclass(frozen=True)
class SystemQueueFilters:
    status: str = "open"  # open | closed | all
    service_code: str | None = None
    state: str | None = None
    breached: bool | None = None


@dataclass
class SystemQueuePage:
    items: list[Application]
    next_cursor: str | None


def system_applications(*, entity: Entity, filters: SystemQueueFilters = SystemQueueFilters(),
                        cursor: str | None = None, limit: int = 50, now: datetime | None = None) -> SystemQueuePage:
    """The entity's submitted requests, in the work queue's order and with its cursor (``work_queue``).

    Soonest step deadline first, then the requests without one (waiting for
    the applicant, and closed ones) by id (``due_keyset_page``).
    """
    from django.utils import timezone

    qs = (Application.objects.filter(entity=entity).exclude(state=DRAFT_STATE)
          .select_related("service", "assignee"))
    if filters.status == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif filters.status == "closed":
        qs = qs.filter(closed_at__isnull=False)
    if filters.service_code:
        qs = qs.filter(service__code=filters.service_code)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.breached is not None:
        overdue = Q(state_due_at__lt=now or timezone.now())
        qs = qs.filter(overdue) if filters.breached else qs.exclude(overdue)
    items, next_cursor = due_keyset_page(qs, cursor=cursor, limit=limit)
    return SystemQueuePage(items=items, next_cursor=next_cursor)


def system_application(*, entity: Entity, reference: str) -> Application:
    """One submitted request of ``entity``; another entity's and a missing one are both ``NotFound``."""
    application = (Application.objects.select_related("service", "entity", "applicant", "assignee")
                   .filter(entity=entity, reference=reference).exclude(state=DRAFT_STATE).first())
    if application is None:
        raise NotFound()
    return application


def endpoints_of(*, entity: Entity) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(entity=entity).order_by("-is_active", "url", "id")


_ID_MAX = 2**31 - 1  # larger numbers are no row's id (and some databases refuse to compare them)


def access_endpoint(*, entity: Entity, endpoint_id: int) -> WebhookEndpoint:
    if not 0 < endpoint_id <= _ID_MAX:
        raise NotFound()
    endpoint = WebhookEndpoint.objects.filter(entity=entity, pk=endpoint_id).select_related("entity").first()
    if endpoint is None:
        raise NotFound()
    return endpoint


def deliveries_of(*, entity: Entity, status: str | None = None, endpoint_id: int | None = None,
                  kind: str | None = None, before: int | None = None,
                  limit: int = LOG_PAGE) -> tuple[list[WebhookDelivery], int | None]:
    """The entity's delivery log, newest first, keyset-paginated on id: (rows, ``before`` of the next page)."""
    qs = WebhookDelivery.objects.filter(entity=entity).select_related("endpoint")
    if status:
        qs = qs.filter(status=status)
    if endpoint_id:
        qs = qs.filter(endpoint_id=endpoint_id)
    if kind:
        qs = qs.filter(kind=kind)
    return newest_first_page(qs.prefetch_related("attempt_log"), before=before, limit=limit)


def access_delivery(*, entity: Entity, delivery_id: int) -> WebhookDelivery:
    if not 0 < delivery_id <= 2**63 - 1:
        raise NotFound()
    delivery = (WebhookDelivery.objects.filter(entity=entity, pk=delivery_id)
                .select_related("endpoint", "entity").prefetch_related("attempt_log").first())
    if delivery is None:
        raise NotFound()
    return delivery
