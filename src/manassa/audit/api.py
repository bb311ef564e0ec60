# Like audit/views.py: the domain is a leaf, the endpoint asks the permission layer.
from __future__ import annotations

from datetime import datetime

from ninja import Query, Router, Schema

from manassa.accounts.permissions import Perm
from manassa.accounts.selectors import require_platform_perm
from manassa.audit.selectors import audit_events_list
from manassa.core.api import ErrorOut, session_auth

router = Router(tags=["audit"], auth=session_auth)


class AuditEventOut(Schema):
    id: int
    created_at: datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    entity_code: str
    changes: dict
    ip: str | None
    hash: str
    prev_hash: str


class AuditPageOut(Schema):
    items: list[AuditEventOut]
    next_before: int | None


class AuditFilter(Schema):
    entity: str | None = None
    action: str | None = None
    before: int | None = None
    limit: int = 50


@router.get("/events", response={200: AuditPageOut, 401: ErrorOut, 403: ErrorOut}, operation_id="audit_events")
def audit_events(request, filters: Query[AuditFilter]):
    require_platform_perm(request.user, Perm.AUDIT_VIEW)
    limit = max(1, min(filters.limit, 200))
    events = audit_events_list(entity_code=filters.entity, action=filters.action,
                               before_id=filters.before, limit=limit + 1)
    has_more = len(events) > limit
    events = events[:limit]
    return {"items": events, "next_before": events[-1].id if has_more and events else None}
