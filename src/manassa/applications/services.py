"""Writes of service delivery: publishing forms and workflows, applying, and the one transition function."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manassa.accounts.permissions import Perm, entity_role, has_entity_perm
from manassa.applications.documents import answer_documents_check
from manassa.applications.formdefs import FormDefinition, answers_validate, definition_validate, prefill
from manassa.applications.models import (
    DRAFT_STATE,
    Application,
    ApplicationEvent,
    DefinitionStatus,
    Notice,
    Rating,
    RatingScore,
    ReferenceSequence,
    ServiceForm,
    ServiceWorkflow,
)
from manassa.applications.selectors import form_of, published_definitions, workflow_of
from manassa.applications.workflow import TransitionNotAllowed, Workflow, parse_workflow
from manassa.audit.services import audit_record
from manassa.core.errors import Forbidden, InvalidInput
from manassa.core.events import DomainEvent, emit
from manassa.worktime.hours import add_working_time
from manassa.worktime.selectors import calendar_for


def _publish(model, *, actor, service, definition: dict):
    latest = model.objects.select_for_update().filter(service=service)
    version = (latest.aggregate(v=Max("version"))["v"] or 0) + 1
    latest.filter(status=DefinitionStatus.PUBLISHED).update(status=DefinitionStatus.SUPERSEDED)
    row = model.objects.create(service=service, version=version, definition=definition, created_by=actor,
                               status=DefinitionStatus.PUBLISHED, published_at=timezone.now())
    audit_record(actor=actor, action=f"applications.{model._meta.model_name}.published", obj=row,
                 entity_code=service.entity.code, changes={"service": service.code, "version": version})
    return row


@transaction.atomic
def service_form_publish(*, actor, service, definition: dict) -> ServiceForm:
    """A new version of the service's form; requests already made keep theirs."""
    definition_validate(definition)
    return _publish(ServiceForm, actor=actor, service=service, definition=definition)


@transaction.atomic
def service_workflow_publish(*, actor, service, definition: dict) -> ServiceWorkflow:
    parse_workflow(definition)
    return _publish(ServiceWorkflow, actor=actor, service=service, definition=definition)


def reference_next(*, year: int | None = None) -> str:
    """The next reference number, ``<prefix>-<year>-<sequence>``, unique however many submit at once.

    On PostgreSQL a database sequence per prefix and year gives the number
    without holding a lock until the submission commits (a rolled-back
    submission leaves a gap). SQLite has one writer at a time anyway: there a
    row of ``ReferenceSequence`` is locked and incremented in the transaction.
    """
    prefix = settings.MANASSA_REFERENCE_PREFIX
    year = year or timezone.localdate().year
    if connection.vendor == "postgresql":
        return f"{prefix}-{year}-{_sequence_next(prefix, year):06d}"
    ReferenceSequence.objects.bulk_create([ReferenceSequence(prefix=prefix, year=year)], ignore_conflicts=True)
    sequence = ReferenceSequence.objects.select_for_update().get(prefix=prefix, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{prefix}-{year}-{sequence.last:06d}"


# Sequences this process has used: the usual path is then one plain nextval.
_sequences_seen: set[str] = set()


def _sequence_next(prefix: str, year: int) -> int:
    name = "manassa_ref_" + "".join(ch for ch in prefix.lower() if ch.isascii() and ch.isalnum()) + f"_{year}"
    if name not in _sequences_seen:
        _sequence_make(name)
        _sequences_seen.add(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [name])
        return cursor.fetchone()[0]


def _sequence_make(name: str) -> None:
    """Create the sequence on a connection of its own, committed at once.

    Made inside the submitting transaction, it would stay invisible to every
    other submission until that one commits, and they would all try to make it.
    """
    from django.db import connections

    own = connections.create_connection(connection.alias)
    try:
        own.set_autocommit(True)
        # DatabaseError: made at the same moment by another process.
        with own.cursor() as cursor, contextlib.suppress(DatabaseError):
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name}")  # noqa: S608 - built from letters and digits
    finally:
        own.close()


@transaction.atomic
def application_start(*, actor, service) -> Application:
    """A draft for ``service``, prefilled from the person's profile."""
    definitions = published_definitions(service)
    if definitions is None:
        raise InvalidInput(_("This service cannot be applied for online yet."), code="not_available_online")
    form, workflow = definitions
    application = Application.objects.create(
        service=service, entity=service.entity, applicant=actor, form=form, workflow=workflow,
        answers=prefill(form.definition, actor),
    )
    audit_record(actor=actor, action="application.started", obj=application, entity_code=service.entity.code,
                 changes={"service": service.code})
    return application


def _locked(application: Application) -> Application:
    # Lock the application only: FOR UPDATE would otherwise also lock the joined service,
    # entity and definitions, and every request for the same service would queue behind one.
    # Only the entity is joined (every change names it): the parsed form and workflow are cached per process
    # by id (``form_of``, ``workflow_of``), and the rarer paths that need the service or the applicant load
    # them. Each join costs the planner and the row decoding more than the occasional extra query.
    return Application.objects.select_for_update(of=("self",)).select_related("entity").get(pk=application.pk)


