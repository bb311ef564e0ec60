"""Issuing, rendering and revoking documents; the services' document settings.

Issuing happens inside the transaction of the change that causes it (an
application approved): the ``IssuedDocument`` row, its number, the task that
renders the PDF, the ``document.issued`` event and the audit event commit
together or not at all. The PDF itself is rendered by that task after the
commit (WeasyPrint takes a good part of a second, too long to hold the
application's lock); a download that comes first renders it on the spot.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from manassa.accounts.permissions import Perm, has_entity_perm
from manassa.audit.services import audit_record
from manassa.certificates.codes import code_new
from manassa.certificates.models import (
    NUMBER_PREFIXES,
    CertificateSetting,
    DocumentNumberSequence,
    IssuedDocument,
    IssuedKind,
    IssuedStatus,
)
from manassa.core.errors import Forbidden, InvalidInput, NotFound
from manassa.core.events import DomainEvent, emit
from manassa.core.i18n import pick

APPROVED = "approved"
REASON_MAX = 1000
TITLE_MAX = 200

# Answers that can be printed: a file or a repeated group cannot.
PRINTABLE_TYPES = frozenset({"text", "long_text", "number", "money", "date", "select", "multi_select", "yes_no",
                             "emirates_id", "mobile", "email", "address"})


# --- numbers --------------------------------------------------------------------------------


def document_number_next(*, kind: str, year: int | None = None) -> str:
    """``CERT-2026-000123``: the next number for the kind's prefix and the year.

    The sequence row is locked until the issuing transaction commits, so two
    documents never share a number and numbers have no gaps. Issuing is rare
    next to submitting, so the short wait is acceptable on PostgreSQL too.
    """
    prefix = NUMBER_PREFIXES[IssuedKind(kind)]
    year = year or timezone.localdate().year
    DocumentNumberSequence.objects.bulk_create([DocumentNumberSequence(prefix=prefix, year=year)],
                                               ignore_conflicts=True)
    sequence = DocumentNumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{prefix}-{year}-{sequence.last:06d}"


# --- issuing --------------------------------------------------------------------------------


def _bilingual(value: Any) -> dict[str, str]:
    """``{"ar", "en"}`` from a pair (one missing language takes the other) or one text for both."""
    if isinstance(value, dict):
        return {"ar": str(pick(value, "ar")), "en": str(pick(value, "en"))}
    text = "" if value is None else str(value)
    return {"ar": text, "en": text}


def _clean_fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep only ``{"label": {"ar", "en"}, "value": {"ar", "en"}}``: all the verification page may show."""
    return [{"label": _bilingual(item.get("label")), "value": _bilingual(item.get("value"))} for item in fields]


@transaction.atomic
def issued_document_issue(*, actor, source_key: str, entity, holder, kind: str, title_ar: str, title_en: str,
                          fields: list[dict[str, Any]], service=None, application=None,
                          valid_until=None) -> IssuedDocument:
    """Issue a document to ``holder`` (idempotent by ``source_key``: the same source never issues two).

    ``fields`` are the label/value pairs printed on the document and shown on
    its verification page, and nothing else about the holder is ever shown.
    The PDF is rendered by a task enqueued in this transaction.
    """
    existing = IssuedDocument.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    document = IssuedDocument.objects.create(
        source_key=source_key, application=application, entity=entity, service=service, holder=holder,
        kind=IssuedKind(kind), number=document_number_next(kind=kind), code=code_new(),
        title_ar=title_ar.strip()[:TITLE_MAX], title_en=title_en.strip()[:TITLE_MAX],
        fields=_clean_fields(fields), issued_at=timezone.now(), valid_until=valid_until,
    )
    from manassa.certificates.tasks import issued_document_render_task

    issued_document_render_task.enqueue(document_id=document.pk)
    emit(DomainEvent(kind="document.issued", entity_code=entity.code, subject=document, actor=actor,
                     data=_event_data(document)))
    audit_record(actor=actor, action="document.issued", obj=document, entity_code=entity.code,
                 changes={"number": document.number, "kind": document.kind, "source": source_key,
                          "holder": holder.pk})
    return document


