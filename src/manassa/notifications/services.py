"""Writes of the notifications app: turning domain events into deliveries, sending them, editing templates.

``on_event`` is subscribed to ``application.``, ``document.`` and ``case.``
events (see ``apps.py``) as a deferred subscriber (``core/events.py``): it runs
after the change committed, from the event outbox, in the transaction that
removes the event from it — the delivery rows and their task rows exist once
per committed change, and none for a change that rolled back. Each e-mail
and SMS is one task (``tasks.delivery_send``) that calls ``delivery_attempt``;
the in-portal notice is written there and then, being a row of the same
database.

Guarantees (``docs/notifications.md``): a delivery record is sent at most once
as far as the record goes — an attempt holds a lease, and a sent record is
never sent again. A worker killed after the provider accepted a message but
before the record says so leaves the record "sending"; when its lease expires
``deliveries_recover`` enqueues it again and it is sent again with the same
idempotency key — once for a gateway that honours the key (the SMS adapter
sends ``Idempotency-Key``), possibly twice for SMTP, which has none.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from manassa.audit.services import audit_record
from manassa.core.errors import InvalidInput
from manassa.core.events import DomainEvent
from manassa.core.i18n import pick
from manassa.core.money import format_money
from manassa.core.retry import backoff_delay
from manassa.notifications import conf
from manassa.notifications.channels import PermanentFailure, TemporaryFailure, channel_backend
from manassa.notifications.defaults import DEFAULTS, EVENTS
from manassa.notifications.models import (
    FINAL_STATUSES,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    NotificationTemplate,
    TemplateStatus,
)
from manassa.notifications.placeholders import PLACEHOLDERS, placeholder_errors, placeholders_render

logger = logging.getLogger(__name__)

LANGUAGES = ("ar", "en")
IN_APP_MAX_LENGTH = 300  # applications.Notice.message_* columns
SMS_MAX_LENGTH = 480  # three SMS segments of Latin text; Arabic takes more segments


# --- from events to deliveries ------------------------------------------------------------


def on_event(event: DomainEvent) -> None:
    """Create and enqueue the deliveries of ``event``, in the caller's transaction."""
    if event.kind not in EVENTS:
        return
    case = event.subject if event.kind.startswith("case.") else None
    # A case may be about a request; it is still the case that is told about, not the request.
    application = None if case is not None else _application_of(event.subject)
    recipients = _case_recipients(event, case) if case is not None else _recipients(event, application)
    if not recipients:
        return
    entity = application.entity if application is not None else _entity(event.entity_code)
    templates = _published_templates(event.kind, entity)
    event_id = uuid.UUID(hex=event.id)
    now = timezone.now()
    for user, staff in recipients:
        language = user.preferred_language if user.preferred_language in LANGUAGES else "ar"
        values = {code: (_case_values(event, case, entity, user, code, staff=staff) if case is not None
                         else _values(event, application, entity, user, code, staff=staff)) for code in LANGUAGES}
        for channel, address in _channels_for(user):
            template = templates.get(channel)
            texts = _texts(template, event.kind, channel)
            subject = placeholders_render(texts[f"subject_{language}"], values[language])[:300]
            body = placeholders_render(texts[f"body_{language}"], values[language])
            delivery = Delivery(
                event_id=event_id, event=event.kind, entity=entity, application=application,
                reference=values[language]["reference"][:32], recipient=user, channel=channel, language=language,
                address=address, template=template, subject=subject, body=body, next_attempt_at=now)
            if channel == Channel.IN_APP:
                # The portal shows a notice in the language of the page, so it keeps both texts.
                delivery.bodies = {code: placeholders_render(texts[f"body_{code}"], values[code])
                                   for code in LANGUAGES}
                # A row of this very transaction: delivered exactly once with the change (one insert each).
                delivery.provider_message_id = channel_backend(channel).send(delivery)
                delivery.status, delivery.attempts, delivery.sent_at = DeliveryStatus.SENT, 1, now
                delivery.save(force_insert=True)
            else:
                delivery.save(force_insert=True)
                _enqueue(delivery)
                delivery.save(update_fields=["task_id"])


