"""Documents the platform issues (certificates, permits, later receipts) and how anyone can verify them.

An ``IssuedDocument`` is what a person holds: a PDF with a public number and a
QR code. The QR code opens ``/verify/<code>/``, which shows only what the
document itself shows (``fields``), and whether it is still valid. The
verification code is random and unguessable; the number is sequential and
never enough to look a document up.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from manassa.core.i18n import BilingualText


class IssuedKind(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate")
    PERMIT = "permit", _("Permit")
    LICENCE = "licence", _("Licence")
    LETTER = "letter", _("Letter")
    RECEIPT = "receipt", _("Receipt")


# The first part of a document's number, by kind: CERT-2026-000123.
NUMBER_PREFIXES = {
    IssuedKind.CERTIFICATE: "CERT",
    IssuedKind.PERMIT: "PRMT",
    IssuedKind.LICENCE: "LIC",
    IssuedKind.LETTER: "LTR",
    IssuedKind.RECEIPT: "RCPT",
}


class IssuedStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", pgettext_lazy("document", "Revoked")


# What verification says of a document: its status, or "expired" for a valid one past its date.
# "Revoked" alone is an API key's word in the catalogue (masculine in Arabic); a document is feminine.
STATE_LABELS = {"valid": _("Valid"), "revoked": pgettext_lazy("document", "Revoked"), "expired": _("Expired")}


class CertificateSetting(models.Model):
    """Whether a service issues a document when a request is approved, and what the document says."""

    service = models.OneToOneField("catalog.Service", on_delete=models.CASCADE, related_name="certificate_setting",
                                   verbose_name=_("service"))
    enabled = models.BooleanField(_("issue a document when a request is approved"), default=False)
    kind = models.CharField(_("kind of document"), max_length=12, choices=IssuedKind.choices,
                            default=IssuedKind.CERTIFICATE)
    title_ar = models.CharField(_("title (Arabic)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    # Keys of the form's questions whose answers are printed, in this order.
    answer_keys = models.JSONField(_("answers printed on the document"), default=list, blank=True)
    validity_days = models.PositiveIntegerField(_("valid for (days)"), null=True, blank=True,
                                                validators=[MinValueValidator(1), MaxValueValidator(36500)])
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    title = BilingualText()

    class Meta:
        verbose_name = _("document setting")
        verbose_name_plural = _("document settings")

    def __str__(self) -> str:
        return f"{self.service_id}: {self.kind} ({'on' if self.enabled else 'off'})"


class DocumentNumberSequence(models.Model):
    """The last number given for a prefix and year; its row is locked to give the next one."""

    prefix = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="document_number_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


def _documents_storage():
    from django.core.files.storage import storages

    return storages["documents"]


def _pdf_path(instance: IssuedDocument, filename: str) -> str:
    # A random name: neither the number nor the verification code becomes a path.
    return f"issued/{instance.issued_at:%Y/%m}/{filename}"


class IssuedDocument(models.Model):
    # Where the document comes from: an approved application today, a payment (receipt) later.
    application = models.ForeignKey("applications.Application", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="issued_documents", verbose_name=_("request"))
    # Makes issuing idempotent: "application:<id>" — an event told twice still issues one document.
    source_key = models.CharField(max_length=80, unique=True)
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="issued_documents",
                               verbose_name=_("entity"))
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="issued_documents", verbose_name=_("service"))
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="issued_documents",
                               verbose_name=_("holder"))
    kind = models.CharField(_("kind"), max_length=12, choices=IssuedKind.choices)
    number = models.CharField(_("document number"), max_length=32, unique=True)
    code = models.CharField(_("verification code"), max_length=32, unique=True)
    title_ar = models.CharField(_("title (Arabic)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    # [{"label": {"ar", "en"}, "value": {"ar", "en"}}]: printed on the document and shown on verification —
    # the only data about the holder the public page ever shows.
    fields = models.JSONField(_("fields"), default=list, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=IssuedStatus.choices, default=IssuedStatus.VALID)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revocation_reason = models.TextField(_("reason for revocation"), blank=True, max_length=1000)
    # Rendered by a task after the commit (or on the first download); empty until then.
    pdf = models.FileField(storage=_documents_storage, upload_to=_pdf_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    title = BilingualText()

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issued_at", "-id"]
        indexes = [
            # The back office's list: newest first (ids grow with time), keyset pages on the id.
            models.Index(fields=["entity", "-id"], name="issued_entity_idx"),
            models.Index(fields=["entity", "status", "-id"], name="issued_entity_status_idx"),
            models.Index(fields=["entity", "service", "-id"], name="issued_entity_service_idx"),
            models.Index(fields=["holder", "-issued_at"], name="issued_holder_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=["valid", "revoked"]), name="issued_status_valid"),
            models.CheckConstraint(
                condition=models.Q(status="valid", revoked_at__isnull=True)
                | models.Q(status="revoked", revoked_at__isnull=False),
                name="issued_revoked_has_date"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_revoked(self) -> bool:
        return self.status == IssuedStatus.REVOKED

    @property
    def is_expired(self) -> bool:
        return (not self.is_revoked and self.valid_until is not None
                and self.valid_until < timezone.localdate())

    @property
    def state(self) -> str:
        """What verification says: ``valid``, ``revoked`` or ``expired``."""
        if self.is_revoked:
            return "revoked"
        return "expired" if self.is_expired else "valid"

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])
