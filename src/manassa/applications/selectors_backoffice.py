"""Reads for the entity back office's work queue, every one scoped to the user's entities.

The queue itself and the application lookup are ``selectors.work_queue`` and
``selectors.access_application``; these are the extra reads around them:
filter choices, workflow labels, history, colleagues and the supervisor's overview.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone

from manassa.accounts.permissions import Perm, entity_ids_with, has_entity_perm
from manassa.applications.models import DRAFT_STATE, Application, ApplicationEvent, DefinitionStatus, ServiceWorkflow
from manassa.applications.selectors import workflows_by_id
from manassa.applications.workflow import Workflow
from manassa.catalog.models import Service
from manassa.core.errors import Forbidden
from manassa.entities.models import Entity, Membership

BREACHED_LIMIT = 100


def queue_entities_for(user) -> list[Entity]:
    """The active entities whose queue ``user`` may work; empty for anyone without an entity staff role."""
    return list(Entity.objects.filter(id__in=entity_ids_with(user, Perm.BACKOFFICE), is_active=True)
                .order_by("code"))


def queue_services_for(user) -> QuerySet[Service]:
    return (Service.objects.filter(entity_id__in=entity_ids_with(user, Perm.BACKOFFICE))
            .only("id", "code", "name_ar", "name_en").order_by("code"))


def workflows_for(user, ids=None) -> dict[int, Workflow]:
    """Parsed workflows (by id) of the user's entities' services; ``ids`` narrows them (one query either way)."""
    # Drafts are not used by any request yet: their states would only clutter the filters.
    qs = (ServiceWorkflow.objects.filter(service__entity_id__in=entity_ids_with(user, Perm.BACKOFFICE))
          .exclude(status=DefinitionStatus.DRAFT))
    if ids is not None:
        qs = qs.filter(id__in=set(ids))
    return workflows_by_id(qs.values_list("id", flat=True))


def open_state_choices(workflows: dict[int, Workflow]) -> list[tuple[str, dict]]:
    """(key, bilingual label) of every state a request can wait in, first label wins for a shared key."""
    seen: dict[str, dict] = {}
    for workflow in workflows.values():
        for state in workflow.states.values():
            if not state.terminal:
                seen.setdefault(state.key, state.label)
    return list(seen.items())


def application_history(*, application: Application) -> QuerySet[ApplicationEvent]:
    """Every event of an application already obtained through ``access_application``, notes included."""
    return application.events.select_related("actor").order_by("at", "id")


def entity_staff(*, entity_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(entity_id=entity_id).select_related("user").order_by("role", "user__email")


def access_staff_member(*, entity_id: int, user_id) -> Membership | None:
    """The colleague ``user_id`` if they work for the entity, else None."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    return Membership.objects.filter(entity_id=entity_id, user_id=user_id).select_related("user").first()


def supervised_entities_for(user) -> list[Entity]:
    """Entities where ``user`` is a supervisor or an admin: the scope of the overview."""
    ids = entity_ids_with(user, Perm.APPLICATIONS_SUPERVISE)
    return list(Entity.objects.filter(id__in=ids).order_by("code"))


@dataclass(frozen=True)
class Overview:
    entity: Entity
    by_state: list[tuple[str, int]]          # (state key, open count), most first
    breached: list[Application]
    workload: list[tuple[Membership, int]]   # every staff member with their open assigned count
    unassigned: int
    labels: dict[str, dict]


def entity_overview(user, *, entity: Entity, now: datetime | None = None) -> Overview:
    """Open work of one entity for its supervisors and admins; anyone else gets 403."""
    if not has_entity_perm(user, entity.id, Perm.APPLICATIONS_SUPERVISE):
        raise Forbidden()
    now = now or timezone.now()
    open_apps = Application.objects.filter(entity=entity, closed_at__isnull=True).exclude(state=DRAFT_STATE)
    by_state = list(open_apps.values("state").annotate(n=Count("id")).order_by("-n", "state")
                    .values_list("state", "n"))
    breached = list(open_apps.filter(state_due_at__lt=now).select_related("service", "assignee")
                    .order_by("state_due_at", "id")[:BREACHED_LIMIT])
    assigned = dict(open_apps.filter(assignee__isnull=False).values("assignee")
                    .annotate(n=Count("id")).values_list("assignee", "n"))
    staff = list(entity_staff(entity_id=entity.id))
    workload = sorted(((m, assigned.get(m.user_id, 0)) for m in staff), key=lambda row: (-row[1], row[0].user.email))
    unassigned = open_apps.filter(assignee__isnull=True).count()
    workflows = workflows_by_id(ServiceWorkflow.objects.filter(service__entity=entity)
                                .exclude(status=DefinitionStatus.DRAFT).values_list("id", flat=True))
    labels = {}
    for workflow in workflows.values():
        for state in workflow.states.values():
            labels.setdefault(state.key, state.label)
    return Overview(entity=entity, by_state=by_state, breached=breached, workload=workload,
                    unassigned=unassigned, labels=labels)


# A step is "due soon" this long (clock time) before its deadline: half a working day.
DUE_SOON = timedelta(hours=4)


def sla_status(due: datetime | None, now: datetime) -> str | None:
    """``breached``, ``due_soon`` or ``on_time`` for a step's deadline; None when the step has none.

    Breached is the queue's own test (``state_due_at < now``, the ``sla`` filter
    and the HTML countdown's "overdue"), so a status and a filter never disagree.
    """
    if due is None:
        return None
    if due < now:
        return "breached"
    return "due_soon" if due - now <= DUE_SOON else "on_time"


def colleague_by_email(*, entity_ids, email: str) -> Membership | None:
    """The staff member of one of ``entity_ids`` with this e-mail address, else None."""
    return (Membership.objects.filter(entity_id__in=set(entity_ids), user__email__iexact=(email or "").strip())
            .select_related("user").order_by("id").first())