def _application_of(subject):
    from manassa.applications.models import Application

    if isinstance(subject, Application):
        return subject
    return getattr(subject, "application", None)


def _entity(code: str):
    from manassa.entities.models import Entity

    return Entity.objects.filter(code=code).first()


def _recipients(event: DomainEvent, application) -> list[tuple]:
    """(user, is_staff) pairs: the applicant for customer-facing events, the escalation role for a missed deadline."""
    audience = EVENTS[event.kind][1]
    if audience == "escalation":
        from manassa.entities.models import Membership

        role = (event.data or {}).get("escalation_role") or ""
        if not role or application is None:
            return []
        people = Membership.objects.filter(entity_id=application.entity_id, role=role, user__is_active=True)
        return [(membership.user, True) for membership in people.select_related("user").order_by("user_id")]
    if audience == "payer":
        payer = getattr(event.subject, "payer", None)
        return [(payer, False)] if payer is not None and payer.is_active else []
    person = application.applicant if application is not None else (
        getattr(event.subject, "holder", None) or getattr(event.subject, "user", None))
    return [(person, False)] if person is not None and person.is_active else []


def _case_recipients(event: DomainEvent, case) -> list[tuple]:
    """Who hears of a case event: its signed-in reporter; the assignee (or the supervisors) of a reminder;
    the entity's supervisors (level 1) or the Digital Office's administrators (level 2) of an escalation.

    Anonymous reporters follow their case with its tracking link (and get that link by e-mail when they
    gave an address); no other message goes to an address that no account owns.
    """
    from manassa.accounts.models import PlatformRole
    from manassa.entities.models import Membership

    audience = EVENTS[event.kind][1]
    if audience == "reporter":
        person = case.reporter
        return [(person, False)] if person is not None and person.is_active else []
    if audience == "case_assignee" and case.assignee is not None and case.assignee.is_active:
        return [(case.assignee, True)]
    level = (event.data or {}).get("level", 1)
    if audience == "case_escalation" and level >= 2:
        roles = PlatformRole.objects.filter(role="do_admin", user__is_active=True).select_related("user")
        return [(row.user, True) for row in roles.order_by("user_id")]
    if case.entity_id is None:
        return []
    people = Membership.objects.filter(entity_id=case.entity_id, role="supervisor", user__is_active=True)
    return [(membership.user, True) for membership in people.select_related("user").order_by("user_id")]


def _case_values(event: DomainEvent, case, entity, user, language: str, *, staff: bool) -> dict[str, str]:
    values = {name: "" for name in PLACEHOLDERS}
    values["name"] = pick({"ar": user.name_ar, "en": user.name_en}, language) or user.email
    values["reference"] = case.reference
    with override(language):
        values["state"] = str(case.get_state_display())
        values["entity"] = (pick({"ar": entity.name_ar, "en": entity.name_en}, language) if entity is not None
                            else str(_("the Digital Office")))
        if case.category_id:
            values["service"] = pick({"ar": case.category.name_ar, "en": case.category.name_en}, language)
        path = reverse("cases_admin:case" if staff else "complaints:case", args=[case.reference])
    values["link"] = conf.site_url() + path
    return values


def _channels_for(user) -> list[tuple[str, str]]:
    """(channel, address) the person is reached on: the portal always, e-mail and SMS as they chose."""
    channels = [(Channel.IN_APP.value, "")]
    if user.notify_email and user.email:
        channels.append((Channel.EMAIL.value, user.email))
    if user.notify_sms and user.mobile:
        channels.append((Channel.SMS.value, user.mobile))
    return channels


