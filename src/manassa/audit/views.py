# The audit app's domain code is a leaf; its pages, like every staff page,
# ask the one permission layer who may read them.
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from manassa.accounts.permissions import Perm
from manassa.accounts.selectors import require_platform_perm
from manassa.audit.selectors import audit_events_list


@login_required
def event_list(request):
    require_platform_perm(request.user, Perm.AUDIT_VIEW)
    try:
        before = int(request.GET.get("before", "")) or None
    except ValueError:
        before = None
    entity = request.GET.get("entity", "").strip().upper() or None
    action = request.GET.get("action", "").strip() or None
    events = audit_events_list(entity_code=entity, action=action, before_id=before, limit=51)
    has_more = len(events) > 50
    events = events[:50]
    return render(request, "audit/event_list.html", {
        "events": events,
        "next_before": events[-1].id if has_more and events else None,
        "entity": entity or "",
        "action": action or "",
    })
