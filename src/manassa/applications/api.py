"""Back-office API for applications: the entity work queue and one application, for the entity's staff.

Session authentication (CSRF on POST), like the HTML back office it mirrors
(``views_backoffice.py``), and the same scoped selectors: the queue is
``work_queue``, one application is ``access_application`` (another entity's
request and a missing one are both 404 ``not_found``), and every change goes
through its one service. docs/api.md describes the endpoints with examples.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from manassa.accounts.permissions import Perm, has_entity_perm
from manassa.applications.models import Application
from manassa.applications.selectors import QUEUE_PAGE, QueueFilters, access_application, work_queue, workflow_of
from manassa.applications.selectors_backoffice import (
    application_history,
    colleague_by_email,
    queue_entities_for,
    queue_services_for,
    sla_status,
    workflows_for,
)
from manassa.applications.services import application_assign, application_note_add, application_transition, roles_on
from manassa.applications.workflow import Workflow
from manassa.core.api import ErrorOut, session_auth
from manassa.core.errors import Forbidden, InvalidInput, NotFound, storable_text

backoffice_router = Router(tags=["applications"], auth=session_auth)

QUEUE_LIMIT_MAX = 200
TEXT_MAX = 4000  # as the HTML forms' comment and note boxes
REFERENCE_MAX = Application._meta.get_field("reference").max_length

SlaStatus = Literal["on_time", "due_soon", "breached"]

# Events that are not workflow actions, with the labels the HTML page gives them.
_EVENT_LABELS = {
    "submit": gettext_lazy("Request submitted"),
    "note": gettext_lazy("Internal note"),
    "sla_breached": gettext_lazy("Deadline missed"),
}


class _TextInput(Schema):
    """Input whose text PostgreSQL can store: NUL is a 422 here instead of a database error later."""

    @field_validator("*")
    @classmethod
    def check_storable(cls, value):
        if isinstance(value, str) and not storable_text(value):
            raise PydanticCustomError("not_storable", _("contains characters that cannot be stored (NUL or an "
                                                        "unpaired surrogate)"))
        return value


def _cursor_valid(value: str) -> bool:
    """Whether ``value`` is a ``next_cursor`` as ``work_queue`` gives it: ``<ISO time with zone or nothing>|<id>``."""
    due_text, sep, last_id = value.partition("|")
    if not sep or not last_id.isascii() or not last_id.isdigit():
        return False
    if due_text:
        try:
            due = datetime.fromisoformat(due_text)
        except ValueError:
            return False
        return due.tzinfo is not None
    return True


# --- schemas -------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    email: str
    name_ar: str
    name_en: str


class ServiceRefOut(Schema):
    code: str
    name_ar: str
    name_en: str


class StateOut(Schema):
    key: str
    label_ar: str
    label_en: str


class QueueItemOut(Schema):
    reference: str
    service: ServiceRefOut
    entity: str = Field(description="The entity's code.")
    state: StateOut
    assignee: PersonOut | None
    submitted_at: datetime
    state_due_at: datetime | None = Field(description="The current step's deadline (working time); null when the "
                                                      "step waits for the applicant.")
    due_at: datetime | None = Field(description="The whole request's deadline.")
    sla: SlaStatus | None = Field(description="`breached` past `state_due_at`, `due_soon` within 4 hours of it, else "
                                              "`on_time`; null when the step has no deadline.")


class QueuePageOut(Schema):
    items: list[QueueItemOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class QueueQuery(_TextInput):
    entity: str | None = Field(None, max_length=40, description="An entity code (one of yours).")
    service: str | None = Field(None, max_length=40, description="A service code.")
    state: str | None = Field(None, max_length=40, description="A workflow state key, such as `in_review`.")
    assignee: str | None = Field(None, max_length=254,
                                 description="`me`, `unassigned`, or a colleague's id or e-mail address.")
    sla: Literal["breached", "on_time"] | None = Field(None, description="`breached`: past the step's deadline; "
                                                                         "`on_time`: not past it.")
    cursor: str | None = Field(None, max_length=80, description="The `next_cursor` of the previous page.")
    limit: int = Field(QUEUE_PAGE, ge=1, le=QUEUE_LIMIT_MAX)


    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value):
        if value and not _cursor_valid(value):
            raise PydanticCustomError("invalid_cursor", _("This cursor is not valid; start again from the first page."))
        return value or None

    @field_validator("assignee")
    @classmethod
    def _assignee(cls, value):
        value = (value or "").strip()
        if value and value not in ("me", "unassigned") and not value.isdigit() and "@" not in value:
            raise PydanticCustomError("invalid_assignee",
                                      _("Use me, unassigned, a person's number or their e-mail address."))
        return value or None


class DeadlinesOut(Schema):
    state_due_at: datetime | None
    due_at: datetime | None
    sla_breached_at: datetime | None = Field(description="When the deadline sweep marked the step overdue.")
    sla: SlaStatus | None


class ActionOut(Schema):
    key: str
    label_ar: str
    label_en: str
    to: str = Field(description="The state the request moves to.")
    comment: Literal["required", "optional", "none"]


class EventOut(Schema):
    at: datetime
    action: str = Field(description="A workflow action key, or `submit`, `note` (internal) or `sla_breached`.")
    label_ar: str
    label_en: str
    actor: PersonOut | None = Field(description="Null for the system (the deadline sweep).")
    from_state: str
    to_state: str
    comment: str
    internal: bool = Field(description="Internal notes and marks: never shown to the applicant.")


class ApplicationDetailOut(Schema):
    reference: str
    service: ServiceRefOut
    entity: str
    state: StateOut
    closed_at: datetime | None
    outcome: str = Field(description="`approved`, `rejected` or `withdrawn` once closed, else empty.")
    applicant: PersonOut
    assignee: PersonOut | None
    submitted_at: datetime
    deadlines: DeadlinesOut
    answers: dict = Field(description="The answers as stored (checked and cleaned at submission).")
    history: list[EventOut] = Field(description="Oldest first, internal notes included.")
    actions: list[ActionOut] = Field(description="The workflow actions open to you on this request now.")
    can_claim: bool
    can_assign: bool


class TransitionIn(_TextInput):
    action: str = Field(max_length=40, description="The key of one of the request's `actions`.")
    comment: str = Field("", max_length=TEXT_MAX)
    state: str | None = Field(None, max_length=40, description="The state you last saw; if the request has moved "
                                                               "on since, nothing changes and the answer is 409.")



class AssignIn(_TextInput):
    assignee: str | None = Field(max_length=254, description="A colleague's e-mail address; null for no one.")



class NoteIn(_TextInput):
    text: str = Field(max_length=TEXT_MAX)



# --- building the answers --------------------------------------------------------------


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "email": user.email, "name_ar": user.name_ar, "name_en": user.name_en}


def _service(service) -> dict:
    return {"code": service.code, "name_ar": service.name_ar, "name_en": service.name_en}


def _state(workflow: Workflow | None, key: str) -> dict:
    state = workflow.states.get(key) if workflow else None
    label = state.label if state else {"ar": key, "en": key}
    return {"key": key, "label_ar": label["ar"], "label_en": label["en"]}


def _both(text) -> tuple[str, str]:
    labels = []
    for language in ("ar", "en"):
        with override(language):
            labels.append(str(text))
    return labels[0], labels[1]


def _event(event, workflow: Workflow) -> dict:
    action = workflow.actions.get(event.action)
    if action is not None:
        label_ar, label_en = action.label["ar"], action.label["en"]
    elif event.action in _EVENT_LABELS:
        label_ar, label_en = _both(_EVENT_LABELS[event.action])
    else:
        label_ar = label_en = event.action
    return {"at": event.at, "action": event.action, "label_ar": label_ar, "label_en": label_en,
            "actor": _person(event.actor), "from_state": event.from_state, "to_state": event.to_state,
            "comment": event.comment, "internal": event.internal}


def _detail(request: HttpRequest, application: Application) -> dict:
    user = request.user
    workflow = workflow_of(application)
    now = timezone.now()
    return {
        "reference": application.reference,
        "service": _service(application.service),
        "entity": application.entity.code,
        "state": _state(workflow, application.state),
        "closed_at": application.closed_at,
        "outcome": application.outcome,
        "applicant": _person(application.applicant),
        "assignee": _person(application.assignee),
        "submitted_at": application.submitted_at,
        "deadlines": {"state_due_at": application.state_due_at, "due_at": application.due_at,
                      "sla_breached_at": application.sla_breached_at,
                      "sla": sla_status(application.state_due_at, now)},
        "answers": application.answers,
        "history": [_event(event, workflow) for event in application_history(application=application)],
        "actions": [{"key": a.key, "label_ar": a.label["ar"], "label_en": a.label["en"], "to": a.target,
                     "comment": a.comment}
                    for a in workflow.available_actions(application.state, roles_on(user, application))],
        "can_claim": application.assignee_id != user.pk and application.closed_at is None,
        "can_assign": has_entity_perm(user, application.entity_id, Perm.APPLICATIONS_SUPERVISE),
    }


def _application(request: HttpRequest, reference: str) -> Application:
    # A reference the database cannot even compare (NUL, too long) is as missing as any other.
    if len(reference) > REFERENCE_MAX or not storable_text(reference):
        raise NotFound()
    return access_application(request.user, reference)


def _queue_filters(user, query: QueueQuery, entities) -> QueueFilters | None:
    """The selector's filters for ``query``; None when a filter names nothing in the user's entities."""
    entity_ids = None
    if query.entity:
        # Another entity's code and an unknown one both match nothing (work_queue intersects with the user's).
        entity_ids = tuple(e.id for e in entities if e.code == query.entity)
    service_id = None
    if query.service:
        service_id = queue_services_for(user).filter(code=query.service).values_list("id", flat=True).first()
        if service_id is None:
            return None
    assignee_id = None
    if query.assignee == "me":
        assignee_id = user.pk
    elif query.assignee and query.assignee.isdigit():
        assignee_id = int(query.assignee)
    elif query.assignee and query.assignee != "unassigned":
        member = colleague_by_email(entity_ids=[e.id for e in entities], email=query.assignee)
        if member is None:
            return None
        assignee_id = member.user_id
    return QueueFilters(entity_ids=entity_ids, service_id=service_id, state=query.state,
                        assignee_id=assignee_id, unassigned=query.assignee == "unassigned",
                        breached={"breached": True, "on_time": False}.get(query.sla or ""))


# --- endpoints -----------------------------------------------------------------------------

_READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@backoffice_router.get("/applications", response={200: QueuePageOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
                       operation_id="backoffice_application_list",
                       summary="The work queue: open requests of your entities, soonest deadline first")
def backoffice_application_list(request: HttpRequest, query: Query[QueueQuery]):
    user = request.user
    entities = queue_entities_for(user)
    if not entities:
        raise Forbidden()
    filters = _queue_filters(user, query, entities)
    if filters is None:
        return {"items": [], "next_cursor": None}
    now = timezone.now()
    page = work_queue(user, filters, cursor=query.cursor, limit=query.limit, now=now)
    workflows = workflows_for(user, ids={app.workflow_id for app in page.items})
    codes = {entity.id: entity.code for entity in entities}
    items = [{
        "reference": app.reference,
        "service": _service(app.service),
        "entity": codes[app.entity_id],
        "state": _state(workflows.get(app.workflow_id), app.state),
        "assignee": _person(app.assignee),
        "submitted_at": app.submitted_at,
        "state_due_at": app.state_due_at,
        "due_at": app.due_at,
        "sla": sla_status(app.state_due_at, now),
    } for app in page.items]
    return {"items": items, "next_cursor": page.next_cursor}


@backoffice_router.get("/applications/{reference}", response={200: ApplicationDetailOut, **_READ_ERRORS},
                       operation_id="backoffice_application_get",
                       summary="One request of your entities: answers, history with internal notes, your actions")
def backoffice_application_get(request: HttpRequest, reference: str):
    return _detail(request, _application(request, reference))


@backoffice_router.post("/applications/{reference}/transitions",
                        response={200: ApplicationDetailOut, 409: ErrorOut, **_WRITE_ERRORS},
                        operation_id="backoffice_application_transition",
                        summary="Take a workflow action (approve, reject, ask for information…)")
def backoffice_application_transition(request: HttpRequest, reference: str, body: TransitionIn):
    application = _application(request, reference)
    # ``state``: the state the client last saw; checked under the row lock (409 if someone moved the request).
    application_transition(actor=request.user, application=application, action=body.action, comment=body.comment,
                           expected_state=body.state)
    return _detail(request, access_application(request.user, reference))


@backoffice_router.post("/applications/{reference}/claim", response={200: ApplicationDetailOut, **_WRITE_ERRORS},
                        operation_id="backoffice_application_claim", summary="Assign the request to yourself")
def backoffice_application_claim(request: HttpRequest, reference: str):
    application = _application(request, reference)
    if application.assignee_id != request.user.pk:
        application_assign(actor=request.user, application=application, assignee=request.user)
    return _detail(request, access_application(request.user, reference))


@backoffice_router.post("/applications/{reference}/assign", response={200: ApplicationDetailOut, **_WRITE_ERRORS},
                        operation_id="backoffice_application_assign",
                        summary="Assign the request to a colleague, or to no one (supervisors and admins)")
def backoffice_application_assign(request: HttpRequest, reference: str, body: AssignIn):
    application = _application(request, reference)
    if not has_entity_perm(request.user, application.entity_id, Perm.APPLICATIONS_SUPERVISE):
        raise Forbidden()  # officers claim requests for themselves only
    assignee = None
    if body.assignee:
        member = colleague_by_email(entity_ids=[application.entity_id], email=body.assignee)
        if member is None:
            raise InvalidInput(fields={"assignee": [_("Choose someone who works for this entity.")]})
        assignee = member.user
    application_assign(actor=request.user, application=application, assignee=assignee)
    return _detail(request, access_application(request.user, reference))


@backoffice_router.post("/applications/{reference}/notes", response={201: EventOut, **_WRITE_ERRORS},
                        operation_id="backoffice_application_note_add",
                        summary="Add an internal note (never shown to the applicant)")
def backoffice_application_note_add(request: HttpRequest, reference: str, body: NoteIn):
    application = _application(request, reference)
    event = application_note_add(actor=request.user, application=application, text=body.text)
    return Status(201, _event(event, workflow_of(application)))
