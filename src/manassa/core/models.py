"""The platform's own tables: the outbox of domain events told to subscribers after the commit."""

from __future__ import annotations

from django.db import models


class EventOutbox(models.Model):
    """A domain event waiting for its deferred subscribers (notifications, webhooks…); see ``core/events.py``.

    Written in the transaction of the change, so it exists exactly when the
    change does; deleted in the transaction that runs its subscribers, so they
    run once. A failing event stays, with its error, and is tried again later.
    """

    event_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=60)
    entity_code = models.CharField(max_length=40, blank=True)
    # The record the event is about: "<app_label>.<model>" and its primary key.
    subject_type = models.CharField(max_length=80)
    subject_id = models.CharField(max_length=40)
    actor_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_attempt_at", "id"], name="event_outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"
