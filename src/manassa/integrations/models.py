"""Webhooks: the entity's endpoints, one delivery per event and endpoint, and every attempt made.

Deliveries follow the retry convention of ``core/retry.py``: ``status``
(pending → sent | failed | retrying → … → sent | dead), ``attempts``,
``next_attempt_at`` and ``last_error``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from manassa.entities.models import Entity

# The events an endpoint may subscribe to, with what the back office calls them.
EVENT_KINDS = {
    "application.submitted": _("A request was submitted"),
    "application.state_changed": _("A request changed state (an action was taken)"),
    "application.document_added": _("The applicant added a document"),
    "application.result_added": _("A result document was issued"),
    "application.sla_breached": _("A step missed its deadline"),
    "payment.succeeded": _("A payment succeeded"),
    "payment.refunded": _("A payment was refunded"),
}
PING = "ping"


class WebhookEndpoint(models.Model):
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=100, blank=True)
    # Fernet-encrypted (integrations/secrets.py): it signs every request, so it must be readable,
    # but a database dump alone must not be enough to forge one.
    secret_encrypted = models.TextField()
    secret_hint = models.CharField(max_length=16)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        indexes = [models.Index(fields=["entity", "is_active"], name="webhook_endpoint_entity_idx")]

    def __str__(self) -> str:
        return f"{self.entity_id}:{self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed (not retried)")
    DEAD = "dead", _("Gave up after all attempts")


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class WebhookDelivery(models.Model):
    """One event for one endpoint. ``body`` is the exact JSON sent: every attempt signs the same bytes."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The endpoint's entity, kept here so the delivery log is one index scan per entity.
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    event_id = models.UUIDField()
    kind = models.CharField(max_length=60)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set while an attempt is under way, so two tasks for one delivery (a scheduled retry and a
    # "retry now") never post it at the same time; a worker that dies leaves it to expire.
    locked_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_response = models.CharField(max_length=500, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once")]
        indexes = [
            models.Index(fields=["entity", "id"], name="webhook_delivery_log_idx"),
            models.Index(fields=["entity", "status", "id"], name="webhook_delivery_status_idx"),
            models.Index(fields=["endpoint", "id"], name="webhook_delivery_endpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    response = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once")]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number}"
