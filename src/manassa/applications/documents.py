"""Documents of an application: files that answer a question, documents added later, and results.

Every upload goes through ``document_store``: the type is found from the bytes
(``core.files.sniff_content_type``), checked with the size against what the
question accepts, and the file is written through the private ``documents``
storage under a random reference. Answers keep only the metadata
``{"ref", "name", "content_type", "size"}``; a reference in answers must be one
of the application's own documents, which ``answer_documents_check`` enforces
at submission.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manassa.accounts.permissions import entity_role
from manassa.applications.formdefs import FormDefinition
from manassa.applications.formdefs.answers import validate_file
from manassa.applications.formdefs.schema import Field
from manassa.applications.models import (
    DRAFT_STATE,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    DocumentKind,
)
from manassa.applications.selectors import form_of, workflow_of
from manassa.audit.services import audit_record
from manassa.core.errors import Forbidden, InvalidInput, NotFound
from manassa.core.events import DomainEvent, emit
from manassa.core.files import JPEG, PDF, PNG, WEBP, safe_file_name, sniff_content_type, type_names
from manassa.core.i18n import pick

# Titles of the history events this module writes (the workflow's actions title the others).
EVENT_TITLES = {"document_added": _("Document added"), "result_added": _("Result issued")}

# What an added document or a result may be when no question says otherwise.
OTHER_DOCUMENT_TYPES = (PDF, PNG, JPEG, WEBP)


def other_document_max_size() -> int:
    return getattr(settings, "MANASSA_DOCUMENT_MAX_SIZE", 10 * 1024 * 1024)


class _Accepts:
    """What ``validate_file`` needs of a question, for documents that answer none."""

    def __init__(self, content_types, max_size) -> None:
        self.content_types = tuple(content_types)
        self.max_size = max_size


def _unrecognised(accepted) -> ValidationError:
    return ValidationError(_("This file is not one of the accepted types (%(types)s), or it is damaged."),
                           code="content_type", params={"types": type_names(accepted)})


def _check_upload(upload, accepts) -> str:
    """The real content type of ``upload``, or ``ValidationError`` with a message for the person."""
    size = upload.size
    if not size:
        raise ValidationError(_("The file is empty."), code="empty")
    if accepts.max_size is not None and size > accepts.max_size:
        raise ValidationError(_("The file must be %(limit)s or smaller."), code="max_size",
                              params={"limit": filesizeformat(accepts.max_size)})
    content_type = sniff_content_type(upload)
    if content_type is None:
        raise _unrecognised(accepts.content_types)
    validate_file(accepts, content_type=content_type, size=size)
    return content_type


def _digest(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _store(*, actor, application: Application, upload, accepts, kind: str, field_path: str = "",
           description: str = "") -> ApplicationDocument:
    content_type = _check_upload(upload, accepts)
    document = ApplicationDocument(
        application=application, ref=uuid.uuid4().hex, kind=kind, field_path=field_path,
        name=safe_file_name(getattr(upload, "name", ""), content_type=content_type),
        content_type=content_type, size=upload.size, sha256=_digest(upload),
        description=description.strip()[:200], uploaded_by=actor, uploaded_at=timezone.now(),
    )
    document.file.save(document.ref, upload, save=False)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document


def document_metadata(document: ApplicationDocument) -> dict[str, Any]:
    """What an answer keeps of a file."""
    return {"ref": document.ref, "name": document.name, "content_type": document.content_type,
            "size": document.size}


def _applicant_may_change(application: Application) -> bool:
    if application.state == DRAFT_STATE:
        return True
    state = workflow_of(application).states[application.state]
    return state.waiting_for == "customer" and not state.terminal


@transaction.atomic
def answer_document_store(*, actor, application: Application, field: Field, path: str, upload) -> dict[str, Any]:
    """Store a file that answers ``field`` (at ``path``) and return the metadata to put in the answers.

    Raises ``ValidationError`` (with the person's message) for a file of the
    wrong type or size, ``InvalidInput`` when the request can no longer change.
    """
    if application.applicant_id != actor.pk:
        raise Forbidden()
    if not _applicant_may_change(application):
        raise InvalidInput(_("This request can no longer be changed."), code="not_editable")
    document = _store(actor=actor, application=application, upload=upload, accepts=field,
                      kind=DocumentKind.ANSWER, field_path=path)
    return document_metadata(document)


@transaction.atomic
def additional_document_add(*, actor, application: Application, upload, description: str = "") -> ApplicationDocument:
    """A document the applicant adds while the entity waits for them (a request for more information)."""
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if application.applicant_id != actor.pk:
        raise Forbidden()
    if application.state == DRAFT_STATE or not _applicant_may_change(application):
        raise InvalidInput(_("Documents can be added only when the entity asks for more information."),
                           code="not_editable")
    accepts = _Accepts(OTHER_DOCUMENT_TYPES, other_document_max_size())
    document = _store(actor=actor, application=application, upload=upload, accepts=accepts,
                      kind=DocumentKind.ADDITIONAL, description=description)
    ApplicationEvent.objects.create(application=application, actor=actor, action="document_added",
                                    from_state=application.state, to_state=application.state,
                                    comment=document.description)
    emit(DomainEvent(kind="application.document_added", entity_code=application.entity.code, subject=application,
                     actor=actor, data={"reference": application.reference, "state": application.state,
                                        "document": document.ref}))
    audit_record(actor=actor, action="application.document_added", obj=application,
                 entity_code=application.entity.code,
                 changes={"reference": application.reference, "document": document.ref, "sha256": document.sha256})
    return document


@transaction.atomic
def result_document_add(*, actor, application: Application, upload, description: str = "") -> ApplicationDocument:
    """A result the entity gives the applicant (a permit, a letter); the applicant is told in a notice."""
    if actor is not None and not entity_role(actor, application.entity_id):
        raise NotFound()
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if application.state == DRAFT_STATE:
        raise InvalidInput(_("Submit the request first."), code="not_submitted")
    accepts = _Accepts(OTHER_DOCUMENT_TYPES, other_document_max_size())
    document = _store(actor=actor, application=application, upload=upload, accepts=accepts,
                      kind=DocumentKind.RESULT, description=description)
    ApplicationEvent.objects.create(application=application, actor=actor, action="result_added",
                                    from_state=application.state, to_state=application.state,
                                    comment=document.description)
    emit(DomainEvent(kind="application.result_added", entity_code=application.entity.code, subject=application,
                     actor=actor, data={"reference": application.reference, "state": application.state,
                                        "document": document.ref, "name": document.name}))
    audit_record(actor=actor, action="application.result_added", obj=application,
                 entity_code=application.entity.code,
                 changes={"reference": application.reference, "document": document.ref, "sha256": document.sha256})
    return document


# --- answers and their files ------------------------------------------------------------


def answer_file_refs(definition: FormDefinition, answers: dict[str, Any]) -> dict[str, str]:
    """``path → ref`` of every file in ``answers`` (top-level questions and group items)."""
    found: dict[str, str] = {}
    if not isinstance(answers, dict):
        return found
    for page in definition.pages:
        for f in page.fields:
            value = answers.get(f.key)
            if f.type == "file" and isinstance(value, dict) and isinstance(value.get("ref"), str):
                found[f.key] = value["ref"]
            elif f.type == "group" and isinstance(value, list):
                for index, item in enumerate(value):
                    if not isinstance(item, dict):
                        continue
                    for member in f.fields:
                        meta = item.get(member.key)
                        if member.type == "file" and isinstance(meta, dict) and isinstance(meta.get("ref"), str):
                            found[f"{f.key}[{index}].{member.key}"] = meta["ref"]
    return found


def answer_documents_check(application: Application, answers: dict[str, Any]) -> None:
    """Every file in ``answers`` must be one of this application's documents, as stored (``InvalidInput``)."""
    refs = answer_file_refs(form_of(application), answers)
    if not refs:
        return
    stored = {d.ref: d for d in ApplicationDocument.objects.filter(application=application, ref__in=refs.values())}
    wrong = {}
    for path, ref in refs.items():
        document = stored.get(ref)
        if document is None or document.kind != DocumentKind.ANSWER:
            wrong[path] = [_("Upload the file again.")]
    if wrong:
        raise InvalidInput(fields=wrong)


def unused_answer_documents_forget(*, application: Application) -> int:
    """Delete a draft's uploads that no answer refers to any more (replaced or removed files).

    Submitted requests keep every file they were sent with, for the history.
    """
    if application.state != DRAFT_STATE:
        return 0
    used = set(answer_file_refs(form_of(application), application.answers).values())
    unused = list(ApplicationDocument.objects.filter(application=application, kind=DocumentKind.ANSWER)
                  .exclude(ref__in=used))
    for document in unused:
        name = document.file.name
        document.delete()
        transaction.on_commit(lambda name=name: _storage().delete(name))
    return len(unused)


def _storage():
    return ApplicationDocument._meta.get_field("file").storage


# --- reads ----------------------------------------------------------------------------


def documents_of(application: Application) -> QuerySet[ApplicationDocument]:
    return application.documents.select_related("uploaded_by").order_by("uploaded_at", "id")


def access_document(application: Application, ref: str) -> ApplicationDocument:
    """One document of an application already obtained through a scoped selector; 404 otherwise."""
    document = application.documents.filter(ref=ref).first()
    if document is None:
        raise NotFound()
    return document


def question_label(definition: FormDefinition, path: str) -> str:
    """The question a file answers, in the active language: "Passport copy", "Vehicles 2: Photo"."""
    key, _sep, rest = path.partition("[")
    f = definition.fields.get(key)
    if f is None:
        return path
    if not rest:
        return pick(f.label)
    index, _sep, member_key = rest.partition("].")
    member = next((m for m in f.fields if m.key == member_key), None)
    number = int(index) + 1 if index.isdigit() else index
    return f"{pick(f.label)} {number}: {pick(member.label) if member else member_key}"


def answer_documents(application: Application) -> list[tuple[str, ApplicationDocument]]:
    """(question, document) of the files the current answers refer to, in form order."""
    definition = form_of(application)
    refs = answer_file_refs(definition, application.answers)
    by_ref = {d.ref: d for d in application.documents.filter(ref__in=refs.values())}
    return [(question_label(definition, path), by_ref[ref]) for path, ref in refs.items() if ref in by_ref]


def other_documents(application: Application, kind: str) -> list[tuple[str, ApplicationDocument]]:
    """(description, document) of the added documents or the results, oldest first."""
    return [(d.description, d) for d in application.documents.filter(kind=kind).order_by("uploaded_at", "id")]
