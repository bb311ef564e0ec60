"""Writes of the resident's pages that the core services do not cover yet: reading one's notices."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from manassa.applications.models import Application, Notice


@transaction.atomic
def notices_mark_read(*, actor, application: Application) -> int:
    """Mark the person's unread notices about ``application`` as read; returns how many changed.

    Only the person's own notices change (scoped by ``user``), so a forged
    application id marks nothing of anyone else's. Not audited: it changes
    nothing of the request, only what the person has seen.
    """
    return (Notice.objects.filter(user=actor, application=application, read_at__isnull=True)
            .update(read_at=timezone.now()))