def _published_templates(event: str, entity) -> dict[str, NotificationTemplate]:
    """channel → the published template that applies: the entity's own, else the platform's."""
    rows = NotificationTemplate.objects.filter(event=event, status=TemplateStatus.PUBLISHED).filter(
        Q(entity__isnull=True) | Q(entity=entity) if entity is not None else Q(entity__isnull=True))
    found: dict[str, NotificationTemplate] = {}
    for row in rows:
        if row.channel not in found or row.entity_id is not None:
            found[row.channel] = row
    return found


def _texts(template: NotificationTemplate | None, event: str, channel: str) -> dict[str, str]:
    if template is not None:
        return {name: getattr(template, name) for name in ("subject_ar", "subject_en", "body_ar", "body_en")}
    return DEFAULTS[(event, channel)]


def _values(event: DomainEvent, application, entity, user, language: str, *, staff: bool) -> dict[str, str]:
    data = event.data or {}
    values = {name: "" for name in PLACEHOLDERS}
    values["name"] = pick({"ar": user.name_ar, "en": user.name_en}, language) or user.email
    if entity is not None:
        values["entity"] = pick({"ar": entity.name_ar, "en": entity.name_en}, language)
    # A document's title in the reader's language (issued documents), else its name or number.
    title = data.get("title")
    values["document"] = str((pick(title, language) if isinstance(title, dict) else "")
                             or data.get("name") or getattr(event.subject, "name", "") or "")
    if application is not None and application.reference:
        from manassa.applications.selectors import workflow_of

        values["reference"] = application.reference
        service = application.service
        values["service"] = pick({"ar": service.name_ar, "en": service.name_en}, language)
        # The state the event reports (the request may have moved on since it was emitted).
        state_key = data.get("state") or application.state
        state = workflow_of(application).states.get(state_key)
        values["state"] = pick(state.label, language) if state is not None else state_key
        with override(language):
            path = reverse("workqueue:application" if staff else "requests:detail", args=[application.reference])
        values["link"] = conf.site_url() + path
    else:
        values["reference"] = str(data.get("reference") or "")
    with override(language):
        if data.get("amount") is not None:
            values["amount"] = format_money(int(data["amount"]), data.get("currency") or "AED")
        if data.get("due"):
            values["due"] = date_format(timezone.localtime(datetime.fromisoformat(data["due"])), "DATE_FORMAT")
        # A subject with a page of its own for the resident (an invoice) is linked there.
        portal_path = getattr(event.subject, "portal_path", None)
        if callable(portal_path) and not staff:
            values["link"] = conf.site_url() + portal_path()
    return values


def _enqueue(delivery: Delivery, run_after=None) -> None:
    from manassa.notifications.tasks import delivery_send

    task = delivery_send.using(run_after=run_after) if run_after is not None else delivery_send
    delivery.task_id = str(task.enqueue(delivery.pk).id)


# --- sending ------------------------------------------------------------------------------


