"""Reads of service delivery, scoped to the person: their own requests, or their entities' queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from manassa.accounts.permissions import Perm, entity_ids_with, entity_role
from manassa.applications.formdefs import FormDefinition, definition_validate
from manassa.applications.models import DRAFT_STATE, Application
from manassa.applications.workflow import Workflow, parse_workflow
from manassa.core.errors import NotFound

QUEUE_PAGE = 50

# Published definitions never change (an edit is a new version, a new row), so each
# process parses a version once.
_parsed_workflows: dict[int, Workflow] = {}
_parsed_forms: dict[int, FormDefinition] = {}


def workflow_of(application: Application) -> Workflow:
    """The parsed workflow version the application follows."""
    parsed = _parsed_workflows.get(application.workflow_id)
    if parsed is None:
        parsed = _parsed_workflows[application.workflow_id] = parse_workflow(application.workflow.definition)
    return parsed


def published_definitions(service):
    """(form, workflow) a new application of ``service`` uses, or None when it cannot be applied for online."""
    from manassa.applications.models import DefinitionStatus, ServiceForm, ServiceWorkflow

    if service.status != "active":
        return None
    form = ServiceForm.objects.filter(service=service, status=DefinitionStatus.PUBLISHED).first()
    workflow = ServiceWorkflow.objects.filter(service=service, status=DefinitionStatus.PUBLISHED).first()
    return (form, workflow) if form is not None and workflow is not None else None


def workflows_by_id(ids) -> dict[int, Workflow]:
    """Parsed workflow versions by id; only those not parsed yet in this process are read (one query)."""
    from manassa.applications.models import ServiceWorkflow

    ids = set(ids)
    missing = ids - _parsed_workflows.keys()
    for pk, definition in ServiceWorkflow.objects.filter(id__in=missing).values_list("id", "definition"):
        _parsed_workflows[pk] = parse_workflow(definition)
    return {pk: _parsed_workflows[pk] for pk in ids if pk in _parsed_workflows}


def form_of(application: Application) -> FormDefinition:
    """The parsed form version the application was made with."""
    parsed = _parsed_forms.get(application.form_id)
    if parsed is None:
        parsed = _parsed_forms[application.form_id] = definition_validate(application.form.definition)
    return parsed


def applications_of(user) -> QuerySet[Application]:
    """The person's own requests, newest activity first."""
    return Application.objects.filter(applicant=user).select_related("service", "entity").order_by("-updated_at")


def access_own_application(user, reference: str) -> Application:
    application = applications_of(user).filter(reference=reference).first()
    if application is None:
        raise NotFound()
    return application


def access_application(user, reference: str) -> Application:
    """A submitted application of one of the user's entities; 404 for missing and for another entity's."""
    application = (Application.objects.select_related("service", "entity", "applicant", "assignee")
                   .filter(reference=reference).first())
    if application is None or entity_role(user, application.entity_id) is None:
        raise NotFound()
    return application


@dataclass(frozen=True)
class QueueFilters:
    entity_ids: tuple[int, ...] | None = None
    service_id: int | None = None
    state: str | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    breached: bool | None = None


@dataclass(frozen=True)
class QueuePage:
    items: list[Application]
    next_cursor: str | None


def work_queue(user, filters: QueueFilters = QueueFilters(), *, cursor: str | None = None,
               limit: int = QUEUE_PAGE, now: datetime | None = None) -> QueuePage:
    """Open applications of the user's entities, soonest deadline first, keyset-paginated.

    The cursor is ``<state_due_at or max>|<id>`` of the last row, so a page
    is one index range scan however deep the queue is.
    """
    from django.utils import timezone

    allowed = entity_ids_with(user, Perm.BACKOFFICE)
    wanted = allowed if filters.entity_ids is None else allowed & set(filters.entity_ids)
    qs = (Application.objects.filter(entity_id__in=wanted, closed_at__isnull=True)
          .exclude(state=DRAFT_STATE).select_related("service", "assignee"))
    if filters.service_id:
        qs = qs.filter(service_id=filters.service_id)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.unassigned:
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee_id:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.breached is not None:
        moment = now or timezone.now()
        overdue = Q(state_due_at__lt=moment)
        qs = qs.filter(overdue) if filters.breached else qs.exclude(overdue)
    items, next_cursor = due_keyset_page(qs, cursor=cursor, limit=limit)
    return QueuePage(items=items, next_cursor=next_cursor)


def due_keyset_page(qs: QuerySet[Application], *, cursor: str | None,
                    limit: int) -> tuple[list[Application], str | None]:
    """One page of ``qs`` in queue order, and the cursor of the next page (None on the last).

    Rows with a deadline come first (soonest first), then rows without one (waiting for the applicant,
    or closed) by id. Two range queries rather than one with "OR state_due_at IS NULL", so each page is
    one index range scan however deep the cursor is. The cursor is ``<state_due_at or empty>|<id>`` of
    the last row; one that is not ours starts from the first page.
    """
    due, last_id, in_dated = None, 0, True
    if cursor:
        due_text, _sep, last_text = cursor.partition("|")
        try:
            last_id = int(last_text)
            due = None if due_text == "" else datetime.fromisoformat(due_text)
        except ValueError:
            due, last_id = None, 0
        else:
            in_dated = due is not None
    rows: list[Application] = []
    if in_dated:
        dated = qs.filter(state_due_at__isnull=False)
        if due is not None:
            dated = dated.filter(Q(state_due_at__gte=due), Q(state_due_at__gt=due) | Q(id__gt=last_id))
        rows = list(dated.order_by("state_due_at", "id")[: limit + 1])
        last_id = 0
    if len(rows) <= limit:
        undated = qs.filter(state_due_at__isnull=True, id__gt=last_id).order_by("id")
        rows += list(undated[: limit + 1 - len(rows)])
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit and items:
        last = items[-1]
        next_cursor = f"{last.state_due_at.isoformat() if last.state_due_at else ''}|{last.id}"
    return items, next_cursor
