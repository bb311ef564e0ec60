"""Serving a person's stored file: never cached by shared caches, never interpreted as anything but its type."""

from __future__ import annotations

from django.http import FileResponse

from manassa.core.files import INLINE_TYPES

# A document shown in the browser runs nothing and loads nothing; the platform's own pages may frame it.
DOCUMENT_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"
PDF_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def file_response(stored_file, *, name: str, content_type: str, inline: bool) -> FileResponse:
    """A response with ``stored_file`` (a Django ``File``), inline only for types a browser shows by itself."""
    inline = inline and content_type in INLINE_TYPES
    response = FileResponse(stored_file.open("rb"), content_type=content_type, as_attachment=not inline,
                            filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # Chromium's PDF viewer does not run in a sandboxed document; a PDF gets the same policy without it.
    response["Content-Security-Policy"] = PDF_POLICY if content_type == "application/pdf" else DOCUMENT_POLICY
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
