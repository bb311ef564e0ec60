"""Notification templates (per event and channel, versioned) and deliveries (one message to one person)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the portal")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class NotificationTemplate(models.Model):
    """The text of one event on one channel: the platform's (``entity`` null) or an entity's own.

    Versions are kept: publishing makes the draft the published version and
    the earlier one superseded; at most one draft and one published version
    exist per (entity, event, channel).
    """

    entity = models.ForeignKey("entities.Entity", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="notification_templates", verbose_name=_("entity"))
    event = models.CharField(_("event"), max_length=60)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=TemplateStatus.choices,
                              default=TemplateStatus.DRAFT)
    subject_ar = models.CharField(_("subject (Arabic)"), max_length=200, blank=True)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_ar = models.TextField(_("text (Arabic)"))
    body_en = models.TextField(_("text (English)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["event", "channel", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "event", "channel", "version"],
                                    condition=Q(entity__isnull=False), name="ntemplate_entity_version_unique"),
            models.UniqueConstraint(fields=["event", "channel", "version"],
                                    condition=Q(entity__isnull=True), name="ntemplate_platform_version_unique"),
            models.UniqueConstraint(fields=["entity", "event", "channel"],
                                    condition=Q(entity__isnull=False, status="published"),
                                    name="ntemplate_entity_one_published"),
            models.UniqueConstraint(fields=["event", "channel"], condition=Q(entity__isnull=True, status="published"),
                                    name="ntemplate_platform_one_published"),
            models.UniqueConstraint(fields=["entity", "event", "channel"],
                                    condition=Q(entity__isnull=False, status="draft"),
                                    name="ntemplate_entity_one_draft"),
            models.UniqueConstraint(fields=["event", "channel"], condition=Q(entity__isnull=True, status="draft"),
                                    name="ntemplate_platform_one_draft"),
        ]
        indexes = [models.Index(fields=["event", "status", "entity"], name="ntemplate_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.entity_id or 'platform'} {self.event}/{self.channel} v{self.version} ({self.status})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Will be tried again")
    FAILED = "failed", _("Failed")
    DEAD = "dead", _("Given up")


FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.DEAD)


class Delivery(models.Model):
    """One message of one event to one person on one channel, rendered in their language when the event happened.

    ``key`` is sent to providers as the idempotency key: a message tried again
    after a worker died is the same message to a gateway that honours it.
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_id = models.UUIDField()
    event = models.CharField(_("event"), max_length=60)
    entity = models.ForeignKey("entities.Entity", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("entity"))
    application = models.ForeignKey("applications.Application", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+")
    reference = models.CharField(_("reference number"), max_length=32, blank=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries",
                                  verbose_name=_("recipient"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=2)
    address = models.CharField(_("address"), max_length=254, blank=True)
    template = models.ForeignKey(NotificationTemplate, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # An attempt in progress: until then no other worker takes the delivery over.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=200, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event_id", "recipient", "channel"], name="delivery_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["entity", "-id"], name="delivery_entity_idx"),
            models.Index(fields=["entity", "status", "-id"], name="delivery_entity_status_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx",
                         condition=Q(status__in=["pending", "sending", "retrying"])),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id} ({self.channel}, {self.status})"


class DeliveryAttempt(models.Model):
    """What happened at one attempt: the log behind a delivery's status."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    error = models.CharField(max_length=500, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.outcome}"