def delivery_attempt(*, delivery_id: int) -> str:
    """One attempt at one delivery; returns its status afterwards (or why nothing was done)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update(skip_locked=True).filter(pk=delivery_id).first()
        if delivery is None:
            return "locked-or-missing"  # another worker is claiming it this instant, or it is gone
        if delivery.status in FINAL_STATUSES:
            return delivery.status
        if delivery.status == DeliveryStatus.SENDING and delivery.lease_until and delivery.lease_until > now:
            return "in-progress"
        if delivery.status == DeliveryStatus.RETRYING and delivery.next_attempt_at and (
                delivery.next_attempt_at > now + timedelta(seconds=1)):
            return "not-yet"  # an early duplicate task: the one enqueued for next_attempt_at will come
        delivery.status = DeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.lease_until = now + timedelta(seconds=conf.lease_seconds())
        delivery.save(update_fields=["status", "attempts", "lease_until"])
    # Outside any transaction: nothing is held while the provider answers.
    provider_id, error, retry_after, permanent = "", "", None, False
    try:
        provider_id = channel_backend(delivery.channel).send(delivery)
    except TemporaryFailure as exc:
        error, retry_after = str(exc), exc.retry_after
    except PermanentFailure as exc:
        error, permanent = str(exc), True
    except Exception as exc:  # an unexpected error is treated as temporary, and logged
        logger.exception("notification delivery failed unexpectedly", extra={"delivery": delivery_id})
        error = f"{type(exc).__name__}: {exc}"
    return _attempt_record(delivery_id=delivery_id, number=delivery.attempts, provider_id=provider_id,
                           error=error, retry_after=retry_after, permanent=permanent)


@transaction.atomic
def _attempt_record(*, delivery_id: int, number: int, provider_id: str, error: str, retry_after,
                    permanent: bool) -> str:
    now = timezone.now()
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    retry_at = None
    if not error:
        delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, now, ""
        delivery.provider_message_id = provider_id[:200]
    elif permanent:
        delivery.status = DeliveryStatus.FAILED
    elif delivery.attempts >= conf.max_attempts():
        delivery.status = DeliveryStatus.DEAD
    else:
        delay = backoff_delay(delivery.attempts)
        if retry_after is not None and retry_after > delay:
            delay = retry_after
        retry_at = now + delay
        delivery.status, delivery.next_attempt_at = DeliveryStatus.RETRYING, retry_at
        _enqueue(delivery, run_after=retry_at)
    if error:
        delivery.last_error = error[:500]
    delivery.lease_until = None
    delivery.save()
    DeliveryAttempt.objects.create(delivery=delivery, number=number, at=now, outcome=delivery.status,
                                   error=error[:500], retry_at=retry_at)
    return delivery.status


def deliveries_recover(*, now=None) -> int:
    """Enqueue again the deliveries whose task was lost (a worker killed mid-run); a periodic job.

    A worker that dies leaves its task row claimed and never run again. A
    delivery still waiting after its lease (``sending``) or well after its
    due time (``pending``/``retrying``), whose task row is not waiting to run,
    gets a new task. Safe to run at any time and from two schedulers.
    """
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    stale_due = now - timedelta(seconds=conf.recover_grace_seconds())
    candidates = Delivery.objects.filter(
        Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
        | Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING], next_attempt_at__lt=stale_due)
    ).values_list("pk", flat=True)
    recovered = 0
    for pk in list(candidates[:1000]):
        with transaction.atomic():
            delivery = Delivery.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if delivery is None or delivery.status in FINAL_STATUSES:
                continue
            if delivery.task_id and DBTaskResult.objects.ready().filter(pk=delivery.task_id).exists():
                continue  # its task is only late (a busy queue), not lost
            _enqueue(delivery)
            delivery.save(update_fields=["task_id"])
            recovered += 1
    return recovered


# --- templates ----------------------------------------------------------------------------

TEXT_FIELDS = ("subject_ar", "subject_en", "body_ar", "body_en")


def template_validate(*, channel: str, texts: dict[str, str]) -> dict[str, str]:
    """Cleaned texts, or ``InvalidInput`` naming every problem by field."""
    texts = {name: (texts.get(name) or "").strip() for name in TEXT_FIELDS}
    if channel != Channel.EMAIL:
        texts["subject_ar"] = texts["subject_en"] = ""
    errors: dict[str, list[str]] = {}
    for name, text in texts.items():
        problems = placeholder_errors(text)
        if not text and (name.startswith("body") or channel == Channel.EMAIL):
            problems.insert(0, str(_("Write this text.")))
        limit = {Channel.IN_APP: IN_APP_MAX_LENGTH, Channel.SMS: SMS_MAX_LENGTH}.get(channel)
        if limit and name.startswith("body") and len(text) > limit:
            problems.append(str(_("Keep this text to %(limit)d characters.")) % {"limit": limit})
        if name.startswith("subject") and len(text) > 200:
            problems.append(str(_("Keep this text to %(limit)d characters.")) % {"limit": 200})
        if problems:
            errors[name] = problems
    if errors:
        raise InvalidInput(fields=errors)
    return texts


def _check_kind(event: str, channel: str) -> None:
    if event not in EVENTS or channel not in Channel.values:
        raise InvalidInput(_("There is no such notification."), code="unknown_notification")


def _rows(entity, event: str, channel: str):
    rows = NotificationTemplate.objects.filter(event=event, channel=channel)
    return rows.filter(entity=entity) if entity is not None else rows.filter(entity__isnull=True)


@transaction.atomic
def template_draft_save(*, actor, entity, event: str, channel: str, texts: dict[str, str]) -> NotificationTemplate:
    """Keep an unpublished version of the entity's (or, with ``entity=None``, the platform's) text."""
    _check_kind(event, channel)
    texts = template_validate(channel=channel, texts=texts)
    rows = _rows(entity, event, channel).select_for_update()
    draft = rows.filter(status=TemplateStatus.DRAFT).first()
    if draft is None:
        version = (rows.aggregate(v=Max("version"))["v"] or 0) + 1
        draft = NotificationTemplate(entity=entity, event=event, channel=channel, version=version,
                                     status=TemplateStatus.DRAFT, created_by=actor)
    for name, text in texts.items():
        setattr(draft, name, text)
    draft.save()
    audit_record(actor=actor, action="notifications.template.draft_saved", obj=draft,
                 entity_code=getattr(entity, "code", ""),
                 changes={"event": event, "channel": channel, "version": draft.version})
    return draft


@transaction.atomic
def template_publish(*, actor, entity, event: str, channel: str, texts: dict[str, str]) -> NotificationTemplate:
    """Publish these texts as a new version; the version published before is kept, superseded."""
    draft = template_draft_save(actor=actor, entity=entity, event=event, channel=channel, texts=texts)
    _rows(entity, event, channel).filter(status=TemplateStatus.PUBLISHED).update(status=TemplateStatus.SUPERSEDED)
    draft.status, draft.published_at = TemplateStatus.PUBLISHED, timezone.now()
    draft.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(actor=actor, action="notifications.template.published", obj=draft,
                 entity_code=getattr(entity, "code", ""),
                 changes={"event": event, "channel": channel, "version": draft.version})
    return draft


@transaction.atomic
def template_revert(*, actor, entity, event: str, channel: str) -> int:
    """The entity goes back to the platform's text: its published version is superseded and its draft dropped."""
    _check_kind(event, channel)
    rows = _rows(entity, event, channel).select_for_update()
    changed = rows.filter(status=TemplateStatus.PUBLISHED).update(status=TemplateStatus.SUPERSEDED)
    dropped, _detail = rows.filter(status=TemplateStatus.DRAFT).delete()
    if changed or dropped:
        audit_record(actor=actor, action="notifications.template.reverted", object_type="notifications.template",
                     object_id=f"{event}/{channel}", entity_code=getattr(entity, "code", ""),
                     changes={"event": event, "channel": channel})
    return changed


@transaction.atomic
def install_defaults() -> int:
    """Write the platform's default texts as version 1, published, where the platform has none; idempotent."""
    existing = set(NotificationTemplate.objects.filter(entity__isnull=True).values_list("event", "channel"))
    rows = [NotificationTemplate(entity=None, event=event, channel=channel, version=1,
                                 status=TemplateStatus.PUBLISHED, published_at=timezone.now(), **texts)
            for (event, channel), texts in DEFAULTS.items() if (event, channel) not in existing]
    NotificationTemplate.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- the resident's notices ------------------------------------------------------------------


@transaction.atomic
def notices_read(*, actor, notice_id: int | None = None) -> int:
    """Mark the person's unread notices (or one of them) as read; only their own ever change."""
    from manassa.applications.models import Notice

    notices = Notice.objects.filter(user=actor, read_at__isnull=True)
    if notice_id is not None:
        notices = notices.filter(pk=notice_id)
    return notices.update(read_at=timezone.now())
