"""The resident's notifications across every request (``/<lang>/notifications/``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manassa.notifications.selectors import notices_for, unread_count
from manassa.notifications.services import notices_read

PAGE_SIZE = 30


def _int_or_none(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


@login_required
def notice_list(request):
    before = _int_or_none(request.GET.get("before"))
    notices = notices_for(request.user, before=before, limit=PAGE_SIZE + 1)
    more = len(notices) > PAGE_SIZE
    notices = notices[:PAGE_SIZE]
    return render(request, "notifications/list.html", {
        "notices": notices, "unread": unread_count(request.user),
        "next_before": notices[-1].pk if more else None, "paged": before is not None,
    })


@login_required
@require_POST
def notice_read(request):
    changed = notices_read(actor=request.user, notice_id=_int_or_none(request.POST.get("notice")))
    if changed and not request.POST.get("notice"):
        messages.success(request, _("Every notification is marked as read."))
    return redirect("notifications:list")
