from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manassa.accounts.permissions import Perm, has_entity_perm, has_platform_perm
from manassa.audit.services import audit_record
from manassa.catalog.models import (
    CatalogState,
    LifeEvent,
    RevisionStatus,
    Sector,
    Service,
    ServiceRevision,
    ServiceStatus,
)
from manassa.core.errors import Conflict, Forbidden, InvalidInput


def catalog_version_bump(*, synonyms: bool = False) -> None:
    """Record that the catalog changed; call inside the writing transaction."""
    with transaction.atomic():
        CatalogState.objects.get_or_create(id=1)
        changes = {"version": F("version") + 1}
        if synonyms:
            changes["synonyms_version"] = F("synonyms_version") + 1
        CatalogState.objects.filter(id=1).update(**changes)


# --- Publishing cycle: an entity proposes, the Digital Office publishes ------------------


# The fields a revision may set, in the order they are shown and audited.
REVISION_FIELDS = [
    "name_ar", "name_en", "description_ar", "description_en", "keywords_ar", "keywords_en", "audience",
    "fee_amount", "fee_currency", "fee_note_ar", "fee_note_en", "sla_days", "requirements", "channels",
    "sector", "life_events", "status",
]
_SCALAR_FIELDS = [f for f in REVISION_FIELDS if f not in ("sector", "life_events")]


def service_revision_data(service: Service) -> dict:
    """The current values of a service, in a revision's shape (the starting point of an edit)."""
    data = {name: getattr(service, name) for name in _SCALAR_FIELDS}
    data["sector"] = service.sector.code
    data["life_events"] = sorted(service.life_events.values_list("code", flat=True))
    return data


def _validate_revision_data(data: dict) -> dict:
    unknown = set(data) - set(REVISION_FIELDS)
    if unknown:
        raise InvalidInput(fields={name: [_("not a field of a service")] for name in sorted(unknown)})
    errors: dict[str, list] = {}
    if not Sector.objects.filter(code=data.get("sector")).exists():
        errors["sector"] = [_("Choose a sector.")]
    events = data.get("life_events") or []
    if len(set(LifeEvent.objects.filter(code__in=events).values_list("code", flat=True))) != len(set(events)):
        errors["life_events"] = [_("Unknown life event.")]
    for name in ("name_ar", "name_en", "description_ar"):
        if not (data.get(name) or "").strip():
            errors[name] = [_("This field is required.")]
    if errors:
        raise InvalidInput(fields=errors)
    return data


@transaction.atomic
def service_revision_save(*, actor, entity, data: dict, service: Service | None = None,
                          code: str = "") -> ServiceRevision:
    """Create or update the open draft for a service (or for a new one, by ``code``)."""
    if not has_entity_perm(actor, entity.id, Perm.CATALOG_EDIT):
        raise Forbidden()
    if service is not None and service.entity_id != entity.id:
        raise Forbidden()
    code = service.code if service is not None else code
    if service is None:
        try:
            Service._meta.get_field("code").run_validators(code)
        except ValidationError as exc:
            raise InvalidInput(fields={"code": list(exc.messages)}) from exc
        if Service.objects.filter(code=code).exists():
            raise InvalidInput(fields={"code": [_("A service with this code already exists.")]})
    data = _validate_revision_data({**data, "status": data.get("status", ServiceStatus.ACTIVE)})
    revision = (ServiceRevision.objects.select_for_update()
                .filter(code=code, status__in=[RevisionStatus.DRAFT, RevisionStatus.SUBMITTED]).first())
    if revision is None:
        revision = (ServiceRevision.objects.select_for_update()
                    .filter(code=code, entity=entity, status=RevisionStatus.RETURNED).order_by("-id").first())
    if revision is not None and revision.entity_id != entity.id:
        raise Conflict(_("Another entity is already proposing a service with this code."))
    if revision is not None and revision.status == RevisionStatus.SUBMITTED:
        raise Conflict(_("This change is waiting for the Digital Office; it can be edited again if it is returned."))
    if revision is None:
        revision = ServiceRevision(entity=entity, service=service, code=code, author=actor)
    revision.data = data
    revision.status = RevisionStatus.DRAFT
    revision.author = actor
    revision.save()
    audit_record(actor=actor, action="catalog.revision.saved", obj=revision, entity_code=entity.code,
                 changes={"code": code})
    return revision