def _workflow(application: Application) -> Workflow:
    return workflow_of(application)


def _form(application: Application) -> FormDefinition:
    return form_of(application)


@transaction.atomic
def application_answers_save(*, actor, application: Application, answers: dict) -> Application:
    """Keep what the person typed so far; checked in full only when they submit or respond."""
    application = _locked(application)
    if application.applicant_id != actor.pk:
        raise Forbidden()
    waiting = application.state != DRAFT_STATE and _workflow(application).states[application.state].waiting_for
    if application.state != DRAFT_STATE and waiting != "customer":
        raise InvalidInput(_("This request can no longer be changed."), code="not_editable")
    application.answers = {**application.answers, **answers}
    application.save(update_fields=["answers", "updated_at"])
    return application


def _deadlines(application: Application, workflow: Workflow, *, now, whole_request: bool) -> None:
    calendar = calendar_for(application.entity.calendar_code)
    state = workflow.states[application.state]
    if state.terminal or state.waiting_for == "customer" or not state.sla_hours:
        application.state_due_at = None
    else:
        application.state_due_at = add_working_time(calendar, now, timedelta(hours=state.sla_hours))
    if whole_request and workflow.sla_hours:
        application.due_at = add_working_time(calendar, now, timedelta(hours=workflow.sla_hours))


def _emit(kind: str, application: Application, actor, **data) -> None:
    """Tell the rest of the platform (notifications, webhooks) in this transaction; see ``core/events.py``."""
    emit(DomainEvent(kind=kind, entity_code=application.entity.code, subject=application, actor=actor,
                     data={"reference": application.reference, "state": application.state, **data}))


@transaction.atomic
def application_submit(*, actor, application: Application) -> Application:
    """Check every answer, give the reference number and hand the request to the entity."""
    application = _locked(application)
    if application.applicant_id != actor.pk:
        raise Forbidden()
    if application.state != DRAFT_STATE:
        raise InvalidInput(_("This request was already submitted."), code="already_submitted")
    application.answers = answers_validate(_form(application), application.answers)
    answer_documents_check(application, application.answers)
    workflow = _workflow(application)
    now = timezone.now()
    application.reference = reference_next()
    application.state = workflow.initial
    application.submitted_at = now
    _deadlines(application, workflow, now=now, whole_request=True)
    application.save(update_fields=["answers", "reference", "state", "submitted_at", "state_due_at", "due_at",
                                    "updated_at"])
    ApplicationEvent.objects.create(application=application, actor=actor, action="submit",
                                    from_state=DRAFT_STATE, to_state=application.state)
    _emit("application.submitted", application, actor)
    # Last, so the audit chain's lock is held only until the commit that follows.
    audit_record(actor=actor, action="application.submitted", obj=application,
                 entity_code=application.entity.code, changes={"reference": application.reference})
    return application


def roles_on(actor, application: Application, *, system_roles=None) -> set[str]:
    """The workflow roles ``actor`` holds on this application: the applicant, and their entity role.

    ``actor=None`` is a system: the platform itself (``{"system"}``), or an entity's own system acting
    through an API key with the roles the key was given (``system_roles``).
    """
    if actor is None:
        return set(system_roles) if system_roles is not None else {"system"}
    roles = set()
    if application.applicant_id == actor.pk:
        roles.add("customer")
    role = entity_role(actor, application.entity_id)
    if role:
        roles.add(role)
    return roles


@transaction.atomic
def application_transition(*, actor, application: Application, action: str, comment: str = "",
                           expected_state: str | None = None, system_roles=None, via: str = "") -> Application:
    """The one way an application changes state.

    Checks the action against the workflow, this state and the person's
    roles; locks the row, so two officers acting at once get one transition
    and a conflict for the other (``expected_state``: the state the person saw,
    so an action possible from two states is not taken from the wrong one);
    writes the history, the audit event, the
    deadlines and the applicant's notice — all in one transaction.
    ``actor=None`` with ``system_roles``: an entity's system (an API key) acting in those roles; ``via``
    names it (the key's prefix) in the event and the audit record.
    """
    application = _locked(application)
    workflow = _workflow(application)
    if application.state == DRAFT_STATE:
        raise InvalidInput(_("Submit the request first."), code="not_submitted")
    if expected_state is not None and application.state != expected_state:
        # The caller acted on a page (or a read) older than the request: checked under the lock.
        raise TransitionNotAllowed()
    roles = roles_on(actor, application, system_roles=system_roles)
    step = workflow.check(application.state, action, roles)
    comment = (comment or "").strip()
    if step.comment == "required" and not comment:
        raise InvalidInput(fields={"comment": [_("Add a comment for this action.")]})
    leaving = workflow.states[application.state]
    if leaving.waiting_for == "customer" and "customer" in roles:
        # The applicant answered a request for information: their answers must be complete again.
        application.answers = answers_validate(_form(application), application.answers)
        answer_documents_check(application, application.answers)
    before = application.state
    now = timezone.now()
    application.state = step.target
    target = workflow.states[step.target]
    if target.terminal:
        application.closed_at = now
        application.outcome = target.outcome or ""
    application.sla_breached_at = None  # a new step, a new deadline
    _deadlines(application, workflow, now=now, whole_request=False)
    application.save()
    ApplicationEvent.objects.create(application=application, actor=actor, action=step.key,
                                    from_state=before, to_state=application.state, comment=comment)
    via_data = {"via": via} if via else {}
    _emit("application.state_changed", application, actor, action=step.key, from_state=before,
          to_state=application.state, outcome=application.outcome, closed=target.terminal, **via_data)
    audit_record(actor=actor, action=f"application.{step.key}", obj=application,
                 entity_code=application.entity.code,
                 changes={"reference": application.reference, "state": [before, application.state], **via_data})
    return application


