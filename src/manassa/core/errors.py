"""One error hierarchy for business code.

Every error has a stable machine-readable ``code`` (clients branch on it) and a
translated ``message`` (clients show it to people). Views and the API turn
these, Django's ValidationError, PermissionDenied and Http404 into one shape.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        self.fields = fields or {}
        self.params = params or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = {name: [str(m) for m in msgs] for name, msgs in self.fields.items()}
        return {"error": body}


class InvalidInput(ApplicationError):
    code = "invalid_input"
    status = 400
    default_message = _("Some of the information given is not valid.")


# Also Http404 / PermissionDenied, so Django renders its own 404/403 pages for views.
class NotFound(ApplicationError, Http404):
    code = "not_found"
    status = 404
    default_message = _("The page or record was not found.")


class Forbidden(ApplicationError, PermissionDenied):
    code = "forbidden"
    status = 403
    default_message = _("You do not have permission to do this.")


class NotAuthenticated(ApplicationError):
    code = "not_authenticated"
    status = 401
    default_message = _("Sign in to continue.")


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
    default_message = _("The record was changed by someone else. Reload and try again.")


class RefusedInThisMode(ApplicationError):
    code = "refused"
    status = 400
    default_message = _("This operation is not allowed in this configuration.")


class InvalidDocument(ApplicationError):
    """A document (a catalog, a form definition…) that cannot be used.

    ``errors`` lists every problem as ``path: reason``, all at once, so the
    author fixes them in one go. Subclasses set ``code`` and word ``summary``.
    """

    status = 422

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__(self.summary(len(self.errors)))

    @staticmethod
    def summary(count: int) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        # Shown as is by callers that do not know the class (a loader, a traceback).
        return "\n".join([str(self.message), *self.errors])

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["error"]["errors"] = list(self.errors)
        return body


def storable_text(text: str) -> bool:
    """Whether every database can store the text: PostgreSQL refuses NUL, and an unpaired surrogate is not UTF-8."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def from_validation_error(exc) -> InvalidInput:
    """Turn Django's ValidationError into InvalidInput, keeping field messages."""
    if hasattr(exc, "message_dict"):
        fields = {name: list(msgs) for name, msgs in exc.message_dict.items()}
        return InvalidInput(fields=fields)
    return InvalidInput(" ".join(str(m) for m in exc.messages))
