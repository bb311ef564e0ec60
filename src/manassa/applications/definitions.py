"""Editing a service's form and workflow in the back office: drafts, checking, publishing, discarding.

A service has at most one draft of each kind (``ServiceForm`` / ``ServiceWorkflow``
with ``status=draft``). A draft carries version 0, "not numbered yet": the
unique (service, version) constraint then also allows only one draft per
service, and a version published meanwhile by ``services.service_form_publish``
(the demo loader, an import) cannot collide with it. Publishing gives the draft
the next number and supersedes the published version; applications keep the
row they were made with, so a request never changes form under its applicant.

Saving a draft replaces its row (a new id) rather than updating it. The
selectors keep parsed definitions per process by row id (``workflows_by_id``
parses every workflow row of an entity, drafts included), so a row's
definition must never change once written: then no process can hold a stale
parse, and nothing has to be invalidated across processes. The new id is also
the draft's version token: an editor posts the id it started from, and a save
or a publish based on an older draft is refused instead of overwriting a
colleague's work.

Drafts are checked when saved, as published versions are: the back-office
queue parses every workflow row, and a draft is always ready to publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manassa.accounts.permissions import Perm, has_entity_perm
from manassa.applications import selectors
from manassa.applications.formdefs import definition_validate
from manassa.applications.formdefs.schema import InvalidFormDefinition
from manassa.applications.models import DefinitionStatus, ServiceForm, ServiceWorkflow
from manassa.applications.workflow import TEMPLATES, InvalidWorkflow, parse_workflow
from manassa.audit.services import audit_record
from manassa.core.documents import document_parse
from manassa.core.errors import Conflict, Forbidden, InvalidInput, NotFound

FORM = "form"
WORKFLOW = "workflow"
KINDS = {FORM: ServiceForm, WORKFLOW: ServiceWorkflow}
DRAFT_VERSION = 0

DRAFT_CHANGED = _("The draft was changed by someone else since you opened it. "
                  "Your text is below: compare it with the current draft before saving again.")


# --- reads --------------------------------------------------------------------------------


def access_service_definitions(user, entity_code: str, service_code: str, *, write: bool = False):
    """(entity, service) for the definitions pages of a service of one of the user's entities.

    Another entity's service, or a service code that is not the entity's, is a
    404 for everyone; staff of the entity read, its admins (``CATALOG_EDIT``) write.
    """
    from manassa.catalog.models import Service
    from manassa.entities.selectors import access_entity

    entity = access_entity(user, entity_code, Perm.ENTITY_VIEW)
    service = Service.objects.filter(entity=entity, code=service_code).first()
    if service is None:
        raise NotFound()
    if write and not can_edit_definitions(user, entity):
        raise Forbidden()
    return entity, service


def can_edit_definitions(user, entity) -> bool:
    return has_entity_perm(user, entity.id, Perm.CATALOG_EDIT)


def definition_versions(*, service, kind: str) -> list:
    """Every version of the service's form or workflow, the draft first, then newest first.

    Each row gets ``published_by``: the label of whoever published it, from the audit trail (one query).
    """
    from manassa.audit.models import AuditEvent

    model = KINDS[kind]
    rows = list(model.objects.filter(service=service).select_related("created_by").order_by("version"))
    rows = [row for row in rows if row.status == DefinitionStatus.DRAFT] + sorted(
        (row for row in rows if row.status != DefinitionStatus.DRAFT), key=lambda row: -row.version)
    published = {str(row.pk): row for row in rows if row.published_at}
    for row in rows:
        row.published_by = ""
    if published:
        events = (AuditEvent.objects.filter(object_type=model._meta.label_lower, object_id__in=published,
                                            action=_published_action(model))
                  .values_list("object_id", "actor_label"))
        for object_id, actor_label in events:
            published[object_id].published_by = "" if actor_label == "system" else actor_label
    return rows


def definition_draft(*, service, kind: str):
    return KINDS[kind].objects.filter(service=service, status=DefinitionStatus.DRAFT).first()


def definition_published(*, service, kind: str):
    return KINDS[kind].objects.filter(service=service, status=DefinitionStatus.PUBLISHED).first()


# --- checking -------------------------------------------------------------------------------


def _error_class(kind: str):
    return InvalidFormDefinition if kind == FORM else InvalidWorkflow


def definition_parse_text(*, kind: str, text: str) -> Any:
    """The JSON value of an author's text; the kind's ``InvalidDocument`` with line and column when it is not JSON."""
    return document_parse(text, error=_error_class(kind))


def definition_check(*, kind: str, document: Any) -> None:
    """Raise the kind's ``InvalidDocument`` listing every author error as ``path: reason``."""
    if kind == FORM:
        definition_validate(document)
    elif not isinstance(document, dict):
        raise InvalidWorkflow([str(_("$: must be an object"))])
    else:
        parse_workflow(document)


def definition_errors(*, kind: str, document: Any) -> list[str]:
    try:
        definition_check(kind=kind, document=document)
    except (InvalidFormDefinition, InvalidWorkflow) as exc:
        return exc.errors
    return []


# --- writes ---------------------------------------------------------------------------------


def _published_action(model) -> str:
    # The same action as services._publish, so the audit trail reads one way however a version was published.
    return f"applications.{model._meta.model_name}.published"


