"""The entity's notification texts and delivery log; every lookup goes through ``access_entity``.

Admins edit the texts (``Perm.ENTITY_EDIT``); supervisors and admins read
the delivery log (``Perm.APPLICATIONS_SUPERVISE``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manassa.accounts.permissions import Perm
from manassa.core.errors import InvalidInput, NotFound
from manassa.entities.selectors import access_entity
from manassa.notifications.defaults import EVENTS
from manassa.notifications.forms import DeliveryFilterForm, TemplateForm
from manassa.notifications.models import Channel
from manassa.notifications.placeholders import PLACEHOLDERS, placeholder_errors, placeholders_render
from manassa.notifications.selectors import (
    deliveries_of_entity,
    masked_address,
    template_draft,
    template_row,
    template_rows,
    template_versions,
)
from manassa.notifications.services import TEXT_FIELDS, template_draft_save, template_publish, template_revert

LOG_PAGE_SIZE = 50

# What the preview fills the placeholders with (bilingual sample content, like demo data).
SAMPLE = {
    "ar": {"reference": "SHJ-2026-000123", "service": "توصيل الخدمات لمسكن جديد", "state": "قيد المراجعة",
           "name": "مريم أحمد", "document": "شهادة التوصيل"},
    "en": {"reference": "SHJ-2026-000123", "service": "Move-in connection", "state": "In review",
           "name": "Maryam Ahmed", "document": "Connection certificate"},
}


def _kind(event: str, channel: str) -> None:
    if event not in EVENTS or channel not in Channel.values:
        raise NotFound()


def _preview(entity, channel: str, texts: dict[str, str]) -> list[dict]:
    from manassa.notifications.conf import site_url

    result = []
    for code in ("ar", "en"):
        values = {**SAMPLE[code], "entity": getattr(entity, f"name_{code}") or entity.name,
                  "link": f"{site_url()}/{code}/requests/SHJ-2026-000123/"}
        result.append({"language": code, "direction": "rtl" if code == "ar" else "ltr",
                       "subject": placeholders_render(texts.get(f"subject_{code}", ""), values),
                       "body": placeholders_render(texts.get(f"body_{code}", ""), values)})
    return result


@login_required
def template_list(request, code):
    entity = access_entity(request.user, code, Perm.ENTITY_EDIT)
    return render(request, "notifications/admin/templates.html",
                  {"entity": entity, "rows": template_rows(entity=entity)})


@login_required
def template_edit(request, code, event, channel):
    entity = access_entity(request.user, code, Perm.ENTITY_EDIT)
    _kind(event, channel)
    row = template_row(entity=entity, event=event, channel=channel)
    draft = template_draft(entity=entity, event=event, channel=channel)
    preview = None
    if request.method == "POST":
        form = TemplateForm(request.POST, channel=channel)
        operation = request.POST.get("_op", "preview")
        if form.is_valid():
            texts = {name: form.cleaned_data.get(name, "") for name in TEXT_FIELDS}
            try:
                if operation == "publish":
                    saved = template_publish(actor=request.user, entity=entity, event=event, channel=channel,
                                             texts=texts)
                    messages.success(request, _("Version %(version)d is published: it is used from now on.")
                                     % {"version": saved.version})
                    return redirect("notifications_admin:templates", code=entity.code)
                if operation == "draft":
                    saved = template_draft_save(actor=request.user, entity=entity, event=event, channel=channel,
                                                texts=texts)
                    messages.success(request, _("The draft is saved. It is not used until you publish it."))
                    return redirect("notifications_admin:template", code=entity.code, event=event, channel=channel)
                for name, text in texts.items():
                    for problem in placeholder_errors(text):
                        form.add_error(name if name in form.fields else None, problem)
                preview = _preview(entity, channel, texts)
            except InvalidInput as exc:
                for field, errors in (exc.fields or {}).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                if not exc.fields:
                    form.add_error(None, str(exc.message))
        status = 400 if form.errors else 200
    else:
        source = draft or row.texts
        initial = {name: (getattr(source, name) if draft else source[name]) for name in TEXT_FIELDS}
        form = TemplateForm(initial=initial, channel=channel)
        preview = _preview(entity, channel, initial)
        status = 200
    return render(request, "notifications/admin/template_edit.html", {
        "entity": entity, "row": row, "draft": draft, "form": form, "preview": preview,
        "placeholders": PLACEHOLDERS.items(), "is_email": channel == Channel.EMAIL,
        "versions": template_versions(entity=entity, event=event, channel=channel)[:20],
    }, status=status)


@login_required
@require_POST
def template_revert_view(request, code, event, channel):
    entity = access_entity(request.user, code, Perm.ENTITY_EDIT)
    _kind(event, channel)
    template_revert(actor=request.user, entity=entity, event=event, channel=channel)
    messages.success(request, _("The platform's text is used again for this notification."))
    return redirect("notifications_admin:templates", code=entity.code)


@login_required
def delivery_log(request, code):
    entity = access_entity(request.user, code, Perm.APPLICATIONS_SUPERVISE)
    form = DeliveryFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    before = request.GET.get("before")
    before = int(before) if before and before.isdigit() else None
    rows = deliveries_of_entity(entity=entity, status=status, before=before, limit=LOG_PAGE_SIZE + 1)
    more = len(rows) > LOG_PAGE_SIZE
    rows = rows[:LOG_PAGE_SIZE]
    titles = {event: title for event, (title, _audience) in EVENTS.items()}
    return render(request, "notifications/admin/deliveries.html", {
        "entity": entity, "form": form, "status": status,
        "rows": [{"delivery": d, "address": masked_address(d), "title": titles.get(d.event, d.event)} for d in rows],
        "next_before": rows[-1].pk if more else None, "paged": before is not None,
    })
