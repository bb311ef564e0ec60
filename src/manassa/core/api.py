"""Pieces every API router shares: the error shape and the authentication classes."""

from __future__ import annotations

from ninja import Schema
from ninja.security import SessionAuth


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class ErrorOut(Schema):
    error: ErrorBody


class StaffSessionAuth(SessionAuth):
    """The browser's session (with CSRF on unsafe methods)."""


session_auth = StaffSessionAuth()
