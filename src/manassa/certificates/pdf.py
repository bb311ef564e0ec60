"""The PDF of an issued document: one A4 page in Arabic and English, with a QR code to verify it.

HTML (``certificates/pdf/document.html``, with its own CSS) rendered by
WeasyPrint, which shapes Arabic with HarfBuzz. Fonts are the self-hosted
Noto Kufi Arabic and Roboto files from the static folder, read as ``file://``
URLs; the URL fetcher refuses everything else, so a document never loads a
remote resource whatever its text says.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

import qrcode
import qrcode.constants
import qrcode.image.svg
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from manassa.certificates.codes import code_grouped
from manassa.certificates.models import IssuedDocument

TEMPLATE = "certificates/pdf/document.html"
# Arabic letters come from Noto Kufi Arabic, everything else from Roboto ("Roboto", "Noto Kufi Arabic" in the
# CSS). Noto Kufi's Latin file is left out on purpose: its two files carry the same font name, and WeasyPrint
# would merge them into one PDF font with the glyphs of one drawn from the other (garbled text).
FONT_FILES = {
    ("Noto Kufi Arabic", 400): "fonts/noto-kufi-arabic-arabic-400-normal.woff2",
    ("Noto Kufi Arabic", 700): "fonts/noto-kufi-arabic-arabic-700-normal.woff2",
    ("Roboto", 400): "fonts/roboto-latin-400-normal.woff2",
    ("Roboto", 700): "fonts/roboto-latin-700-normal.woff2",
}


def verification_url(document: IssuedDocument) -> str:
    """The absolute address the QR code opens; without a language, so the reader's own language is chosen."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("certificates:verify", kwargs={"code": document.code})
    # /ar/verify/… → /verify/…: the locale middleware sends the reader to their language's page.
    path = "/" + path.lstrip("/").split("/", 1)[1]
    return getattr(settings, "MANASSA_SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def qr_code(url: str) -> qrcode.QRCode:
    # Medium error correction survives a crease or a stamp over a corner of the printed code.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_svg(url: str) -> str:
    return qr_code(url).make_image().to_string(encoding="unicode")


@cache
def _font_faces() -> str:
    rules = []
    for (family, weight), name in FONT_FILES.items():
        found = finders.find(name)
        if found:
            rules.append(f"@font-face {{ font-family: '{family}'; font-weight: {weight}; font-style: normal; "
                         f"src: url('{Path(found).resolve().as_uri()}') format('woff2'); }}")
    return "\n".join(rules)


@cache
def _allowed_roots() -> tuple[str, ...]:
    roots = {Path(found).resolve().parent.as_uri() + "/" for name in FONT_FILES.values()
             if (found := finders.find(name))}
    logo = finders.find("img/logo.svg")
    if logo:
        roots.add(Path(logo).resolve().as_uri())
    return tuple(sorted(roots))


@cache
def _fetcher_class():
    """Only the platform's own fonts and logo, and data: URIs (the QR code): nothing from the network."""
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            allowed = url.startswith("data:") or (".." not in url and any(
                url == root or (root.endswith("/") and url.startswith(root)) for root in _allowed_roots()))
            if not allowed:
                raise ValueError(f"refused resource for a document: {url[:80]}")
            return super().fetch(url, headers)

    return LocalOnly


def _url_fetcher():
    # A fetcher keeps per-request state: one per rendering.
    return _fetcher_class()(allowed_protocols=("file", "data"), allow_redirects=False)


def document_context(document: IssuedDocument) -> dict:
    url = verification_url(document)
    svg = qr_svg(url)
    logo = finders.find("img/logo.svg")
    return {
        "document": document,
        "entity": document.entity,
        "service": document.service,
        "fields": document.fields,
        "verification_url": url,
        "code_grouped": code_grouped(document.code),
        "qr_data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
        "logo_uri": Path(logo).resolve().as_uri() if logo else "",
        "font_faces": _font_faces(),
    }


def document_html(document: IssuedDocument) -> str:
    # Every text is given in both languages by the template ({% language %} blocks).
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, document_context(document))


def document_pdf(document: IssuedDocument) -> bytes:
    from weasyprint import HTML

    html = document_html(document)
    return HTML(string=html, url_fetcher=_url_fetcher(), base_url=None).write_pdf(
        pdf_identifier=document.number.encode(), custom_metadata=True)
