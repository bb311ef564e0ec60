"""Entity-system API (``/api/v1/system/…``, entity API keys): applications, transitions, result documents.

``Authorization: Bearer mk_<prefix>_<secret>``: the key's entity is the scope
of every call (another entity's request is 404 ``not_found``, like a missing
one); a revoked or expired key, a browser session or no key is 401. The
schemas and answer builders are the back-office API's
(``applications/api.py``); what differs is who acts: the key, in the workflow
role it was issued with (``EntityApiKey.role``), recorded by its prefix in the
history's audit event. docs/api.md ("Entity systems") describes the endpoints.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from manassa.applications.api import (
    QUEUE_LIMIT_MAX,
    REFERENCE_MAX,
    ActionOut,
    DeadlinesOut,
    EventOut,
    PersonOut,
    QueueItemOut,
    ServiceRefOut,
    StateOut,
    TransitionIn,
    _cursor_valid,
    _event,
    _person,
    _service,
    _state,
    _TextInput,
)
from manassa.applications.models import Application
from manassa.applications.selectors import QUEUE_PAGE, workflow_of, workflows_by_id
from manassa.applications.selectors_backoffice import application_history, sla_status
from manassa.applications.services import application_transition, roles_on
from manassa.core.api import ErrorOut
from manassa.core.errors import Forbidden, InvalidInput, NotFound, storable_text
from manassa.entities.api import entity_key_auth
from manassa.entities.models import EntityApiKey
from manassa.integrations.selectors import (
    SystemQueueFilters,
    deliveries_of,
    system_application,
    system_applications,
)
from manassa.integrations.services import system_result_add

system_router = Router(tags=["entity systems"], auth=entity_key_auth)

_READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- schemas -------------------------------------------------------------------------------


class SystemQueueQuery(_TextInput):
    status: Literal["open", "closed", "all"] = Field("open", description="`open` (default), `closed` or `all`.")
    service: str | None = Field(None, max_length=40, description="A service code of the entity.")
    state: str | None = Field(None, max_length=40, description="A workflow state key, such as `in_review`.")
    sla: Literal["breached", "on_time"] | None = Field(None, description="`breached`: past the step's deadline.")
    cursor: str | None = Field(None, max_length=80, description="The `next_cursor` of the previous page.")
    limit: int = Field(QUEUE_PAGE, ge=1, le=QUEUE_LIMIT_MAX)

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value):
        if value and not _cursor_valid(value):
            raise PydanticCustomError("invalid_cursor", _("This cursor is not valid; start again from the first page."))
        return value or None


class SystemQueueItemOut(QueueItemOut):
    closed_at: datetime | None
    outcome: str = Field(description="`approved`, `rejected` or `withdrawn` once closed, else empty.")


class SystemQueuePageOut(Schema):
    items: list[SystemQueueItemOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class SystemApplicationOut(Schema):
    reference: str
    service: ServiceRefOut
    entity: str
    state: StateOut
    closed_at: datetime | None
    outcome: str
    applicant: PersonOut
    assignee: PersonOut | None
    submitted_at: datetime
    deadlines: DeadlinesOut
    answers: dict
    history: list[EventOut] = Field(description="Oldest first, internal notes included. An action taken through "
                                                "an API key has no actor.")
    actions: list[ActionOut] = Field(description="The workflow actions open to this key (its role) now; empty "
                                                 "for a read-only key.")


class ResultOut(Schema):
    ref: str
    name: str
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_at: datetime


class AttemptOut(Schema):
    number: int
    at: datetime
    status_code: int | None = Field(description="The receiver's HTTP status; null when it did not answer.")
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    id: int
    event_id: UUID = Field(description="The `Manassa-Event-Id` header and the payload's `id`.")
    type: str
    endpoint: int
    url: str
    status: str = Field(description="`pending`, `retrying`, `sent`, `failed` (not retried) or `dead` (gave up).")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptOut]


class DeliveryPageOut(Schema):
    items: list[DeliveryOut]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page; null on the last.")


class DeliveryQuery(Schema):
    status: Literal["pending", "retrying", "sent", "failed", "dead"] | None = None
    endpoint: int | None = Field(None, ge=1, le=2**31 - 1, description="An endpoint's id.")
    type: str | None = Field(None, max_length=60, description="An event type, such as `application.state_changed`.")
    before: int | None = Field(None, ge=1, le=2**63 - 1, description="The `next_before` of the previous page.")
    limit: int = Field(50, ge=1, le=200)


# --- helpers ---------------------------------------------------------------------------------


def _key(request: HttpRequest) -> EntityApiKey:
    return request.auth


def _write_key(request: HttpRequest) -> EntityApiKey:
    key = _key(request)
    if not key.can_write:
        raise Forbidden()  # a read-only key
    return key


def _application(request: HttpRequest, reference: str) -> Application:
    if len(reference) > REFERENCE_MAX or not storable_text(reference):
        raise NotFound()
    return system_application(entity=_key(request).entity, reference=reference)


def _key_roles(key: EntityApiKey) -> set[str]:
    return {key.role} if key.can_write else set()


def _detail(key: EntityApiKey, application: Application) -> dict:
    workflow = workflow_of(application)
    roles = roles_on(None, application, system_roles=_key_roles(key))
    return {
        "reference": application.reference,
        "service": _service(application.service),
        "entity": key.entity.code,
        "state": _state(workflow, application.state),
        "closed_at": application.closed_at,
        "outcome": application.outcome,
        "applicant": _person(application.applicant),
        "assignee": _person(application.assignee),
        "submitted_at": application.submitted_at,
        "deadlines": {"state_due_at": application.state_due_at, "due_at": application.due_at,
                      "sla_breached_at": application.sla_breached_at,
                      "sla": sla_status(application.state_due_at, timezone.now())},
        "answers": application.answers,
        "history": [_event(event, workflow) for event in application_history(application=application)],
        "actions": [{"key": a.key, "label_ar": a.label["ar"], "label_en": a.label["en"], "to": a.target,
                     "comment": a.comment} for a in workflow.available_actions(application.state, roles)],
    }


# --- endpoints -------------------------------------------------------------------------------


@system_router.get("/applications", response={200: SystemQueuePageOut, 401: ErrorOut, 422: ErrorOut},
                   operation_id="system_application_list",
                   summary="The entity's requests: open ones soonest deadline first; closed ones on request")
def system_application_list(request: HttpRequest, query: Query[SystemQueueQuery]):
    key = _key(request)
    now = timezone.now()
    filters = SystemQueueFilters(status=query.status, service_code=query.service, state=query.state,
                                 breached={"breached": True, "on_time": False}.get(query.sla or ""))
    page = system_applications(entity=key.entity, filters=filters, cursor=query.cursor, limit=query.limit, now=now)
    workflows = workflows_by_id({app.workflow_id for app in page.items})
    items = [{
        "reference": app.reference,
        "service": _service(app.service),
        "entity": key.entity.code,
        "state": _state(workflows.get(app.workflow_id), app.state),
        "assignee": _person(app.assignee),
        "submitted_at": app.submitted_at,
        "state_due_at": app.state_due_at,
        "due_at": app.due_at,
        "sla": sla_status(app.state_due_at, now),
        "closed_at": app.closed_at,
        "outcome": app.outcome,
    } for app in page.items]
    return {"items": items, "next_cursor": page.next_cursor}


@system_router.get("/applications/{reference}", response={200: SystemApplicationOut, **_READ_ERRORS},
                   operation_id="system_application_get",
                   summary="One request of the entity: answers, history, the actions open to this key")
def system_application_get(request: HttpRequest, reference: str):
    return _detail(_key(request), _application(request, reference))


@system_router.post("/applications/{reference}/transitions", response={200: SystemApplicationOut, **_WRITE_ERRORS},
                    operation_id="system_application_transition",
                    summary="Take a workflow action in the key's role (a key with write access)")
def system_application_transition(request: HttpRequest, reference: str, body: TransitionIn):
    key = _write_key(request)
    application = _application(request, reference)
    application_transition(actor=None, application=application, action=body.action, comment=body.comment,
                           expected_state=body.state, system_roles=_key_roles(key), via=key.prefix)
    return _detail(key, _application(request, reference))


@system_router.post("/applications/{reference}/results", response={201: ResultOut, **_WRITE_ERRORS},
                    operation_id="system_application_result_add",
                    summary="Upload a result document (PDF or image) for the applicant (a key with write access)")
def system_application_result_add(request: HttpRequest, reference: str, file: File[UploadedFile],
                                  description: Form[str] = ""):
    key = _write_key(request)
    application = _application(request, reference)
    if len(description) > 200 or not storable_text(description):
        raise InvalidInput(fields={"description": [_("Use up to 200 characters.")]})
    document = system_result_add(key=key, application=application, upload=file, description=description)
    return Status(201, {"ref": document.ref, "name": document.name, "content_type": document.content_type,
                        "size": document.size, "sha256": document.sha256, "description": document.description,
                        "uploaded_at": document.uploaded_at})


@system_router.get("/webhooks/deliveries", response={200: DeliveryPageOut, 401: ErrorOut, 422: ErrorOut},
                   operation_id="system_webhook_deliveries",
                   summary="The entity's webhook delivery log, newest first, with every attempt")
def system_webhook_deliveries(request: HttpRequest, query: Query[DeliveryQuery]):
    rows, next_before = deliveries_of(entity=_key(request).entity, status=query.status, endpoint_id=query.endpoint,
                                      kind=query.type, before=query.before, limit=query.limit)
    items = [{
        "id": d.id, "event_id": d.event_id, "type": d.kind, "endpoint": d.endpoint_id, "url": d.endpoint.url,
        "status": d.status, "attempts": d.attempts, "next_attempt_at": d.next_attempt_at,
        "last_status_code": d.last_status_code, "last_error": d.last_error, "created_at": d.created_at,
        "delivered_at": d.delivered_at,
        "attempt_log": [{"number": a.number, "at": a.at, "status_code": a.status_code, "error": a.error,
                         "duration_ms": a.duration_ms} for a in d.attempt_log.all()],
    } for d in rows]
    return {"items": items, "next_before": next_before}