@transaction.atomic
def application_note_add(*, actor, application: Application, text: str) -> ApplicationEvent:
    """An internal note of the entity's staff, never shown to the applicant."""
    if not entity_role(actor, application.entity_id):
        raise Forbidden()
    text = (text or "").strip()
    if not text:
        raise InvalidInput(fields={"text": [_("Write the note.")]})
    event = ApplicationEvent.objects.create(application=application, actor=actor, action="note",
                                            from_state=application.state, to_state=application.state,
                                            comment=text, internal=True)
    audit_record(actor=actor, action="application.note", obj=application, entity_code=application.entity.code,
                 changes={"reference": application.reference})
    return event


@transaction.atomic
def application_assign(*, actor, application: Application, assignee) -> Application:
    """Claim (assignee = actor) or, for supervisors and admins, assign to a colleague of the same entity."""
    application = _locked(application)
    if not entity_role(actor, application.entity_id):
        raise Forbidden()
    if (assignee is None or assignee.pk != actor.pk) and not has_entity_perm(
            actor, application.entity_id, Perm.APPLICATIONS_SUPERVISE):
        raise Forbidden()  # officers claim requests for themselves only
    if application.closed_at is not None:
        raise InvalidInput(_("This request is closed."), code="closed")
    if assignee is not None and not entity_role(assignee, application.entity_id):
        raise InvalidInput(fields={"assignee": [_("Choose someone who works for this entity.")]})
    before = application.assignee_id
    application.assignee = assignee
    application.save(update_fields=["assignee", "updated_at"])
    audit_record(actor=actor, action="application.assigned", obj=application, entity_code=application.entity.code,
                 changes={"reference": application.reference, "assignee": [before, getattr(assignee, "pk", None)]})
    return application


def application_sla_sweep(*, now=None) -> int:
    """Mark the applications whose step is overdue, and alert the workflow's escalation role.

    Safe to run as often as wanted: an application is marked once per step
    (the mark is cleared when it moves on). Returns how many were marked.
    """
    now = now or timezone.now()
    marked = 0
    overdue = (Application.objects.filter(closed_at__isnull=True, sla_breached_at__isnull=True,
                                          state_due_at__lt=now).values_list("pk", flat=True))
    for pk in list(overdue[:1000]):
        with transaction.atomic():
            application = (Application.objects.select_for_update(skip_locked=True).select_related("entity", "workflow")
                           .filter(pk=pk, sla_breached_at__isnull=True, state_due_at__lt=now).first())
            if application is None:
                continue  # moved on, or another sweep has it
            application.sla_breached_at = now
            application.save(update_fields=["sla_breached_at", "updated_at"])
            workflow = _workflow(application)
            ApplicationEvent.objects.create(application=application, action="sla_breached", internal=True,
                                            from_state=application.state, to_state=application.state)
            _emit("application.sla_breached", application, None, escalation_role=workflow.escalation_role or "")
            audit_record(actor=None, action="application.sla_breached", obj=application,
                         entity_code=application.entity.code,
                         changes={"reference": application.reference, "state": application.state})
            marked += 1
    return marked


@transaction.atomic
def application_rate(*, actor, application: Application, score: int, comment: str = "") -> Rating:
    """The applicant rates a completed request, once (three faces and an optional comment)."""
    application = _locked(application)
    if application.applicant_id != actor.pk:
        raise Forbidden()
    if application.closed_at is None:
        raise InvalidInput(_("You can rate the service once your request is complete."), code="not_complete")
    if Rating.objects.filter(application=application).exists():
        raise InvalidInput(_("You have already rated this request. Thank you."), code="already_rated")
    if score not in RatingScore.values:
        raise InvalidInput(fields={"score": [_("Choose one of the three faces.")]})
    rating = Rating.objects.create(application=application, service=application.service, entity=application.entity,
                                   score=score, comment=(comment or "").strip()[:2000])
    audit_record(actor=actor, action="application.rated", obj=application, entity_code=application.entity.code,
                 changes={"reference": application.reference, "score": score})
    return rating


@transaction.atomic
def notices_mark_read(*, actor, application: Application) -> int:
    """Mark the person's unread notices about ``application`` as read; returns how many changed.

    Only the person's own notices change (scoped by ``user``), so a forged
    application id marks nothing of anyone else's. Not audited: it changes
    nothing of the request, only what the person has seen.
    """
    return (Notice.objects.filter(user=actor, application=application, read_at__isnull=True)
            .update(read_at=timezone.now()))
