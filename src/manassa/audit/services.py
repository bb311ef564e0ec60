from __future__ import annotations

import ipaddress
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from manassa.audit.chain import GENESIS, digest_of
from manassa.audit.models import AuditChainHead, AuditEvent
from manassa.core import context, metrics


def _json_safe(changes: dict[str, Any] | None) -> dict[str, Any]:
    # The stored JSON and the hashed JSON must be the same value after a round trip.
    return json.loads(json.dumps(changes or {}, default=str, ensure_ascii=False))


def _normalise_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return ipaddress.ip_address(ip).compressed
    except ValueError:
        return None


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    entity_code: str = "",
    changes: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    ``actor`` is a user, or None for the system. Pass ``obj`` (a model
    instance) or ``object_type``/``object_id``. The chain head row is locked so
    concurrent writers append one after the other; on SQLite the IMMEDIATE
    transaction mode gives the same ordering.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    ctx = context.current()
    ip = _normalise_ip(ip if ip is not None else ctx.ip)
    changes = _json_safe(changes)
    actor_id = getattr(actor, "pk", None)
    actor_label = (getattr(actor, "email", "") or str(actor)) if actor is not None else "system"

    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_event_id": 0, "last_hash": GENESIS}
        )
        event_id = (head.last_event_id or 0) + 1
        event = AuditEvent(
            id=event_id,
            created_at=timezone.now(),
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            entity_code=entity_code,
            changes=changes,
            ip=ip,
            request_id=ctx.request_id if ctx.request_id != "-" else "",
            prev_hash=head.last_hash,
        )
        event.hash = digest_of(event, head.last_hash)
        event.save(force_insert=True)
        head.last_event_id = event_id
        head.last_hash = event.hash
        head.save(update_fields=["last_event_id", "last_hash"])
    metrics.AUDIT_EVENTS.labels(action).inc()
    return event


def model_changes(instance, fields: list[str], before: dict[str, Any]) -> dict[str, Any]:
    """``{"field": [old, new]}`` for the fields whose value changed."""
    diff = {}
    for name in fields:
        new = getattr(instance, name)
        if before.get(name) != new:
            diff[name] = [before.get(name), new]
    return diff
