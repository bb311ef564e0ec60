"""The PDF: a real PDF, with the self-hosted fonts embedded, Arabic shaped, and a QR code of the verification URL."""

import hashlib
import io
import re
import shutil
import subprocess
import zlib

import pytest
from django.contrib.staticfiles import finders
from fontTools.ttLib import TTFont

from manassa.certificates.models import IssuedDocument
from manassa.certificates.pdf import document_html, document_pdf, qr_code, qr_svg, verification_url
from manassa.certificates.tasks import issued_document_render_task
from manassa.core.files import PDF, sniff_content_type


def _streams(pdf: bytes) -> list[bytes]:
    """Every stream of the file, inflated when it is compressed (content streams, object streams, fonts)."""
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            found.append(match.group(1))
    return found


def _fonts(pdf: bytes) -> dict[str, str]:
    """Resource name (the subset tag) → font name, from every ``/BaseFont`` of the file."""
    text = b"\n".join([pdf, *_streams(pdf)])
    return {tag.decode(): name.decode() for tag, name in re.findall(rb"/BaseFont\s*/([A-Z]{6})\+([\w-]+)", text)}


def _glyphs_drawn_with(pdf: bytes, tag: str) -> list[int]:
    """Glyph ids shown (``TJ``) while the font ``tag`` is the current one, in drawing order."""
    glyphs = []
    for stream in _streams(pdf):
        current = None
        for token in re.finditer(rb"/(\w+) [\d.]+ Tf|\[(.*?)\] TJ", stream, re.S):
            if token.group(1):
                current = token.group(1).decode()
            elif current == tag:
                glyphs += [int(hexa, 16) for hexa in re.findall(rb"<([0-9a-fA-F]{4})>", token.group(2))]
    return glyphs


@pytest.fixture
def pdf(issued):
    return document_pdf(issued)


def test_a_real_pdf_with_the_self_hosted_fonts(pdf, issued):
    assert pdf.startswith(b"%PDF-") and sniff_content_type(io.BytesIO(pdf)) == PDF
    names = set(_fonts(pdf).values())
    assert any(name.startswith("Noto-Kufi-Arabic") for name in names), names
    assert any(name.startswith("Roboto") for name in names), names
    # Embedded (a FontFile2 stream), not merely named: a reader without the font shows the same page.
    assert b"/FontFile2" in b"\n".join([pdf, *_streams(pdf)])


def test_arabic_is_shaped_with_contextual_forms(pdf):
    """HarfBuzz joined the letters: glyphs of initial, medial and final forms (the font's own GSUB
    alternates) are drawn, not the isolated forms a text without shaping would show.

    WeasyPrint keeps the font's glyph ids, so the ids drawn are looked up in the font file itself. Several
    subsets are named Noto-Kufi-Arabic (the regular body, the bold headings), listed in an order that changes
    from process to process: the regular one is the one that draws the most glyphs (the body).
    """
    kufi = max((tag for tag, name in _fonts(pdf).items() if name == "Noto-Kufi-Arabic"),
               key=lambda tag: len(_glyphs_drawn_with(pdf, tag)))
    font = TTFont(finders.find("fonts/noto-kufi-arabic-arabic-400-normal.woff2"))
    order = font.getGlyphOrder()
    drawn = {order[gid] for gid in _glyphs_drawn_with(pdf, kufi) if gid < len(order)}
    forms = {name.rsplit(".", 1)[-1] for name in drawn if "." in name}
    assert {"init", "medi", "fina"} <= forms, sorted(drawn)
    # "مريم" (a printed answer) starts with meem in its initial form.
    assert "uni0645.init" in drawn


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_text_extraction_gives_the_latin_text_intact(pdf, issued):
    """A reader's text layer has the English, the number and the verification address intact.

    The Arabic is not checked here: Noto Kufi Arabic draws a letter's dots as glyphs of their own, shared by
    letters (ت, ة, ق…), and WeasyPrint maps a glyph to the first text it drew, so which Arabic words come out
    letter for letter depends on every other word of the page (its translations included). Shaping is proven
    by ``test_arabic_is_shaped_with_contextual_forms`` from the glyphs drawn.
    """
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    assert "Trade activity permit" in text and issued.number in text
    assert verification_url(issued) in text


def test_the_qr_code_encodes_the_verification_url(issued, settings):
    settings.MANASSA_SITE_URL = "https://manassa.example.ae/"
    url = verification_url(issued)
    assert url == f"https://manassa.example.ae/verify/{issued.code}/"
    svg = qr_svg(url)
    drawn = {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", svg)}
    matrix = qr_code(url).get_matrix()  # the border is part of the matrix, as in the drawing
    expected = {(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}
    assert drawn == expected
    other = qr_code(url.replace(issued.code, "0" * 20)).get_matrix()
    assert {(x, y) for y, row in enumerate(other) for x, dark in enumerate(row) if dark} != drawn
    # The page carries exactly that picture, and the printed address and number.
    html = document_html(issued)
    import base64

    assert "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode() in html
    assert url in html and issued.number in html


def test_the_document_shows_its_fields_and_nothing_else_of_the_holder(issued, people):
    html = document_html(issued)
    assert "مريم أحمد" in html and "General trading" in html and "تجارة عامة" in html
    from manassa.certificates.tests.conftest import EID

    assert EID not in html and people["customer"].email not in html


def test_the_renderer_loads_nothing_from_outside(db):
    from manassa.certificates.pdf import _url_fetcher

    for url in ("http://127.0.0.1/secret", "https://example.com/font.woff2", "file:///etc/passwd",
                "ftp://example.com/x"):
        with pytest.raises(ValueError):
            _url_fetcher().fetch(url)
    font = finders.find("fonts/roboto-latin-400-normal.woff2")
    from pathlib import Path

    with pytest.raises(ValueError):
        _url_fetcher().fetch(Path(font).resolve().parent.as_uri() + "/../css/manassa.css")
    assert _url_fetcher().fetch(Path(font).resolve().as_uri()).status in (None, 200)


def test_the_task_renders_and_stores_the_pdf_once(issued):
    assert not issued.pdf
    issued_document_render_task.call(document_id=issued.pk)
    document = IssuedDocument.objects.get(pk=issued.pk)
    assert document.pdf.name.startswith("issued/") and document.rendered_at is not None
    with document.pdf.open("rb") as stored:
        content = stored.read()
    assert content.startswith(b"%PDF-") and hashlib.sha256(content).hexdigest() == document.sha256
    name = document.pdf.name
    issued_document_render_task.call(document_id=issued.pk)
    assert IssuedDocument.objects.get(pk=issued.pk).pdf.name == name
    assert issued_document_render_task.call(document_id=999999) == "missing"
