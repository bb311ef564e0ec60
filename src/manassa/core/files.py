"""What an uploaded file really is, decided from its bytes — never from its name or the browser's word.

``sniff_content_type`` reads the signature (and, where a format has one, the
structure: a PDF's end-of-file marker, a PNG's header chunk, an Office
document's parts) and answers one of ``KNOWN_TYPES`` or None. Anything it does
not recognise is refused by the callers, so an HTML page or a script renamed
``passport.pdf`` is never stored as a PDF, and never served with a type a
browser would run.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import PurePosixPath, PureWindowsPath
from typing import BinaryIO

from django.utils.translation import gettext_lazy as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
TIFF = "image/tiff"
HEIC = "image/heic"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

KNOWN_TYPES = (PDF, PNG, JPEG, GIF, WEBP, TIFF, HEIC, DOCX, XLSX)
# Types a browser shows by itself, so the back office can show them in the page.
INLINE_TYPES = frozenset({PDF, PNG, JPEG, GIF, WEBP})
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", GIF: "gif", WEBP: "webp", TIFF: "tif", HEIC: "heic",
              DOCX: "docx", XLSX: "xlsx"}

_HEAD = 4096
_TAIL = 2048
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"heif"}


def _read_at(stream: BinaryIO, offset: int, size: int, *, whence: int = 0) -> bytes:
    stream.seek(offset, whence)
    return stream.read(size)


def sniff_content_type(stream: BinaryIO) -> str | None:
    """The type of the file in ``stream`` (seekable, read from the start), or None when it is not one we accept.

    The stream is left at its start.
    """
    try:
        head = _read_at(stream, 0, _HEAD)
        if not head:
            return None
        stream.seek(0, 2)
        size = stream.tell()
        tail = _read_at(stream, max(0, size - _TAIL), _TAIL)
        return _decide(stream, head, tail)
    finally:
        stream.seek(0)


def _decide(stream: BinaryIO, head: bytes, tail: bytes) -> str | None:
    if head.startswith(b"%PDF-") and re.match(rb"%PDF-[12]\.[0-9]", head):
        # Every PDF ends with %%EOF (possibly followed by a newline or a few bytes of padding).
        return PDF if b"%%EOF" in tail else None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG if head[12:16] == b"IHDR" else None
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and head[12:15] == b"VP8":
        return WEBP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return HEIC
    if head.startswith(b"PK\x03\x04"):
        return _office_type(stream)
    return None


def _office_type(stream: BinaryIO) -> str | None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


_FAMILY_NAMES = {"image/*": _("any image"), "application/*": _("any document"), "text/*": _("any text file")}


def type_names(content_types) -> str:
    """Accepted types as people know them: "PDF, JPG, any image" (in the definition's order)."""
    names = []
    for content_type in content_types:
        if content_type in _FAMILY_NAMES:
            name = str(_FAMILY_NAMES[content_type])
        else:
            name = EXTENSIONS.get(content_type) or content_type.split("/", 1)[-1].split(".")[-1].split("+")[0]
            name = name.upper()
        if name not in names:
            names.append(name)
    return ", ".join(names)


def matches(content_type: str, accepted) -> bool:
    """Whether ``content_type`` is one of ``accepted`` (which may hold families like ``image/*``)."""
    family = content_type.split("/", 1)[0] + "/*"
    return content_type in accepted or family in accepted


def safe_file_name(name: str | None, *, content_type: str, default: str = "document") -> str:
    """The name to keep and show for an upload: its last path part, printable, at most 120 characters.

    The extension is made to agree with the type found in the bytes, so what a
    person downloads opens with the right program.
    """
    name = name or ""
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] not in ("C",) and ch not in '<>:"/\\|?*')
    name = name.strip(" .") or default
    extension = EXTENSIONS.get(content_type)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .")[:100] or default
    return f"{stem}.{extension}" if extension else stem
