"""Per-request context (request id, client IP) readable from services and logs."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = "-"
    ip: str | None = None


_EMPTY = RequestContext()  # frozen, so one shared default is safe
_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(  # noqa: B039
    "manassa_request_context", default=_EMPTY
)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)
