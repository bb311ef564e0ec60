"""Writes of cases: reporting, the one transition function, routing, merging, rating and the SLA sweep.

Every write locks the case row, writes the history (``CaseEvent``), emits a
``case.*`` domain event (notifications and webhooks react to it) and appends
the audit event — in one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from manassa.accounts.permissions import Perm, entity_role, has_entity_perm, has_platform_perm
from manassa.audit.services import audit_record
from manassa.complaints.models import (
    ACTIVE_STATES,
    OPEN_STATES,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseKind,
    CaseRating,
    CaseSequence,
    CaseState,
    Category,
)
from manassa.core.errors import Conflict, Forbidden, InvalidInput, NotFound, storable_text
from manassa.core.events import DomainEvent, emit
from manassa.core.files import JPEG, PDF, PNG, WEBP, safe_file_name, sniff_content_type, type_names
from manassa.worktime.defaults import SHARJAH
from manassa.worktime.hours import add_working_time, working_time_between
from manassa.worktime.selectors import calendar_for

ATTACHMENT_TYPES = (PDF, PNG, JPEG, WEBP)
MAX_ATTACHMENTS = 5
# Loosely the United Arab Emirates (with a margin): a point outside is a typing mistake, not a report.
UAE_BOUNDS = {"lat": (22.0, 26.6), "long": (51.0, 56.6)}
DEFAULT_SLA_HOURS = {CaseKind.COMPLAINT: 40, CaseKind.SUGGESTION: 80, CaseKind.COMPLIMENT: 16,
                     CaseKind.ENQUIRY: 16}


# --- settings (all optional) -----------------------------------------------------------------


def sla_hours_for(kind: str, category: Category | None) -> int:
    """Working hours to resolve a case of ``kind``: the category's, else MANASSA_CASE_SLA_HOURS, else the default."""
    if category is not None and category.sla_hours.get(kind):
        return int(category.sla_hours[kind])
    defaults = {**DEFAULT_SLA_HOURS, **getattr(settings, "MANASSA_CASE_SLA_HOURS", {})}
    return int(defaults.get(kind, 40))


def ack_hours() -> int:
    return int(getattr(settings, "MANASSA_CASE_ACK_HOURS", 8))


def escalation_hours() -> int:
    """Working hours after the supervisors are alerted before the Digital Office is."""
    return int(getattr(settings, "MANASSA_CASE_ESCALATION_HOURS", 16))


def reopen_days() -> int:
    return int(getattr(settings, "MANASSA_CASE_REOPEN_DAYS", 14))


def attachment_max_size() -> int:
    return int(getattr(settings, "MANASSA_DOCUMENT_MAX_SIZE", 10 * 1024 * 1024))


