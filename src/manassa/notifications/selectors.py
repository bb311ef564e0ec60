"""Reads of the notifications app: effective templates, the entity's delivery log, the person's notices."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from manassa.notifications.defaults import DEFAULTS, EVENTS
from manassa.notifications.models import Channel, Delivery, DeliveryStatus, NotificationTemplate, TemplateStatus


@dataclass
class TemplateRow:
    event: str
    title: str
    channel: str
    channel_label: str
    source: str  # "entity" | "platform"
    version: int | None
    has_draft: bool
    texts: dict


def template_rows(*, entity) -> list[TemplateRow]:
    """Every event × channel with the text that applies to ``entity`` now (its own, else the platform's)."""
    rows = list(NotificationTemplate.objects.filter(
        Q(entity=entity) | Q(entity__isnull=True), status__in=[TemplateStatus.PUBLISHED, TemplateStatus.DRAFT]))
    published = {(r.entity_id is not None, r.event, r.channel): r for r in rows if r.status == TemplateStatus.PUBLISHED}
    drafts = {(r.event, r.channel) for r in rows if r.status == TemplateStatus.DRAFT and r.entity_id is not None}
    result = []
    for event, (title, _audience) in EVENTS.items():
        for channel in Channel:
            own = published.get((True, event, channel.value))
            platform = published.get((False, event, channel.value))
            chosen = own or platform
            texts = ({name: getattr(chosen, name) for name in ("subject_ar", "subject_en", "body_ar", "body_en")}
                     if chosen else DEFAULTS[(event, channel.value)])
            result.append(TemplateRow(event=event, title=str(title), channel=channel.value,
                                      channel_label=str(channel.label), source="entity" if own else "platform",
                                      version=chosen.version if chosen else None,
                                      has_draft=(event, channel.value) in drafts, texts=texts))
    return result


def template_row(*, entity, event: str, channel: str) -> TemplateRow | None:
    return next((row for row in template_rows(entity=entity) if row.event == event and row.channel == channel), None)


def template_draft(*, entity, event: str, channel: str) -> NotificationTemplate | None:
    return NotificationTemplate.objects.filter(entity=entity, event=event, channel=channel,
                                               status=TemplateStatus.DRAFT).first()


def template_versions(*, entity, event: str, channel: str) -> QuerySet[NotificationTemplate]:
    return (NotificationTemplate.objects.filter(entity=entity, event=event, channel=channel)
            .select_related("created_by").order_by("-version"))


def deliveries_of_entity(*, entity, status: str = "", before: int | None = None, limit: int = 50) -> list[Delivery]:
    """The entity's latest deliveries, newest first, in keyset pages (``before``: the last id seen)."""
    rows = Delivery.objects.filter(entity=entity).select_related("recipient")
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    if before is not None:
        rows = rows.filter(id__lt=before)
    return list(rows.order_by("-id")[:limit])


def notices_for(user, *, before: int | None = None, limit: int = 50):
    """The person's notices across every request, newest first, in keyset pages."""
    from manassa.applications.models import Notice

    rows = Notice.objects.filter(user=user).select_related("application")
    if before is not None:
        rows = rows.filter(id__lt=before)
    return list(rows.order_by("-id")[:limit])


def unread_count(user) -> int:
    from manassa.applications.models import Notice

    return Notice.objects.filter(user=user, read_at__isnull=True).count()


def masked_address(delivery: Delivery) -> str:
    """Enough of an address to recognise it in a log, not enough to copy it."""
    address = delivery.address or ""
    if delivery.channel == Channel.EMAIL and "@" in address:
        local, domain = address.split("@", 1)
        return f"{local[:1]}…@{domain}"
    if delivery.channel == Channel.SMS and len(address) > 6:
        return f"{address[:4]}…{address[-3:]}"
    return address
