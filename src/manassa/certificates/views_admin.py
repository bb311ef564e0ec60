"""The entity's issued documents (``/<lang>/backoffice/documents/``): list, one document, revoke; and the
services' document settings.

Every lookup goes through a scoped selector: another entity's document or
service is a 404, also for POSTs. Revoking needs a supervisor or an
administrator; the settings, the entity administrator.
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

from manassa.certificates.models import STATE_LABELS, IssuedKind, IssuedStatus
from manassa.certificates.selectors import (
    DocumentFilters,
    access_issued_document,
    access_setting_service,
    document_entities_for,
    document_services_for,
    issued_documents_page,
    may_revoke,
    setting_of,
    setting_services_for,
)
from manassa.certificates.services import (
    REASON_MAX,
    TITLE_MAX,
    certificate_setting_save,
    issued_document_render,
    issued_document_revoke,
    printable_fields,
)
from manassa.core.downloads import file_response
from manassa.core.errors import Forbidden, InvalidInput
from manassa.core.files import PDF
from manassa.core.i18n import pick

# --- forms -------------------------------------------------------------------------------


class DocumentFilterForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Document or request number"), required=False, max_length=40)
    entity = forms.ChoiceField(label=gettext_lazy("Entity"), required=False)
    service = forms.TypedChoiceField(label=gettext_lazy("Service"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(self, data, *, entities, services):
        super().__init__(data, auto_id="filter-%s")
        self.fields["entity"].choices = [("", _("All my entities"))] + [(e.code, e.name) for e in entities]
        if len(entities) < 2:
            del self.fields["entity"]
        self.fields["service"].choices = [("", _("All services"))] + [(s.id, s.name) for s in services]
        self.fields["status"].choices = [("", _("Any status"))] + list(IssuedStatus.choices)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for revoking"), max_length=REASON_MAX,
                             help_text=gettext_lazy("Shown on the verification page and told to the holder."),
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="revoke-%s", **kwargs)


class SettingForm(forms.Form):
    enabled = forms.BooleanField(label=gettext_lazy("Issue a document when a request is approved"),
                                 required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of document"), choices=IssuedKind.choices)
    title_ar = forms.CharField(label=gettext_lazy("Title (Arabic)"), max_length=TITLE_MAX)
    title_en = forms.CharField(label=gettext_lazy("Title (English)"), max_length=TITLE_MAX)
    answer_keys = forms.MultipleChoiceField(
        label=gettext_lazy("Answers printed on the document"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("They are also shown to anyone who verifies the document: choose only what the "
                               "document must prove."))
    validity_days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), required=False, min_value=1,
                                       max_value=36500,
                                       help_text=gettext_lazy("Leave empty for a document that does not expire."))

    def __init__(self, *args, fields, **kwargs):
        super().__init__(*args, auto_id="setting-%s", **kwargs)
        self.fields["answer_keys"].choices = [(key, pick(label)) for key, label in fields]
        self.fields["title_ar"].widget.attrs.update({"lang": "ar", "dir": "rtl"})
        self.fields["title_en"].widget.attrs.update({"lang": "en", "dir": "ltr"})
        if not fields:
            del self.fields["answer_keys"]


def _add_errors(form, exc: InvalidInput) -> None:
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, str(error))
    if not exc.fields:
        form.add_error(None, str(exc.message))


def _crumbs(*items):
    base = [{"label": _("Back office"), "url": reverse("backoffice:home")}]
    return base + [{"label": label, "url": url, "literal": literal} for label, url, literal in items]


def _list_crumb():
    return (_("Issued documents"), reverse("certificates_admin:list"), False)


# --- issued documents ----------------------------------------------------------------------


@login_required
def document_list(request):
    entities = document_entities_for(request.user)
    if not entities:
        raise Forbidden()
    form = DocumentFilterForm(request.GET or None, entities=entities, services=document_services_for(request.user))
    data = form.cleaned_data if form.is_valid() else {}
    entity_id = next((e.id for e in entities if e.code == data.get("entity")), None)
    filters = DocumentFilters(entity_id=entity_id, service_id=data.get("service"), status=data.get("status") or None,
                              number=data.get("number") or "")
    try:
        after = int(request.GET.get("after", "")) or None
    except ValueError:
        after = None
    rows, next_after = issued_documents_page(request.user, filters, after=after)
    return render(request, "certificates/admin/list.html", {
        "form": form,
        "rows": [{"document": d, "state": d.state, "state_label": STATE_LABELS[d.state]} for d in rows],
        "next_after": next_after, "after": after,
        "filtered": any(v not in (None, "") for v in data.values()),
        "can_configure": _can_configure(request.user),
        "breadcrumbs": _crumbs((_("Issued documents"), None, False)),
    })


def _can_configure(user) -> bool:
    try:
        setting_services_for(user)
    except Forbidden:
        return False
    return True


def _detail(request, document, *, revoke_form=None, status=200):
    can_revoke = may_revoke(request.user, document) and not document.is_revoked
    return render(request, "certificates/admin/detail.html", {
        "document": document,
        "state": document.state,
        "state_label": STATE_LABELS[document.state],
        "fields": [{"label": pick(f.get("label") or {}), "value": pick(f.get("value") or {})}
                   for f in document.fields or []],
        "can_revoke": can_revoke,
        "revoke_form": (revoke_form or RevokeForm()) if can_revoke else None,
        "breadcrumbs": _crumbs(_list_crumb(), (document.number, None, True)),
    }, status=status)


@login_required
def document_detail(request, number: str):
    return _detail(request, access_issued_document(request.user, number))


@login_required
def document_pdf(request, number: str):
    document = access_issued_document(request.user, number)
    if not document.pdf:
        document = issued_document_render(document_id=document.pk)
    return file_response(document.pdf, name=f"{document.number}.pdf", content_type=PDF,
                         inline=not request.GET.get("download"))


@login_required
@require_POST
def document_revoke(request, number: str):
    document = access_issued_document(request.user, number)
    if not may_revoke(request.user, document):
        raise Forbidden()
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return _detail(request, document, revoke_form=form, status=400)
    try:
        issued_document_revoke(actor=request.user, document=document, reason=form.cleaned_data["reason"])
    except InvalidInput as exc:
        if exc.code == "already_revoked":
            messages.info(request, str(exc.message))
            return redirect("certificates_admin:detail", number=document.number)
        _add_errors(form, exc)
        return _detail(request, document, revoke_form=form, status=400)
    messages.success(request, _("The document was revoked. Verification now shows it as revoked."))
    return redirect("certificates_admin:detail", number=document.number)


# --- document settings of services -----------------------------------------------------------


@login_required
def setting_list(request):
    services = list(setting_services_for(request.user))
    rows = []
    for service in services:
        setting = getattr(service, "certificate_setting", None)
        rows.append({"service": service, "setting": setting, "enabled": bool(setting and setting.enabled)})
    return render(request, "certificates/admin/settings.html", {
        "rows": rows,
        "breadcrumbs": _crumbs(_list_crumb(), (_("Documents of services"), None, False)),
    })


@login_required
def setting_edit(request, service_code: str):
    service = access_setting_service(request.user, service_code)
    setting = setting_of(service)
    fields = printable_fields(service)
    initial = {"kind": IssuedKind.CERTIFICATE, "title_ar": service.name_ar, "title_en": service.name_en}
    if setting is not None:
        initial = {"enabled": setting.enabled, "kind": setting.kind, "title_ar": setting.title_ar,
                   "title_en": setting.title_en, "answer_keys": setting.answer_keys,
                   "validity_days": setting.validity_days}
    form = SettingForm(request.POST or None, initial=initial, fields=fields)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                certificate_setting_save(actor=request.user, service=service, enabled=data["enabled"],
                                         kind=data["kind"], title_ar=data["title_ar"], title_en=data["title_en"],
                                         answer_keys=data.get("answer_keys") or [],
                                         validity_days=data["validity_days"])
            except InvalidInput as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The document setting of the service was saved."))
                return redirect("certificates_admin:settings")
        status = 400
    return render(request, "certificates/admin/setting_edit.html", {
        "service": service, "form": form, "has_form_fields": bool(fields),
        "breadcrumbs": _crumbs(_list_crumb(), (_("Documents of services"), reverse("certificates_admin:settings"),
                                               False), (service.name, None, False)),
    }, status=status)