def _event_data(document: IssuedDocument) -> dict[str, Any]:
    # "name" is what a message calls the document in any language; "title" has it in both.
    return {
        "number": document.number, "name": document.number, "kind": document.kind, "holder": document.holder_id,
        "reference": document.application.reference if document.application_id else "",
        "title": {"ar": document.title_ar, "en": document.title_en},
    }


def application_answer_fields(application, keys: list[str]) -> list[dict[str, Any]]:
    """The answers to the questions ``keys``, as bilingual label/value pairs in the order given.

    Values are written as the "check your answers" page shows them (a choice's
    label, a date in words) in each language. Questions the applicant did not
    answer, or that were not shown to them, are left out.
    """
    from manassa.applications.formdefs import answers_clean
    from manassa.applications.formdefs.render import summary_sections
    from manassa.applications.selectors import form_of

    definition = form_of(application)
    values = answers_clean(definition, application.answers).values
    texts: dict[str, dict[str, str]] = {}
    for language in ("ar", "en"):
        with override(language):
            for key, text in _row_texts(definition, values, summary_sections(definition, values)).items():
                texts.setdefault(key, {})[language] = text
    fields = []
    for key in keys:
        f = definition.fields.get(key)
        if f is None or key not in texts or values.get(key) is None:
            continue
        fields.append({"label": {"ar": pick(f.label, "ar"), "en": pick(f.label, "en")}, "value": texts[key]})
    return fields


def _row_texts(definition, values, sections) -> dict[str, str]:
    """Field key → shown text, pairing the summary's rows with the fields it showed (same order, same rules)."""
    pages = [page for page in definition.pages if page.show_if is None or page.show_if.evaluate(values.get)]
    texts = {}
    for page, section in zip(pages, sections, strict=False):
        shown = [f for f in page.fields if f.show_if is None or f.show_if.evaluate(values.get)]
        for f, row in zip(shown, section.rows, strict=False):
            if f.type in PRINTABLE_TYPES:
                texts[f.key] = ", ".join(row.lines) if row.lines else str(row.text)
    return texts


def application_document_issue(*, actor, application) -> IssuedDocument | None:
    """The document an approved application's service issues, if the service issues one (idempotent)."""
    setting = CertificateSetting.objects.filter(service_id=application.service_id, enabled=True).first()
    if setting is None or application.outcome != APPROVED or application.reference is None:
        return None
    today = timezone.localdate()
    valid_until = today + timedelta(days=setting.validity_days) if setting.validity_days else None
    service = application.service
    return issued_document_issue(
        actor=actor, source_key=f"application:{application.pk}", entity=application.entity,
        holder=application.applicant, kind=setting.kind,
        title_ar=setting.title_ar or service.name_ar, title_en=setting.title_en or service.name_en,
        fields=application_answer_fields(application, list(setting.answer_keys or [])),
        service=service, application=application, valid_until=valid_until,
    )


# --- the PDF --------------------------------------------------------------------------------


def issued_document_render(*, document_id: int, force: bool = False) -> IssuedDocument:
    """Render and store the document's PDF once (``force`` renders it again); returns the document.

    The row is locked while rendering, so a task and a download arriving
    together render it once.
    """
    from manassa.certificates.pdf import document_pdf

    with transaction.atomic():
        document = (IssuedDocument.objects.select_for_update(of=("self",))
                    .select_related("entity", "service").get(pk=document_id))
        if document.pdf and not force:
            return document
        content = document_pdf(document)
        old_name = document.pdf.name if document.pdf else ""
        document.pdf.save(f"{uuid.uuid4().hex}.pdf", ContentFile(content), save=False)
        document.sha256 = hashlib.sha256(content).hexdigest()
        document.rendered_at = timezone.now()
        try:
            document.save(update_fields=["pdf", "sha256", "rendered_at"])
        except Exception:
            document.pdf.delete(save=False)
            raise
        if old_name:
            storage = document.pdf.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    return document


# --- revoking -------------------------------------------------------------------------------


