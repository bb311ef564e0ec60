"""Reads of issued documents: the public verification, the holder's own documents, the entity's list.

Staff reads are scoped to the person's entities (another entity's document is
a 404, like a missing one); the holder's reads to the holder.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from manassa.accounts.permissions import Perm, entity_ids_with, has_entity_perm
from manassa.catalog.models import Service
from manassa.certificates.codes import code_normalise
from manassa.certificates.models import CertificateSetting, IssuedDocument, IssuedStatus
from manassa.core.errors import Forbidden, NotFound
from manassa.core.pages import newest_first_page
from manassa.entities.models import Entity

LIST_LIMIT = 50


# --- public verification --------------------------------------------------------------------


def document_by_code(code: str) -> IssuedDocument | None:
    """The document a verification code (as typed or scanned) belongs to, or None."""
    normalised = code_normalise(code)
    if normalised is None:
        return None
    return (IssuedDocument.objects.select_related("entity", "service")
            .only("id", "kind", "number", "code", "title_ar", "title_en", "fields", "issued_at", "valid_until",
                  "status", "revoked_at", "revocation_reason", "entity__id", "entity__code", "entity__name_ar",
                  "entity__name_en", "service__id", "service__name_ar", "service__name_en")
            .filter(code=normalised).first())


# --- the holder ---------------------------------------------------------------------------


def documents_of_holder(user) -> QuerySet[IssuedDocument]:
    return (IssuedDocument.objects.filter(holder=user).select_related("entity", "service", "application")
            .order_by("-issued_at", "-id"))


def access_own_document(user, number: str) -> IssuedDocument:
    document = documents_of_holder(user).filter(number=number).first()
    if document is None:
        raise NotFound()
    return document


def documents_of_application(user, application) -> list[IssuedDocument]:
    """The documents issued for one of the person's own requests."""
    return list(documents_of_holder(user).filter(application=application))


# --- the entity's staff ---------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentFilters:
    entity_id: int | None = None
    service_id: int | None = None
    status: str | None = None
    number: str = ""


def document_entities_for(user) -> list[Entity]:
    """Entities whose issued documents ``user`` may see; empty for anyone who is not entity staff."""
    return list(Entity.objects.filter(id__in=entity_ids_with(user, Perm.BACKOFFICE), is_active=True).order_by("code"))


def issued_documents_for(user, filters: DocumentFilters = DocumentFilters()) -> QuerySet[IssuedDocument]:
    """The issued documents of the person's entities, newest first, filtered."""
    qs = IssuedDocument.objects.filter(entity_id__in=entity_ids_with(user, Perm.BACKOFFICE))
    if filters.entity_id:
        qs = qs.filter(entity_id=filters.entity_id)
    if filters.service_id:
        qs = qs.filter(service_id=filters.service_id)
    if filters.status in IssuedStatus.values:
        qs = qs.filter(status=filters.status)
    number = filters.number.strip().upper()
    if number:
        # A number as printed, or the request's reference it was issued for.
        qs = qs.filter(Q(number__startswith=number) | Q(application__reference=number))
    return qs.select_related("entity", "service", "application").order_by("-id")


def issued_documents_page(user, filters: DocumentFilters, *, after: int | None = None,
                          limit: int | None = None) -> tuple[list[IssuedDocument], int | None]:
    """One keyset page of ``issued_documents_for``: the rows, and the cursor of the next page (or None)."""
    limit = limit or LIST_LIMIT
    return newest_first_page(issued_documents_for(user, filters), before=after, limit=limit)


def access_issued_document(user, number: str) -> IssuedDocument:
    """One issued document of the person's entities; 404 for a missing one and for another entity's."""
    document = (IssuedDocument.objects.select_related("entity", "service", "application", "holder", "revoked_by")
                .filter(number=number).first())
    if document is None or not has_entity_perm(user, document.entity_id, Perm.BACKOFFICE):
        raise NotFound()
    return document


def may_revoke(user, document: IssuedDocument) -> bool:
    return has_entity_perm(user, document.entity_id, Perm.APPLICATIONS_SUPERVISE)


def document_services_for(user) -> QuerySet[Service]:
    return (Service.objects.filter(entity_id__in=entity_ids_with(user, Perm.BACKOFFICE))
            .only("id", "code", "name_ar", "name_en").order_by("code"))


# --- document settings of services ------------------------------------------------------------


def setting_services_for(user) -> QuerySet[Service]:
    """Services whose document setting ``user`` may change (entity administrators); 403 for anyone else."""
    ids = entity_ids_with(user, Perm.CATALOG_EDIT)
    if not ids:
        raise Forbidden()
    return (Service.objects.filter(entity_id__in=ids).select_related("entity", "certificate_setting")
            .order_by("entity__code", "code"))


def access_setting_service(user, service_code: str) -> Service:
    """A service of the person's entities whose document setting they may change.

    Another entity's service is a 404; an officer or supervisor of the
    service's own entity gets a 403 (they see the service, not this page).
    """
    service = Service.objects.select_related("entity").filter(code=service_code).first()
    if service is None or not has_entity_perm(user, service.entity_id, Perm.BACKOFFICE):
        raise NotFound()
    if not has_entity_perm(user, service.entity_id, Perm.CATALOG_EDIT):
        raise Forbidden()
    return service


def setting_of(service: Service) -> CertificateSetting | None:
    return CertificateSetting.objects.filter(service=service).first()
