"""The catalog interchange format over HTTP: ``GET /catalog/export`` and ``POST /catalog/import``.

The export is public: the catalog is public information, and the document is
the same one ``manassa catalog export`` writes. Import is for the Digital
Office (``entities.manage``); a bad document gets 422 with every problem in
``error.errors`` and changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from manassa.accounts.permissions import Perm
from manassa.accounts.selectors import require_platform_perm
from manassa.catalog.interchange import InvalidCatalog, catalog_export_json, catalog_import, catalog_parse
from manassa.core.api import ErrorBody, ErrorOut, session_auth
from manassa.core.errors import ApplicationError

# Large enough for any real catalog (10,000 services is about 15 MB); the command line has no limit.
IMPORT_MAX_BYTES = getattr(settings, "MANASSA_CATALOG_IMPORT_MAX_BYTES", 64 * 1024 * 1024)


class CatalogTooLarge(ApplicationError):
    code = "too_large"
    status = 413
    default_message = _("The catalog is too large to import over the API; use `manassa catalog import`.")


class CodesByKindOut(Schema):
    entities: list[str]
    sectors: list[str]
    life_events: list[str]
    services: list[str]


class CatalogImportOut(Schema):
    dry_run: bool
    changed: bool
    created: CodesByKindOut
    updated: CodesByKindOut
    retired: list[str]


class CatalogErrorBody(ErrorBody):
    errors: list[str] = []


class CatalogErrorOut(Schema):
    error: CatalogErrorBody


router = Router(tags=["catalog"])

_DOCUMENT = {"type": "object", "description": "A manassa-catalog/1 document (see docs/catalog-format.md)."}


@router.get("/catalog/export", auth=None, operation_id="catalog_export", response={200: dict},
            openapi_extra={"responses": {200: {"description": "The whole catalog as a manassa-catalog/1 document.",
                                               "content": {"application/json": {"schema": _DOCUMENT}}}}})
def catalog_export_api(request: HttpRequest):
    # The canonical bytes, not a re-serialisation, so the API and the command give the same file.
    return HttpResponse(catalog_export_json(), content_type="application/json; charset=utf-8")


@router.post("/catalog/import", auth=session_auth, operation_id="catalog_import",
             response={200: CatalogImportOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut, 422: CatalogErrorOut},
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _DOCUMENT}}}})
def catalog_import_api(request: HttpRequest, dry_run: bool = False, prune: bool = False):
    require_platform_perm(request.user, Perm.ENTITIES_MANAGE)
    # Read from the stream: request.body would stop at DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
    raw = request.read(IMPORT_MAX_BYTES + 1)
    if len(raw) > IMPORT_MAX_BYTES:
        raise CatalogTooLarge()
    report = catalog_import(actor=request.user, document=catalog_parse(raw), dry_run=dry_run, prune=prune)
    return report.as_dict()


__all__ = ["router", "InvalidCatalog"]