@transaction.atomic
def issued_document_revoke(*, actor, document: IssuedDocument, reason: str) -> IssuedDocument:
    """Revoke a valid document with a reason the verification page shows; the holder is told (event)."""
    if not has_entity_perm(actor, document.entity_id, Perm.BACKOFFICE):
        raise NotFound()
    if not has_entity_perm(actor, document.entity_id, Perm.APPLICATIONS_SUPERVISE):
        raise Forbidden()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give the reason for revoking the document.")]})
    if len(reason) > REASON_MAX:
        raise InvalidInput(fields={"reason": [_("Keep the reason to %(max)d characters or fewer.") % {
            "max": REASON_MAX}]})
    document = IssuedDocument.objects.select_for_update(of=("self",)).select_related("entity").get(pk=document.pk)
    if document.status == IssuedStatus.REVOKED:
        raise InvalidInput(_("This document is already revoked."), code="already_revoked")
    document.status = IssuedStatus.REVOKED
    document.revoked_at = timezone.now()
    document.revoked_by = actor
    document.revocation_reason = reason
    document.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
    emit(DomainEvent(kind="document.revoked", entity_code=document.entity.code, subject=document, actor=actor,
                     data={**_event_data(document), "reason": reason}))
    audit_record(actor=actor, action="document.revoked", obj=document, entity_code=document.entity.code,
                 changes={"number": document.number, "reason": reason})
    return document


# --- a service's document setting -------------------------------------------------------------


def printable_fields(service) -> list[tuple[str, dict[str, str]]]:
    """(key, bilingual label) of the published form's questions whose answers can be printed."""
    from manassa.applications.formdefs import definition_validate
    from manassa.applications.models import DefinitionStatus, ServiceForm

    form = ServiceForm.objects.filter(service=service, status=DefinitionStatus.PUBLISHED).first()
    if form is None:
        return []
    definition = definition_validate(form.definition)
    return [(f.key, f.label) for page in definition.pages for f in page.fields if f.type in PRINTABLE_TYPES]


@transaction.atomic
def certificate_setting_save(*, actor, service, enabled: bool, kind: str, title_ar: str, title_en: str,
                             answer_keys: list[str], validity_days: int | None) -> CertificateSetting:
    """Create or change the document a service issues on approval (the entity administrator's choice)."""
    if not has_entity_perm(actor, service.entity_id, Perm.BACKOFFICE):
        raise NotFound()
    if not has_entity_perm(actor, service.entity_id, Perm.CATALOG_EDIT):
        raise Forbidden()
    errors: dict[str, list] = {}
    title_ar, title_en = (title_ar or "").strip(), (title_en or "").strip()
    if kind not in IssuedKind.values:
        errors["kind"] = [_("Choose a kind of document.")]
    for name, value in (("title_ar", title_ar), ("title_en", title_en)):
        if not value:
            errors[name] = [_("Give the document's title.")]
        elif len(value) > TITLE_MAX:
            errors[name] = [_("Keep the title to %(max)d characters or fewer.") % {"max": TITLE_MAX}]
    allowed = {key for key, _label in printable_fields(service)}
    keys = list(dict.fromkeys(answer_keys or []))
    if any(key not in allowed for key in keys):
        errors["answer_keys"] = [_("Choose only questions of the service's published form.")]
    if validity_days is not None and not 1 <= validity_days <= 36500:
        errors["validity_days"] = [_("Give a number of days from 1 to 36500, or leave it empty.")]
    if errors:
        raise InvalidInput(fields=errors)
    setting = CertificateSetting.objects.select_for_update().filter(service=service).first()
    before = _setting_values(setting) if setting else {}
    setting = setting or CertificateSetting(service=service)
    setting.enabled, setting.kind, setting.title_ar, setting.title_en = bool(enabled), kind, title_ar, title_en
    setting.answer_keys, setting.validity_days, setting.updated_by = keys, validity_days, actor
    setting.save()
    after = _setting_values(setting)
    audit_record(actor=actor, action="certificates.setting_saved", obj=service, entity_code=service.entity.code,
                 changes={key: [before.get(key), value] for key, value in after.items() if before.get(key) != value})
    return setting


def _setting_values(setting: CertificateSetting) -> dict[str, Any]:
    return {"enabled": setting.enabled, "kind": setting.kind, "title_ar": setting.title_ar,
            "title_en": setting.title_en, "answer_keys": list(setting.answer_keys or []),
            "validity_days": setting.validity_days}