def _lock(model, service):
    """Serialise every change of this service's definitions of this kind.

    The service row orders editors (even when no definition row exists yet); the
    definition rows order this module against ``services._publish``, which locks them.
    """
    from manassa.catalog.models import Service

    Service.objects.select_for_update().filter(pk=service.pk).first()
    return list(model.objects.select_for_update().filter(service=service).order_by("pk"))


def _check_base(draft, based_on: int | None) -> None:
    current = draft.pk if draft is not None else None
    if current != based_on:
        raise Conflict(DRAFT_CHANGED, code="draft_changed")


def _forget_parsed(pk: int) -> None:
    # Rows are never changed once written (see the module's docstring), so this only frees memory of dead rows.
    selectors._parsed_forms.pop(pk, None)
    selectors._parsed_workflows.pop(pk, None)


@transaction.atomic
def definition_draft_save(*, actor, service, kind: str, document: Any, based_on: int | None):
    """Keep ``document`` as the draft of the service's form or workflow; it must be valid.

    ``based_on`` is the id of the draft the author started from (None: there
    was none); a draft saved meanwhile by someone else raises ``Conflict``.
    Raises the kind's ``InvalidDocument`` listing every error; nothing changes then.
    """
    model = KINDS[kind]
    if not can_edit_definitions(actor, service.entity):
        raise Forbidden()
    definition_check(kind=kind, document=document)
    rows = _lock(model, service)
    draft = next((row for row in rows if row.status == DefinitionStatus.DRAFT), None)
    _check_base(draft, based_on)
    if draft is not None:
        draft.delete()
        _forget_parsed(draft.pk)
    row = model.objects.create(service=service, version=DRAFT_VERSION, definition=document, created_by=actor,
                               status=DefinitionStatus.DRAFT)
    audit_record(actor=actor, action=f"applications.{model._meta.model_name}.draft_saved", obj=row,
                 entity_code=service.entity.code, changes={"service": service.code})
    return row


def definition_draft_from_template(*, actor, service, template: str, based_on: int | None) -> ServiceWorkflow:
    """A workflow draft copied from one of the ready-made ``TEMPLATES``."""
    if template not in TEMPLATES:
        raise InvalidInput(_("Choose one of the templates."), code="unknown_template")
    return definition_draft_save(actor=actor, service=service, kind=WORKFLOW, document=TEMPLATES[template],
                                 based_on=based_on)


@transaction.atomic
def definition_draft_publish(*, actor, service, kind: str, draft_id: int | None):
    """Publish the draft ``draft_id`` as the next version; the published one is superseded.

    Refused (``Conflict``) when the draft is no longer the one the author saw,
    (``InvalidInput``) when there is no draft; checked again, in case the
    format's rules became stricter since it was saved.
    """
    model = KINDS[kind]
    if not can_edit_definitions(actor, service.entity):
        raise Forbidden()
    rows = _lock(model, service)
    draft = next((row for row in rows if row.status == DefinitionStatus.DRAFT), None)
    if draft is None:
        raise InvalidInput(_("There is no draft to publish."), code="no_draft")
    _check_base(draft, draft_id)
    definition_check(kind=kind, document=draft.definition)
    version = (model.objects.filter(service=service).aggregate(v=Max("version"))["v"] or 0) + 1
    previous = [row for row in rows if row.status == DefinitionStatus.PUBLISHED]
    model.objects.filter(pk__in=[row.pk for row in previous]).update(status=DefinitionStatus.SUPERSEDED)
    draft.status = DefinitionStatus.PUBLISHED
    draft.version = version
    draft.published_at = timezone.now()
    draft.save(update_fields=["status", "version", "published_at"])
    audit_record(actor=actor, action=_published_action(model), obj=draft, entity_code=service.entity.code,
                 changes={"service": service.code, "version": version,
                          "superseded": [row.version for row in previous]})
    return draft


@transaction.atomic
def definition_draft_discard(*, actor, service, kind: str, draft_id: int | None) -> None:
    """Delete the draft ``draft_id``; the published version stays as it is."""
    model = KINDS[kind]
    if not can_edit_definitions(actor, service.entity):
        raise Forbidden()
    rows = _lock(model, service)
    draft = next((row for row in rows if row.status == DefinitionStatus.DRAFT), None)
    if draft is None:
        raise InvalidInput(_("There is no draft to discard."), code="no_draft")
    _check_base(draft, draft_id)
    pk = draft.pk
    audit_record(actor=actor, action=f"applications.{model._meta.model_name}.draft_discarded", obj=draft,
                 entity_code=service.entity.code, changes={"service": service.code})
    draft.delete()
    _forget_parsed(pk)


@dataclass(frozen=True)
class Starting:
    """What an editor opens with: the draft if there is one, else the published version, else nothing."""

    draft: Any
    published: Any

    @property
    def document(self) -> Any:
        row = self.draft or self.published
        return row.definition if row is not None else None

    @property
    def draft_id(self) -> int | None:
        return self.draft.pk if self.draft is not None else None


def definition_starting(*, service, kind: str) -> Starting:
    return Starting(draft=definition_draft(service=service, kind=kind),
                    published=definition_published(service=service, kind=kind))
