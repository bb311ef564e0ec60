from __future__ import annotations

from dataclasses import dataclass

from manassa.audit.chain import GENESIS, digest_of
from manassa.audit.models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_event_id: int | None = None
    reason: str = ""


def audit_chain_verify(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain in id order and name the first event whose link is broken."""
    prev_hash = GENESIS
    expected_id = 1
    checked = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.id != expected_id:
                return ChainReport(False, checked, expected_id, f"event {expected_id} is missing")
            if event.prev_hash != prev_hash:
                return ChainReport(False, checked, event.id, "previous hash does not match")
            digest = digest_of(event, prev_hash)
            if digest != event.hash:
                return ChainReport(False, checked, event.id, "content does not match its hash")
            prev_hash = event.hash
            expected_id += 1
            checked += 1
        last_id = batch[-1].id
    head = AuditChainHead.objects.filter(id=1).first()
    if head and (head.last_event_id or 0) != checked:
        # Events cut off the end of the chain leave the head pointing past them.
        return ChainReport(False, checked, checked + 1, f"event {checked + 1} is missing")
    if head and checked and head.last_hash != prev_hash:
        return ChainReport(False, checked, checked, "chain head does not match the last event")
    return ChainReport(True, checked)


def audit_events_list(*, entity_code: str | None = None, action: str | None = None,
                      before_id: int | None = None, limit: int = 50):
    """Newest first, keyset-paginated on id."""
    qs = AuditEvent.objects.order_by("-id")
    if entity_code:
        qs = qs.filter(entity_code=entity_code)
    if action:
        qs = qs.filter(action=action)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return list(qs[: max(1, min(limit, 200))])
