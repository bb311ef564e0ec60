"""The hash of an audit event: SHA-256 over the previous hash and a canonical
JSON of the event's fields. Changing any field, or removing or reordering an
event, breaks every later link."""

import hashlib
import json
from datetime import datetime

GENESIS = "0" * 64


def event_digest(
    *,
    prev_hash: str,
    event_id: int,
    created_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    entity_code: str,
    changes: dict,
    ip: str | None,
) -> str:
    payload = json.dumps(
        {
            "id": event_id,
            "time": created_at.isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "entity": entity_code,
            "changes": changes,
            "ip": ip,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def digest_of(event, prev_hash: str) -> str:
    """The hash an ``AuditEvent`` (saved or about to be) must carry after ``prev_hash``."""
    return event_digest(
        prev_hash=prev_hash,
        event_id=event.id,
        created_at=event.created_at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        entity_code=event.entity_code,
        changes=event.changes,
        ip=event.ip,
    )