# --- helpers -------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def reference_next(*, year: int | None = None) -> str:
    """``<prefix>-FB-<year>-<number>``; the year's row is locked, so numbers never repeat."""
    year = year or timezone.localdate().year
    CaseSequence.objects.bulk_create([CaseSequence(year=year)], ignore_conflicts=True)
    sequence = CaseSequence.objects.select_for_update().get(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{settings.MANASSA_REFERENCE_PREFIX}-FB-{year}-{sequence.last:06d}"


def _calendar(case: Case):
    return calendar_for(case.entity.calendar_code if case.entity_id else SHARJAH)


def _set_deadlines(case: Case, now, *, remaining: timedelta | None = None) -> None:
    """Resolution deadline (and reminder) in working time from ``now``; acknowledgement too when new."""
    if case.entity_id is None:
        case.ack_due_at = case.due_at = case.remind_at = None
        return
    calendar = _calendar(case)
    total = timedelta(hours=sla_hours_for(case.kind, case.category))
    left = remaining if remaining is not None else total
    case.due_at = add_working_time(calendar, now, left)
    # A reminder to the entity when a quarter of the time is left.
    case.remind_at = add_working_time(calendar, now, left - total / 4) if left > total / 4 else None
    case.reminded_at = None
    if case.state in (CaseState.NEW, CaseState.REOPENED):
        case.ack_due_at = add_working_time(calendar, now, timedelta(hours=ack_hours()))
    case.sla_remaining_seconds = None


def _emit(kind: str, case: Case, actor, **data) -> None:
    emit(DomainEvent(kind=kind, entity_code=case.entity.code if case.entity_id else "", subject=case, actor=actor,
                     data={"reference": case.reference, "kind": case.kind, "state": case.state, **data}))


def _audit(actor, action: str, case: Case, **changes) -> None:
    audit_record(actor=actor, action=action, obj=case, entity_code=case.entity.code if case.entity_id else "",
                 changes={"reference": case.reference, **changes})


def _locked(case: Case) -> Case:
    return (Case.objects.select_for_update(of=("self",)).select_related("entity", "category")
            .get(pk=case.pk))


def _text(value: str, field: str, *, required: bool, limit: int = 5000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(fields={field: [_("This field is required.")]})
    if len(value) > limit:
        raise InvalidInput(fields={field: [_("Write at most %(limit)d characters.") % {"limit": limit}]})
    if not storable_text(value):
        raise InvalidInput(fields={field: [_("Remove the characters that cannot be stored.")]})
    return value


def coordinates_check(lat, long) -> tuple[float | None, float | None]:
    """Both or neither; numbers within the UAE (loosely). ``InvalidInput`` otherwise."""
    if lat in (None, "") and long in (None, ""):
        return None, None
    try:
        lat, long = float(lat), float(long)
    except (TypeError, ValueError):
        raise InvalidInput(fields={"lat": [_("Give both latitude and longitude as numbers, or neither.")]}) from None
    if not (UAE_BOUNDS["lat"][0] <= lat <= UAE_BOUNDS["lat"][1]
            and UAE_BOUNDS["long"][0] <= long <= UAE_BOUNDS["long"][1]):
        raise InvalidInput(fields={"lat": [_("The location must be in the United Arab Emirates.")]})
    return round(lat, 6), round(long, 6)


def _check_upload(upload) -> str:
    size = upload.size
    if not size:
        raise InvalidInput(fields={"attachments": [_("The file is empty.")]})
    if size > attachment_max_size():
        raise InvalidInput(fields={"attachments": [_("The file must be %(limit)s or smaller.") % {
            "limit": filesizeformat(attachment_max_size())}]})
    content_type = sniff_content_type(upload)
    if content_type not in ATTACHMENT_TYPES:
        raise InvalidInput(fields={"attachments": [
            _("This file is not one of the accepted types (%(types)s), or it is damaged.") % {
                "types": type_names(ATTACHMENT_TYPES)}]})
    return content_type


def _attachment_store(*, actor, case: Case, upload, content_type: str, by_reporter: bool) -> CaseAttachment:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = CaseAttachment(case=case, ref=uuid.uuid4().hex, content_type=content_type, size=upload.size,
                                name=safe_file_name(getattr(upload, "name", ""), content_type=content_type),
                                sha256=digest.hexdigest(), by_reporter=by_reporter,
                                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
                                uploaded_at=timezone.now())
    attachment.file.save(attachment.ref, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


def _actor_user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- reporting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    case: Case
    token: str  # the tracking token: shown once, e-mailed, stored only as a hash


@transaction.atomic
def case_submit(*, actor, kind: str, description: str, category: Category | None = None, entity=None,
                service=None, application=None, address: str = "", lat=None, long=None, contact_name: str = "",
                contact_email: str = "", contact_phone: str = "", attributes: dict | None = None, uploads=(),
                media_url: str = "", channel: str = "portal") -> Submitted:
    """Record a case and route it: category → its entity and team; service or request → their entity;
    an entity alone → that entity; nothing → the Digital Office's triage.

    ``actor`` is the signed-in reporter, or None (anonymous, with or without contact details).
    """
    reporter = _actor_user(actor)
    errors: dict[str, list] = {}
    if kind not in CaseKind.values:
        errors["kind"] = [_("Choose what you want to tell us.")]
    try:
        description = _text(description, "description", required=True)
        address = _text(address, "address", required=False, limit=300)
        contact_name = _text(contact_name, "contact_name", required=False, limit=200)
        contact_phone = _text(contact_phone, "contact_phone", required=False, limit=32)
    except InvalidInput as exc:
        errors.update(exc.fields)
    contact_email = (contact_email or "").strip()
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            errors["contact_email"] = [_("Enter a valid e-mail address.")]
    media_url = (media_url or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            errors["media_url"] = [_("Enter a valid web address.")]
    try:
        lat, long = coordinates_check(lat, long)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if application is not None and (reporter is None or application.applicant_id != reporter.pk):
        errors["application"] = [_("Choose one of your requests.")]
    if category is not None:
        if not category.is_active:
            errors["category"] = [_("Choose a category.")]
        elif category.kinds and kind not in category.kinds:
            errors["category"] = [_("This category does not take this kind of case.")]
    uploads = [u for u in uploads if u]
    if len(uploads) > MAX_ATTACHMENTS:
        errors["attachments"] = [_("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS}]
    content_types = []
    if "attachments" not in errors:
        for upload in uploads:
            try:
                content_types.append(_check_upload(upload))
            except InvalidInput as exc:
                errors.update(exc.fields)
                break
    if errors:
        raise InvalidInput(fields=errors)

    # Routing: the most precise choice wins, and must agree with the others.
    if application is not None:
        service = service or application.service
        entity = entity or application.entity
    if service is not None:
        entity = entity or service.entity
    if category is not None:
        if entity is not None and entity.pk != category.entity_id:
            raise InvalidInput(fields={"category": [_("This category belongs to another entity.")]})
        entity = category.entity
    if service is not None and entity is not None and service.entity_id != entity.pk:
        raise InvalidInput(fields={"service": [_("This service belongs to another entity.")]})
    if entity is not None and not entity.is_active:
        entity = None

    token = secrets.token_urlsafe(32)
    now = timezone.now()
    case = Case(reference=reference_next(), tracking_token_hash=token_hash(token), kind=kind, entity=entity,
                category=category, team=category.team if category else "", service=service, application=application,
                description=description, attributes=attributes or {}, address=address, lat=lat, long=long,
                media_url=media_url, contact_name=contact_name, contact_email=contact_email,
                contact_phone=contact_phone, reporter=reporter, channel=channel, state=CaseState.NEW)
    if channel.startswith("open311"):
        case.open311_token = uuid.uuid4().hex
    _set_deadlines(case, now)
    case.save()
    for upload, content_type in zip(uploads, content_types, strict=True):
        _attachment_store(actor=reporter, case=case, upload=upload, content_type=content_type, by_reporter=True)
    CaseEvent.objects.create(case=case, actor=reporter, by_reporter=True, action="submitted",
                             to_state=case.state)
    if entity is None:
        CaseEvent.objects.create(case=case, action="triage", internal=True, to_state=case.state)
    _emit("case.created", case, reporter, routed=entity is not None, channel=channel,
          category=category.code if category else "")
    if contact_email and reporter is None:
        from manassa.complaints.tasks import case_tracking_email_send

        case_tracking_email_send.enqueue(case.pk, token, get_language() or settings.LANGUAGE_CODE)
    _audit(reporter, "case.created", case, kind=kind, channel=channel, routed=entity is not None)
    return Submitted(case=case, token=token)


# --- the one transition function ----------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    key: str
    sources: tuple[str, ...]
    target: str | None  # None: the state does not change
    by: str  # "staff" or "reporter"
    comment: str  # "required" / "optional"
    label: str


ACTIONS: dict[str, Action] = {a.key: a for a in (
    Action("acknowledge", (CaseState.NEW, CaseState.REOPENED), CaseState.ACKNOWLEDGED, "staff", "optional",
           _("Acknowledge")),
    Action("start", (CaseState.NEW, CaseState.ACKNOWLEDGED, CaseState.REOPENED), CaseState.IN_PROGRESS, "staff",
           "optional", _("Start work")),
    Action("respond", OPEN_STATES, None, "staff", "required", _("Send a reply")),
    Action("request_info", OPEN_STATES, CaseState.AWAITING_INFO, "staff", "required", _("Ask for information")),
    Action("resolve", ACTIVE_STATES, CaseState.RESOLVED, "staff", "required", _("Resolve")),
    Action("provide_info", (CaseState.AWAITING_INFO,), CaseState.IN_PROGRESS, "reporter", "required",
           _("Send the information")),
    Action("reopen", (CaseState.RESOLVED,), CaseState.REOPENED, "reporter", "required", _("Reopen")),
    Action("close", (CaseState.RESOLVED,), CaseState.CLOSED, "staff", "optional", _("Close")),
)}


def is_case_staff(actor, case: Case) -> bool:
    return bool(case.entity_id and actor is not None and getattr(actor, "is_authenticated", False)
                and entity_role(actor, case.entity_id))


def is_reporter(actor, case: Case) -> bool:
    return bool(case.reporter_id and getattr(actor, "is_authenticated", False) and actor.pk == case.reporter_id)


def actions_for(case: Case, *, staff: bool) -> list[Action]:
    by = "staff" if staff else "reporter"
    now = timezone.now()
    found = []
    for action in ACTIONS.values():
        if action.by != by or case.state not in action.sources:
            continue
        if action.key == "reopen" and not (case.reopen_until and now <= case.reopen_until):
            continue
        found.append(action)
    return found


@transaction.atomic
def case_transition(*, actor, case: Case, action: str, comment: str = "", expected_state: str | None = None,
                    as_reporter: bool = False, uploads=()) -> Case:
    """The one way a case changes state (and how the entity replies).

    Staff actions need an entity role on the case's entity. Reporter actions
    need ``as_reporter=True``: the caller proved the person is the reporter
    (signed in as the reporter, or holding the tracking token) — a signed-in
    actor who is not the reporter is refused here as well.
    """
    case = _locked(case)
    step = ACTIONS.get(action)
    if step is None:
        raise InvalidInput(_("This action is not possible now."), code="transition_not_allowed")
    if step.by == "staff":
        if not is_case_staff(actor, case):
            raise Forbidden()
    else:
        if not as_reporter or (case.reporter_id and not is_reporter(actor, case)):
            raise Forbidden()
    if expected_state is not None and case.state != expected_state:
        raise Conflict(_("The case changed in the meantime. Reload the page and try again."),
                       code="transition_not_allowed")
    if case.state not in step.sources:
        raise InvalidInput(_("This action is not possible now."), code="transition_not_allowed")
    now = timezone.now()
    if step.key == "reopen" and not (case.reopen_until and now <= case.reopen_until):
        raise InvalidInput(_("The time to reopen this case has passed."), code="reopen_expired")
    comment = _text(comment, "comment", required=step.comment == "required", limit=4000)
    uploads = [u for u in uploads if u]
    content_types = [_check_upload(u) for u in uploads[:MAX_ATTACHMENTS]]

    before = case.state
    user = _actor_user(actor)
    if step.target is not None:
        case.state = step.target
    if step.key in ("acknowledge", "start"):
        case.ack_due_at = None
        if step.key == "start" and case.assignee_id is None and user is not None:
            case.assignee = user
    elif step.key == "respond":
        case.response = comment
        case.ack_due_at = None
    elif step.key == "request_info":
        case.ack_due_at = None
        if case.due_at:
            left = working_time_between(_calendar(case), now, case.due_at)
            case.sla_remaining_seconds = max(0, int(left.total_seconds()))
        case.due_at = case.remind_at = None
    elif step.key == "provide_info":
        remaining = (timedelta(seconds=case.sla_remaining_seconds) if case.sla_remaining_seconds is not None
                     else None)
        _set_deadlines(case, now, remaining=remaining)
    elif step.key == "resolve":
        case.resolution = comment
        case.resolved_at = now
        case.ack_due_at = None
        case.reopen_until = now + timedelta(days=reopen_days())
    elif step.key == "reopen":
        case.reopen_count += 1
        case.resolved_at = case.reopen_until = None
        case.sla_breached_at = None
        case.escalation_level = 0
        case.escalate_again_at = None
        _set_deadlines(case, now)
    elif step.key == "close":
        case.closed_at = now
    case.save()
    CaseEvent.objects.create(case=case, actor=user, by_reporter=step.by == "reporter", action=step.key,
                             from_state=before, to_state=case.state, comment=comment)
    for upload, content_type in zip(uploads, content_types, strict=False):
        _attachment_store(actor=user, case=case, upload=upload, content_type=content_type,
                          by_reporter=step.by == "reporter")
    _emit("case.state_changed", case, user, action=step.key, from_state=before, to_state=case.state)
    _audit(user, f"case.{step.key}", case, state=[before, case.state])
    return case


# --- handling ----------------------------------------------------------------------------


@transaction.atomic
def case_assign(*, actor, case: Case, assignee) -> Case:
    """Claim (assignee = actor) or, for supervisors and admins, assign to a colleague of the same entity."""
    case = _locked(case)
    if not is_case_staff(actor, case):
        raise Forbidden()
    if (assignee is None or assignee.pk != actor.pk) and not has_entity_perm(
            actor, case.entity_id, Perm.APPLICATIONS_SUPERVISE):
        raise Forbidden()
    if case.state not in ACTIVE_STATES:
        raise InvalidInput(_("This case is no longer open."), code="closed")
    if assignee is not None and not entity_role(assignee, case.entity_id):
        raise InvalidInput(fields={"assignee": [_("Choose someone who works for this entity.")]})
    before = case.assignee_id
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    CaseEvent.objects.create(case=case, actor=actor, action="assigned", internal=True, from_state=case.state,
                             to_state=case.state, data={"assignee": getattr(assignee, "pk", None)})
    _emit("case.assigned", case, actor, assignee=getattr(assignee, "pk", None))
    _audit(actor, "case.assigned", case, assignee=[before, getattr(assignee, "pk", None)])
    return case


@transaction.atomic
def case_note_add(*, actor, case: Case, text: str) -> CaseEvent:
    """An internal note of the entity's staff (or the Digital Office), never shown to the reporter."""
    if not (is_case_staff(actor, case) or has_platform_perm(actor, Perm.ENTITIES_MANAGE)):
        raise Forbidden()
    text = _text(text, "text", required=True, limit=4000)
    event = CaseEvent.objects.create(case=case, actor=actor, action="note", internal=True, comment=text,
                                     from_state=case.state, to_state=case.state)
    _audit(actor, "case.note", case)
    return event


def may_transfer(actor, case: Case) -> bool:
    """Supervisors and admins of the case's entity, and Digital Office administrators (who also triage)."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if has_platform_perm(actor, Perm.ENTITIES_MANAGE):
        return True
    return bool(case.entity_id and has_entity_perm(actor, case.entity_id, Perm.APPLICATIONS_SUPERVISE))


@transaction.atomic
def case_transfer(*, actor, case: Case, entity, category: Category | None = None, reason: str = "") -> Case:
    """Route a case to ``entity`` (triage by the Digital Office) or transfer it there with a reason.

    The case starts again as new at the other entity, with its deadlines in that entity's calendar.
    """
    case = _locked(case)
    if not may_transfer(actor, case):
        raise Forbidden()
    if case.state not in ACTIVE_STATES:
        raise InvalidInput(_("This case is no longer open."), code="closed")
    reason = _text(reason, "reason", required=case.entity_id is not None, limit=2000)
    if entity is None or not entity.is_active:
        raise InvalidInput(fields={"entity": [_("Choose an entity.")]})
    if case.entity_id == entity.pk and (category is None or category.pk == case.category_id):
        raise InvalidInput(fields={"entity": [_("The case is already with this entity.")]})
    if category is not None and (category.entity_id != entity.pk or not category.is_active):
        raise InvalidInput(fields={"category": [_("This category belongs to another entity.")]})
    before_entity = case.entity.code if case.entity_id else ""
    action = "transferred" if case.entity_id else "routed"
    before = case.state
    case.entity = entity
    case.category = category
    case.team = category.team if category else ""
    case.assignee = None
    case.state = CaseState.NEW
    case.sla_breached_at = None
    case.escalation_level = 0
    case.escalate_again_at = None
    _set_deadlines(case, timezone.now())
    case.save()
    CaseEvent.objects.create(case=case, actor=actor, action=action, from_state=before, to_state=case.state,
                             data={"from": before_entity, "to": entity.code})
    if reason:
        CaseEvent.objects.create(case=case, actor=actor, action="transfer_reason", internal=True, comment=reason,
                                 from_state=case.state, to_state=case.state)
    _emit(f"case.{action}", case, actor, from_entity=before_entity, to_entity=entity.code)
    _audit(actor, f"case.{action}", case, entity=[before_entity, entity.code],
           category=category.code if category else "")
    return case


@transaction.atomic
def case_merge(*, actor, duplicate: Case, into: Case) -> Case:
    """Close ``duplicate`` as a duplicate of ``into`` (same entity); its reporter is pointed to the kept case."""
    if duplicate.pk == into.pk:
        raise InvalidInput(fields={"into": [_("Choose another case.")]})
    first, second = sorted([duplicate, into], key=lambda c: c.pk)
    first, second = _locked(first), _locked(second)
    duplicate, into = (first, second) if first.pk == duplicate.pk else (second, first)
    if not (is_case_staff(actor, duplicate) and is_case_staff(actor, into)):
        raise NotFound()
    if duplicate.state not in ACTIVE_STATES or into.merged_into_id or into.state == CaseState.CLOSED:
        raise InvalidInput(_("Only an open case can be merged into another open case."), code="not_mergeable")
    before = duplicate.state
    now = timezone.now()
    duplicate.state = CaseState.CLOSED
    duplicate.closed_at = now
    duplicate.merged_into = into
    duplicate.due_at = duplicate.ack_due_at = duplicate.remind_at = None
    duplicate.save()
    CaseEvent.objects.create(case=duplicate, actor=actor, action="merged", from_state=before,
                             to_state=duplicate.state, data={"into": into.reference})
    CaseEvent.objects.create(case=into, actor=actor, action="duplicate_added", internal=True, from_state=into.state,
                             to_state=into.state, data={"duplicate": duplicate.reference})
    _emit("case.merged", duplicate, actor, into=into.reference)
    _emit("case.state_changed", duplicate, actor, action="merged", from_state=before, to_state=duplicate.state)
    _audit(actor, "case.merged", duplicate, into=into.reference)
    return duplicate


@transaction.atomic
def case_rate(*, actor, case: Case, score, comment: str = "", as_reporter: bool = False) -> CaseRating:
    """The reporter rates the resolution once (three faces and an optional comment)."""
    case = _locked(case)
    if not as_reporter or (case.reporter_id and not is_reporter(actor, case)):
        raise Forbidden()
    if case.resolved_at is None or case.merged_into_id:
        raise InvalidInput(_("You can rate the answer once your case is resolved."), code="not_resolved")
    if CaseRating.objects.filter(case=case).exists():
        raise InvalidInput(_("You have already rated this case. Thank you."), code="already_rated")
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if score not in (1, 2, 3):
        raise InvalidInput(fields={"score": [_("Choose one of the three faces.")]})
    rating = CaseRating.objects.create(case=case, entity=case.entity, score=score,
                                       comment=_text(comment, "comment", required=False, limit=2000))
    user = _actor_user(actor)
    CaseEvent.objects.create(case=case, actor=user, by_reporter=True, action="rated", from_state=case.state,
                             to_state=case.state, data={"score": score})
    _emit("case.rated", case, user, score=score)
    _audit(user, "case.rated", case, score=score)
    return rating


@transaction.atomic
def case_attachment_add(*, actor, case: Case, upload, as_reporter: bool = False) -> CaseAttachment:
    """A file added later: by the reporter while the case is open, or by the entity's staff."""
    case = _locked(case)
    staff = is_case_staff(actor, case)
    if not staff and (not as_reporter or (case.reporter_id and not is_reporter(actor, case))):
        raise Forbidden()
    if case.state not in ACTIVE_STATES:
        raise InvalidInput(_("This case is no longer open."), code="closed")
    if case.attachments.count() >= MAX_ATTACHMENTS * 3:
        raise InvalidInput(fields={"attachments": [_("This case has too many files.")]})
    content_type = _check_upload(upload)
    attachment = _attachment_store(actor=actor, case=case, upload=upload, content_type=content_type,
                                   by_reporter=not staff)
    CaseEvent.objects.create(case=case, actor=_actor_user(actor), by_reporter=not staff, action="attachment_added",
                             from_state=case.state, to_state=case.state, data={"attachment": attachment.ref})
    _emit("case.attachment_added", case, _actor_user(actor), attachment=attachment.ref)
    _audit(_actor_user(actor), "case.attachment_added", case, attachment=attachment.ref, sha256=attachment.sha256)
    return attachment


# --- the SLA sweep -------------------------------------------------------------------------


def _sweep_one(pk: int, condition, change) -> bool:
    with transaction.atomic():
        case = (Case.objects.select_for_update(skip_locked=True, of=("self",)).select_related("entity", "category")
                .filter(pk=pk).filter(condition).first())
        if case is None:
            return False  # moved on, or another sweep has it
        change(case)
        return True


def case_sla_sweep(*, now=None) -> dict[str, int]:
    """Reminders, escalations and closing of resolved cases whose reopening time has passed.

    * a quarter of the time left: a reminder (``case.reminder``) to the entity, once;
    * a missed deadline (acknowledgement or resolution): escalation level 1, the entity's
      supervisors (``case.escalated`` with ``to="supervisor"``);
    * still open ``MANASSA_CASE_ESCALATION_HOURS`` working hours later: level 2, the Digital Office;
    * resolved and not reopened in time: closed.

    Safe to run twice and from two schedulers: each step is conditioned on the row's
    state, re-checked under the row lock.
    """
    from django.db.models import Q

    now = now or timezone.now()
    counts = {"reminded": 0, "escalated_supervisor": 0, "escalated_digital_office": 0, "closed": 0}
    open_q = Q(state__in=OPEN_STATES, entity__isnull=False)

    def remind(case):
        case.reminded_at = now
        case.save(update_fields=["reminded_at", "updated_at"])
        CaseEvent.objects.create(case=case, action="reminder", internal=True, from_state=case.state,
                                 to_state=case.state)
        _emit("case.reminder", case, None, due_at=case.due_at.isoformat() if case.due_at else "",
              assignee=case.assignee_id)
        _audit(None, "case.reminder", case)

    def first(case):
        case.escalation_level = 1
        case.sla_breached_at = now
        case.escalate_again_at = add_working_time(_calendar(case), now, timedelta(hours=escalation_hours()))
        case.save(update_fields=["escalation_level", "sla_breached_at", "escalate_again_at", "updated_at"])
        CaseEvent.objects.create(case=case, action="escalated", internal=True, from_state=case.state,
                                 to_state=case.state, data={"level": 1, "to": "supervisor"})
        _emit("case.sla_breached", case, None)
        _emit("case.escalated", case, None, level=1, to="supervisor")
        _audit(None, "case.escalated", case, level=1, to="supervisor")

    def second(case):
        case.escalation_level = 2
        case.escalate_again_at = None
        case.save(update_fields=["escalation_level", "escalate_again_at", "updated_at"])
        CaseEvent.objects.create(case=case, action="escalated", internal=True, from_state=case.state,
                                 to_state=case.state, data={"level": 2, "to": "digital_office"})
        _emit("case.escalated", case, None, level=2, to="digital_office")
        _audit(None, "case.escalated", case, level=2, to="digital_office")

    def close(case):
        before = case.state
        case.state = CaseState.CLOSED
        case.closed_at = now
        case.save(update_fields=["state", "closed_at", "updated_at"])
        CaseEvent.objects.create(case=case, action="close", from_state=before, to_state=case.state)
        _emit("case.state_changed", case, None, action="close", from_state=before, to_state=case.state)
        _audit(None, "case.close", case, state=[before, case.state])

    steps = [
        ("reminded", open_q & Q(reminded_at__isnull=True, remind_at__lt=now, due_at__gt=now,
                                escalation_level=0), remind),
        ("escalated_supervisor", open_q & Q(escalation_level=0) & (Q(due_at__lt=now) | Q(ack_due_at__lt=now)), first),
        ("escalated_digital_office", open_q & Q(escalation_level=1, escalate_again_at__lt=now), second),
        ("closed", Q(state=CaseState.RESOLVED, reopen_until__lt=now), close),
    ]
    for name, condition, change in steps:
        for pk in list(Case.objects.filter(condition).order_by("id").values_list("pk", flat=True)[:1000]):
            if _sweep_one(pk, condition, change):
                counts[name] += 1
    return counts


# --- demo data ---------------------------------------------------------------------------

DEMO_CATEGORIES = [
    # (entity, code, Arabic, English, kinds, team, public, sla)
    ("SEWA", "SEWA-OUTAGE", "انقطاع الكهرباء أو المياه", "Power or water outage",
     ["complaint", "enquiry"], "Emergency desk", True, {"complaint": 8}),
    ("SEWA", "SEWA-BILLING", "الفواتير والتحصيل", "Bills and payments", ["complaint", "enquiry", "suggestion"],
     "Customer care", False, {}),
    ("SEWA", "SEWA-STAFF", "تعامل الموظفين", "Staff conduct", ["complaint", "compliment"], "Customer care", False, {}),
    ("SHJMUN", "SHJMUN-ROADS", "الطرق والحفر", "Roads and potholes", ["complaint", "suggestion"], "Roads team", True,
     {}),
    ("SHJMUN", "SHJMUN-WASTE", "النظافة والنفايات", "Cleanliness and waste", ["complaint", "suggestion"],
     "Public health", True, {"complaint": 16}),
    ("SHJMUN", "SHJMUN-PERMITS", "تراخيص البناء", "Building permits", ["complaint", "enquiry"], "Permits", False, {}),
]
DEMO_ATTRIBUTES = {
    "SHJMUN-ROADS": [{"variable": True, "code": "SIZE", "datatype": "singlevaluelist", "required": True,
                      "order": 1, "datatype_description": "",
                      "description": {"ar": "حجم الحفرة", "en": "Size of the pothole"},
                      "values": [{"key": "small", "name": {"ar": "صغيرة", "en": "Small"}},
                                 {"key": "large", "name": {"ar": "كبيرة", "en": "Large"}}]}],
}


def install_demo_categories() -> int:
    """Case categories for the demo entities; creates only what is missing (idempotent)."""
    from manassa.entities.models import Entity

    created = 0
    entities = {e.code: e for e in Entity.objects.filter(code__in={row[0] for row in DEMO_CATEGORIES})}
    for entity_code, code, name_ar, name_en, kinds, team, public, sla in DEMO_CATEGORIES:
        entity = entities.get(entity_code)
        if entity is None or Category.objects.filter(code=code).exists():
            continue
        Category.objects.create(entity=entity, code=code, name_ar=name_ar, name_en=name_en, kinds=kinds, team=team,
                                is_public=public, sla_hours=sla, attributes=DEMO_ATTRIBUTES.get(code, []))
        created += 1
    return created