@dataclass(frozen=True)
class RevisionAction:
    sources: tuple[str, ...]
    target: str
    needs_comment: bool = False


REVISION_ACTIONS = {
    "submit": RevisionAction((RevisionStatus.DRAFT,), RevisionStatus.SUBMITTED),
    "publish": RevisionAction((RevisionStatus.SUBMITTED,), RevisionStatus.PUBLISHED),
    "return": RevisionAction((RevisionStatus.SUBMITTED,), RevisionStatus.RETURNED, needs_comment=True),
}


def _may(actor, revision: ServiceRevision, action: str) -> bool:
    if action == "submit":
        return has_entity_perm(actor, revision.entity_id, Perm.CATALOG_EDIT)
    return has_platform_perm(actor, Perm.CATALOG_PUBLISH)


def revision_actions_for(actor, revision: ServiceRevision) -> list[str]:
    """The actions this person may take on the revision now (for showing buttons)."""
    return [name for name, rule in REVISION_ACTIONS.items()
            if revision.status in rule.sources and _may(actor, revision, name)]


@transaction.atomic
def service_revision_transition(*, actor, revision: ServiceRevision, action: str,
                                comment: str = "") -> ServiceRevision:
    """The one way a revision changes state: submit, publish or return.

    Locks the row, so two reviewers acting at once get one transition and a
    clear conflict for the other; publishing writes the service in the same
    transaction, audits the difference and tells the search index.
    """
    rule = REVISION_ACTIONS.get(action)
    if rule is None:
        raise InvalidInput(fields={"action": [_("Unknown action.")]})
    revision = ServiceRevision.objects.select_for_update(of=("self",)).select_related("entity").get(pk=revision.pk)
    if not _may(actor, revision, action):
        raise Forbidden()
    if revision.status not in rule.sources:
        raise Conflict(_("This change is no longer in a state that allows this action."))
    comment = (comment or "").strip()
    if rule.needs_comment and not comment:
        raise InvalidInput(fields={"comment": [_("Say what needs to change.")]})
    before = revision.status
    now = timezone.now()
    revision.status = rule.target
    if action == "submit":
        revision.submitted_at = now
        revision.comment = ""
    else:
        revision.reviewer = actor
        revision.decided_at = now
        revision.comment = comment
    if action == "publish":
        revision.service = _service_write(actor=actor, revision=revision)
    revision.save()
    audit_record(actor=actor, action=f"catalog.revision.{action}", obj=revision, entity_code=revision.entity.code,
                 changes={"code": revision.code, "status": [before, revision.status], "comment": comment})
    return revision


def _service_write(*, actor, revision: ServiceRevision) -> Service:
    data = _validate_revision_data(dict(revision.data))
    service = Service.objects.select_for_update().filter(code=revision.code).first()
    created = service is None
    if created:
        service = Service(code=revision.code, slug=revision.code.lower(), entity=revision.entity)
        before = {}
    else:
        before = service_revision_data(service)
    for name in _SCALAR_FIELDS:
        setattr(service, name, data.get(name, getattr(service, name)))
    service.sector = Sector.objects.get(code=data["sector"])
    try:
        service.full_clean()
    except ValidationError as exc:
        raise InvalidInput(fields={k: list(v) for k, v in exc.message_dict.items()}) from exc
    service.save()
    service.life_events.set(LifeEvent.objects.filter(code__in=data.get("life_events") or []))
    after = service_revision_data(service)
    diff = {name: [before.get(name), after[name]] for name in REVISION_FIELDS if before.get(name) != after[name]}
    audit_record(actor=actor, action="catalog.service.created" if created else "catalog.service.updated",
                 obj=service, entity_code=revision.entity.code, changes=diff)
    catalog_version_bump()
    return service
