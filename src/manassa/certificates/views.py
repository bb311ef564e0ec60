"""Public verification of issued documents, and the resident's own documents.

Verification needs no sign-in and shows only what the document itself shows
(its ``fields``), with its current status; it is never cached or indexed,
and the address (which carries the code) is never sent on as a referrer.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from manassa.certificates import throttle
from manassa.certificates.codes import code_grouped, code_normalise
from manassa.certificates.models import STATE_LABELS
from manassa.certificates.selectors import (
    access_own_document,
    document_by_code,
    documents_of_holder,
)
from manassa.certificates.services import issued_document_render
from manassa.core.downloads import file_response
from manassa.core.files import PDF
from manassa.core.i18n import active_language, pick


def _private_page(view):
    """No caching anywhere, no search engine, no referrer: the address is the key to the document."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response

    return never_cache(wrapped)


def _too_many(request):
    return render(request, "certificates/verify_form.html", {
        "error": _("Too many codes were tried from your connection. Wait an hour, then try again."),
        "breadcrumbs": [{"label": _("Verify a document")}],
    }, status=429)


def _fields_in(document, language: str) -> list[dict[str, str]]:
    return [{"label": pick(f.get("label") or {}, language), "value": pick(f.get("value") or {}, language)}
            for f in document.fields or []]


@require_GET
@_private_page
def verify_form(request):
    """Type the verification code printed under the QR code (for people without a scanner)."""
    typed = request.GET.get("code", "")
    error = ""
    if typed:
        if throttle.blocked(request):
            return _too_many(request)
        code = code_normalise(typed)
        if code is not None and document_by_code(code) is not None:
            return redirect("certificates:verify", code=code)
        throttle.miss(request)
        error = _("No document has this verification code. Check the code printed on the document.")
    return render(request, "certificates/verify_form.html", {
        "error": error, "typed": typed[:64], "breadcrumbs": [{"label": _("Verify a document")}],
    }, status=404 if error else 200)


@require_GET
@_private_page
def verify(request, code: str):
    if throttle.blocked(request):
        return _too_many(request)
    normalised = code_normalise(code)
    if normalised is not None and normalised != code:
        return redirect("certificates:verify", code=normalised)
    document = document_by_code(code) if normalised else None
    crumbs = [{"label": _("Verify a document"), "url": reverse("certificates:verify_form")},
              {"label": _("Result")}]
    if document is None:
        throttle.miss(request)
        return render(request, "certificates/verify_missing.html", {"breadcrumbs": crumbs}, status=404)
    return render(request, "certificates/verify.html", {
        "document": document,
        "state": document.state,
        "state_label": STATE_LABELS[document.state],
        "fields": _fields_in(document, active_language()),
        "code_grouped": code_grouped(document.code),
        "breadcrumbs": crumbs,
    })


# --- the holder's documents -------------------------------------------------------------------


@login_required
def my_documents(request):
    documents = list(documents_of_holder(request.user))
    return render(request, "certificates/my_documents.html", {
        "rows": [{"document": d, "state": d.state, "state_label": STATE_LABELS[d.state]} for d in documents],
        "breadcrumbs": [{"label": _("My documents")}],
    })


@login_required
def my_document_download(request, number: str):
    """The PDF of one of the person's documents; rendered now if the background task has not done it yet."""
    document = access_own_document(request.user, number)
    if not document.pdf:
        document = issued_document_render(document_id=document.pk)
    return file_response(document.pdf, name=f"{document.number}.pdf", content_type=PDF,
                         inline=not request.GET.get("download"))
