from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class AuditEntry:
    """One event for ``audit_record_many``; the fields mean what ``audit_record``'s arguments mean."""

    action: str
    obj: Any = None
    object_type: str = ""
    object_id: str | int = ""
    entity_code: str = ""
    changes: dict[str, Any] | None = None


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
    entry = AuditEntry(action=action, obj=obj, object_type=object_type, object_id=object_id,
                       entity_code=entity_code, changes=changes)
    return audit_record_many(actor=actor, entries=[entry], ip=ip)[0]


def audit_record_many(*, actor, entries: Iterable[AuditEntry], ip: str | None = None,
                      batch_size: int = 500) -> list[AuditEvent]:
    """Append events by one actor, inside the caller's transaction; returns them.

    The same chain as ``audit_record`` (one event after the other, each hash
    over the previous), but the head row is locked and moved once. A bulk
    change (a catalog import of 10,000 services) would otherwise rewrite the
    head once per event, and PostgreSQL walks every dead version of that row
    left by the open transaction on each lock: quadratic time.
    """
    entries = list(entries)
    if not entries:
        return []
    ctx = context.current()
    ip = _normalise_ip(ip if ip is not None else ctx.ip)
    actor_id = getattr(actor, "pk", None)
    actor_label = (getattr(actor, "email", "") or str(actor)) if actor is not None else "system"
    request_id = ctx.request_id if ctx.request_id != "-" else ""
    written: list[AuditEvent] = []
    # No savepoint inside the caller's transaction: a failure here fails the whole change anyway.
    with transaction.atomic(savepoint=False):
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_event_id": 0, "last_hash": GENESIS}
        )
        event_id, last_hash = head.last_event_id or 0, head.last_hash
        pending: list[AuditEvent] = []
        for entry in entries:
            object_type, object_id = entry.object_type, entry.object_id
            if entry.obj is not None:
                object_type = object_type or entry.obj._meta.label_lower
                object_id = object_id or entry.obj.pk
            event_id += 1
            event = AuditEvent(
                id=event_id, created_at=timezone.now(), actor_id=actor_id, actor_label=actor_label,
                action=entry.action, object_type=object_type, object_id=str(object_id),
                entity_code=entry.entity_code, changes=_json_safe(entry.changes), ip=ip, request_id=request_id,
                prev_hash=last_hash,
            )
            event.hash = last_hash = digest_of(event, last_hash)
            pending.append(event)
            metrics.AUDIT_EVENTS.labels(entry.action).inc()
            if len(pending) >= batch_size:
                written += AuditEvent.objects.bulk_create(pending)
                pending = []
        written += AuditEvent.objects.bulk_create(pending)
        head.last_event_id = event_id
        head.last_hash = last_hash
        head.save(update_fields=["last_event_id", "last_hash"])
    return written


def model_changes(instance, fields: list[str], before: dict[str, Any]) -> dict[str, Any]:
    """``{"field": [old, new]}`` for the fields whose value changed."""
    diff = {}
    for name in fields:
        new = getattr(instance, name)
        if before.get(name) != new:
            diff[name] = [before.get(name), new]
    return diff
