"""The API root: /api/v1/ with its OpenAPI document at /api/v1/openapi.json and docs at /api/v1/docs."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from manassa.accounts.api import router as accounts_router
from manassa.applications.api import backoffice_router as applications_backoffice_router
from manassa.audit.api import router as audit_router
from manassa.catalog.api import router as catalog_router
from manassa.catalog.search.api import router as search_router
from manassa.core.errors import ApplicationError, from_validation_error
from manassa.entities.api import backoffice_router, public_router, system_router
from manassa.integrations.api import system_router as integrations_system_router
from manassa.payments.api import router as payments_system_router

api = NinjaAPI(
    title="Manassa API",
    version="1",
    description="Public catalog, back-office and entity-system endpoints of the Manassa platform.",
    urls_namespace="api",
)


def _error(request, status: int, code: str, message: str, fields=None):
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(ApplicationError)
def on_application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def on_django_validation_error(request, exc: ValidationError):
    err = from_validation_error(exc)
    return api.create_response(request, err.as_dict(), status=err.status)


@api.exception_handler(NinjaValidationError)
def on_request_validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for item in exc.errors:
        parts = [str(part) for part in item.get("loc", [])]
        # ("body", "<parameter>", "comment") → "comment": the same field names as the other errors.
        if parts[:1] == ["body"] and len(parts) > 2:
            parts = parts[1:]
        loc = ".".join(parts[1:]) or "body"
        fields.setdefault(loc, []).append(item.get("msg", "invalid"))
    return _error(request, 422, "invalid_input", _("Some of the information given is not valid."), fields)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    # django-ninja's own refusals (a failed CSRF check above all), in the house error shape.
    if exc.status_code == 403:
        return _error(request, 403, "csrf_failed" if "CSRF" in str(exc) else "forbidden",
                      _("The request could not be verified. Reload the page and try again."))
    return _error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, 401, "not_authenticated", _("Sign in or send a valid API key."))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return _error(request, 403, "forbidden", _("You do not have permission to do this."))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "not_found", _("The page or record was not found."))


api.add_router("/", public_router)
api.add_router("/", accounts_router)
api.add_router("/", catalog_router)
api.add_router("/", search_router)
api.add_router("/backoffice", backoffice_router)
api.add_router("/backoffice", applications_backoffice_router)
api.add_router("/system", system_router)
api.add_router("/system", integrations_system_router)
api.add_router("/system", payments_system_router)
api.add_router("/audit", audit_router)
