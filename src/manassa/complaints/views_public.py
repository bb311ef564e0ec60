"""Reporting a case and following it (``/<lang>/feedback/``): signed in, or anonymously with the tracking link.

A visitor proves they reported a case by opening its tracking link: the
session then remembers the reference (``complaints_granted``). The token is
shown once on the confirmation page and never stored in clear.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from manassa.applications.models import Application
from manassa.catalog.models import Service
from manassa.complaints.models import CaseKind, CaseRating, CaseState, Category
from manassa.complaints.selectors import (
    access_attachment,
    access_case_public,
    case_by_token,
    case_history,
    cases_of_reporter,
    reporting_categories,
)
from manassa.complaints.services import (
    ACTIONS,
    ATTACHMENT_TYPES,
    MAX_ATTACHMENTS,
    actions_for,
    attachment_max_size,
    case_rate,
    case_submit,
    case_transition,
)
from manassa.core.downloads import file_response
from manassa.core.errors import ApplicationError, InvalidInput
from manassa.core.files import type_names
from manassa.entities.models import Entity

SESSION_GRANTED = "complaints_granted"
SESSION_SHOW_TOKEN = "complaints_new_token"

EVENT_TITLES = {
    "submitted": gettext_lazy("Case received"),
    "acknowledge": gettext_lazy("Acknowledged"),
    "start": gettext_lazy("Work started"),
    "respond": gettext_lazy("Reply from the entity"),
    "request_info": gettext_lazy("The entity asked for information"),
    "provide_info": gettext_lazy("Information sent"),
    "resolve": gettext_lazy("Resolved"),
    "reopen": gettext_lazy("Reopened"),
    "close": gettext_lazy("Closed"),
    "merged": gettext_lazy("Merged with another case"),
    "routed": gettext_lazy("Sent to the entity"),
    "transferred": gettext_lazy("Transferred to another entity"),
    "rated": gettext_lazy("Rated"),
    "attachment_added": gettext_lazy("File added"),
    "assigned": gettext_lazy("Assigned"),
    "note": gettext_lazy("Internal note"),
    "triage": gettext_lazy("Waiting for the Digital Office to route it"),
    "transfer_reason": gettext_lazy("Reason for the transfer"),
    "escalated": gettext_lazy("Escalated"),
    "reminder": gettext_lazy("Reminder"),
    "duplicate_added": gettext_lazy("A duplicate was merged into this case"),
}
RATING_CHOICES = [(3, gettext_lazy("Happy")), (2, gettext_lazy("Neutral")), (1, gettext_lazy("Unhappy"))]


def _granted(request) -> list[str]:
    return list(request.session.get(SESSION_GRANTED, []))


def _grant(request, reference: str) -> None:
    granted = [r for r in _granted(request) if r != reference][-49:]
    request.session[SESSION_GRANTED] = [*granted, reference]


class CaseReportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What do you want to tell us?"), choices=CaseKind.choices,
                             widget=forms.RadioSelect)
    category = forms.ChoiceField(label=gettext_lazy("Topic"), required=False,
                                 help_text=gettext_lazy("Choosing a topic sends your case straight to the "
                                                        "team responsible."))
    entity = forms.ChoiceField(label=gettext_lazy("Government entity"), required=False,
                               help_text=gettext_lazy("If you do not know, leave it: the Digital Office will "
                                                      "route your case."))
    service = forms.ChoiceField(label=gettext_lazy("About a service (optional)"), required=False)
    application = forms.ChoiceField(label=gettext_lazy("About one of your requests (optional)"), required=False)
    description = forms.CharField(label=gettext_lazy("Describe it"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 6}))
    address = forms.CharField(label=gettext_lazy("Address or place (optional)"), max_length=300, required=False)
    lat = forms.CharField(label=gettext_lazy("Latitude (optional)"), required=False, max_length=20,
                          widget=forms.TextInput(attrs={"inputmode": "decimal", "dir": "ltr"}))
    long = forms.CharField(label=gettext_lazy("Longitude (optional)"), required=False, max_length=20,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", "dir": "ltr"}))
    contact_name = forms.CharField(label=gettext_lazy("Your name (optional)"), max_length=200, required=False)
    contact_email = forms.CharField(label=gettext_lazy("E-mail (optional)"), max_length=254, required=False,
                                    widget=forms.EmailInput(attrs={"autocomplete": "email", "dir": "ltr"}))
    contact_phone = forms.CharField(label=gettext_lazy("Phone (optional)"), max_length=32, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "tel", "dir": "ltr",
                                                                  "inputmode": "tel"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, auto_id="case-%s", **kwargs)
        groups: dict[str, list] = {}
        for category in reporting_categories():
            groups.setdefault(category.entity.name, []).append((category.code, category.name))
        self.fields["category"].choices = [("", _("— I do not know —"))] + list(groups.items())
        self.fields["entity"].choices = [("", _("— I do not know —"))] + [
            (e.code, e.name) for e in Entity.objects.filter(is_active=True).order_by("code")]
        self.fields["service"].choices = [("", _("— None —"))] + [
            (s.code, s.name) for s in Service.objects.filter(status="active").only("code", "name_ar", "name_en")
            .order_by("code")[:500]]
        if user.is_authenticated:
            self.fields["application"].choices = [("", _("— None —"))] + [
                (a.reference, f"{a.reference} — {a.service.name}")
                for a in Application.objects.filter(applicant=user, reference__isnull=False)
                .select_related("service").order_by("-submitted_at")[:50]]
            for name in ("contact_name", "contact_email", "contact_phone"):
                del self.fields[name]
        else:
            del self.fields["application"]


def start(request):
    return render(request, "complaints/start.html", {"kinds": CaseKind.choices})


def statistics(request):
    """Cases per entity over the last year: aggregated, no personal data."""
    from manassa.complaints.selectors import STATISTICS_DAYS, public_statistics

    rows = public_statistics()
    totals = {"received": sum(r.received for r in rows), "resolved": sum(r.resolved for r in rows)}
    return render(request, "complaints/statistics.html", {"rows": rows, "totals": totals, "days": STATISTICS_DAYS})


def report(request):
    initial = {"kind": request.GET.get("kind", "")} if request.GET.get("kind") in CaseKind.values else {}
    form = CaseReportForm(request.POST or None, user=request.user, initial=initial)
    upload_error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        category = Category.objects.filter(code=data["category"], is_active=True).select_related("entity").first() \
            if data["category"] else None
        entity = Entity.objects.filter(code=data["entity"], is_active=True).first() if data["entity"] else None
        service = Service.objects.filter(code=data["service"]).select_related("entity").first() \
            if data["service"] else None
        application = None
        if data.get("application"):
            application = Application.objects.filter(reference=data["application"], applicant=request.user).first()
        try:
            submitted = case_submit(
                actor=request.user if request.user.is_authenticated else None, kind=data["kind"],
                description=data["description"], category=category, entity=entity, service=service,
                application=application, address=data["address"], lat=data["lat"], long=data["long"],
                contact_name=data.get("contact_name", ""), contact_email=data.get("contact_email", ""),
                contact_phone=data.get("contact_phone", ""), uploads=request.FILES.getlist("attachments"))
        except InvalidInput as exc:
            for field, errors in exc.fields.items():
                target = field if field in form.fields else None
                for error in errors:
                    if field == "attachments":
                        upload_error = str(error)
                    else:
                        form.add_error(target, str(error))
            if not exc.fields:
                form.add_error(None, str(exc.message))
        else:
            _grant(request, submitted.case.reference)
            request.session[SESSION_SHOW_TOKEN] = {"reference": submitted.case.reference, "token": submitted.token}
            return redirect("complaints:submitted", reference=submitted.case.reference)
    return render(request, "complaints/report.html", {
        "form": form, "upload_error": upload_error, "max_files": MAX_ATTACHMENTS,
        "types": type_names(ATTACHMENT_TYPES), "max_size": attachment_max_size()})


def submitted(request, reference: str):
    case = access_case_public(request.user, _granted(request), reference)
    shown = request.session.pop(SESSION_SHOW_TOKEN, None)
    link = None
    if shown and shown.get("reference") == case.reference:
        link = request.build_absolute_uri(reverse("complaints:track_link", kwargs={"token": shown["token"]}))
    return render(request, "complaints/submitted.html", {"case": case, "tracking_link": link})


def track_link(request, token: str):
    case = case_by_token(token)
    if case is None:
        return render(request, "complaints/track.html", {"error": _("This tracking link is not valid.")}, status=404)
    _grant(request, case.reference)
    return redirect("complaints:case", reference=case.reference)


def track(request):
    """Paste the tracking link or its code to follow a case."""
    error = ""
    if request.method == "POST":
        code = request.POST.get("code", "").strip().rstrip("/").rsplit("/", 1)[-1]
        case = case_by_token(code)
        if case is not None:
            _grant(request, case.reference)
            return redirect("complaints:case", reference=case.reference)
        error = _("This tracking code is not valid.")
    return render(request, "complaints/track.html", {"error": error}, status=400 if error else 200)


@login_required
def my_cases(request):
    return render(request, "complaints/mine.html", {"cases": cases_of_reporter(request.user)[:200]})


def _timeline(case):
    return [{"event": e, "title": EVENT_TITLES.get(e.action, e.action)} for e in case_history(case, internal=False)]


def case_detail(request, reference: str, *, errors=None, status=200):
    case = access_case_public(request.user, _granted(request), reference)
    actions = actions_for(case, staff=False)
    rating = CaseRating.objects.filter(case=case).first()
    return render(request, "complaints/case.html", {
        "case": case, "timeline": _timeline(case), "actions": actions, "rating": rating,
        "may_rate": case.resolved_at is not None and rating is None and not case.merged_into_id,
        "rating_choices": RATING_CHOICES, "errors": errors or {},
        "attachments": case.attachments.all(), "awaiting": case.state == CaseState.AWAITING_INFO,
        "types": type_names(ATTACHMENT_TYPES)}, status=status)


@require_POST
def case_act(request, reference: str, action: str):
    case = access_case_public(request.user, _granted(request), reference)
    if action not in ACTIONS or ACTIONS[action].by != "reporter":
        return case_detail(request, reference, errors={"action": _("This action is not possible now.")}, status=400)
    try:
        case_transition(actor=request.user, case=case, action=action, comment=request.POST.get("comment", ""),
                        expected_state=request.POST.get("state") or None, as_reporter=True,
                        uploads=request.FILES.getlist("attachments"))
    except ApplicationError as exc:
        message = " ".join(str(m) for msgs in exc.fields.values() for m in msgs) or str(exc.message)
        return case_detail(request, reference, errors={"action": message}, status=400)
    messages.success(request, _("Thank you. The entity has been told."))
    return redirect("complaints:case", reference=case.reference)


@require_POST
def case_rate_view(request, reference: str):
    case = access_case_public(request.user, _granted(request), reference)
    try:
        case_rate(actor=request.user, case=case, score=request.POST.get("score"),
                  comment=request.POST.get("comment", ""), as_reporter=True)
    except ApplicationError as exc:
        message = " ".join(str(m) for msgs in exc.fields.values() for m in msgs) or str(exc.message)
        return case_detail(request, reference, errors={"rating": message}, status=400)
    messages.success(request, _("Thank you for your rating."))
    return redirect("complaints:case", reference=case.reference)


def attachment(request, reference: str, ref: str):
    case = access_case_public(request.user, _granted(request), reference)
    item = access_attachment(case, ref)
    return file_response(item.file, name=item.name, content_type=item.content_type, inline=False)
