"""Service applications: what a person asks of an entity, and how the entity answers it.

A service's form and workflow are versioned documents (``manassa-form/1``,
``manassa-workflow/1``); an application keeps the versions it was made with,
so editing a form never changes requests already made.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from manassa.core.i18n import BilingualText


class DefinitionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class _VersionedDefinition(models.Model):
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, verbose_name=_("service"))
    version = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    status = models.CharField(_("status"), max_length=12, choices=DefinitionStatus.choices,
                              default=DefinitionStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["service", "-version"]

    def __str__(self) -> str:
        return f"{self.service_id} v{self.version} ({self.status})"


class ServiceForm(_VersionedDefinition):
    class Meta(_VersionedDefinition.Meta):
        verbose_name = _("service form")
        verbose_name_plural = _("service forms")
        constraints = [
            models.UniqueConstraint(fields=["service", "version"], name="service_form_version_unique"),
            models.UniqueConstraint(fields=["service"], condition=models.Q(status="published"),
                                    name="service_form_one_published"),
        ]


class ServiceWorkflow(_VersionedDefinition):
    class Meta(_VersionedDefinition.Meta):
        verbose_name = _("service workflow")
        verbose_name_plural = _("service workflows")
        constraints = [
            models.UniqueConstraint(fields=["service", "version"], name="service_workflow_version_unique"),
            models.UniqueConstraint(fields=["service"], condition=models.Q(status="published"),
                                    name="service_workflow_one_published"),
        ]


class ReferenceSequence(models.Model):
    """The last number given for a prefix and year; its row is locked to give the next one."""

    prefix = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="reference_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


DRAFT_STATE = "draft"


class Application(models.Model):
    # Read with the request when a deferred event subscriber is told of it (``core.events``): who is told,
    # and the texts, need them.
    EVENT_RELATED = ("applicant", "entity", "service")

    # Public identifier, given at submission (``SHJ-2026-000123``); drafts have none.
    reference = models.CharField(_("reference number"), max_length=32, unique=True, null=True, blank=True)
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="applications",
                                verbose_name=_("service"))
    # The service's entity at the time of the request: the back office's scope, indexed with the queue filters.
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="applications",
                               verbose_name=_("entity"))
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications",
                                  verbose_name=_("applicant"))
    form = models.ForeignKey(ServiceForm, on_delete=models.PROTECT, related_name="applications")
    workflow = models.ForeignKey(ServiceWorkflow, on_delete=models.PROTECT, related_name="applications")
    state = models.CharField(_("state"), max_length=40, default=DRAFT_STATE)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_applications", verbose_name=_("assigned to"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, blank=True)
    # Deadlines in working time, computed on each transition from the workflow's SLAs.
    state_due_at = models.DateTimeField(_("step due"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    sla_breached_at = models.DateTimeField(_("deadline missed"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["entity", "state", "state_due_at", "id"], name="application_queue_idx"),
            models.Index(fields=["entity", "assignee", "state_due_at", "id"], name="application_assignee_idx"),
            models.Index(fields=["entity", "service", "state_due_at", "id"], name="application_service_idx"),
            models.Index(fields=["applicant", "-updated_at"], name="application_applicant_idx"),
            models.Index(fields=["state_due_at"], condition=models.Q(closed_at__isnull=True),
                         name="application_open_due_idx"),
            # The whole open queue of an entity, soonest deadline first (keyset pages without filters).
            models.Index(fields=["entity", "state_due_at", "id"], condition=models.Q(closed_at__isnull=True),
                         name="application_open_queue_idx"),
        ]

    def __str__(self) -> str:
        return self.reference or f"draft {self.pk}"


class ApplicationEvent(models.Model):
    """One step in an application's history; internal notes are never shown to the applicant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=40, blank=True)
    to_state = models.CharField(max_length=40, blank=True)
    comment = models.TextField(blank=True)
    internal = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["application", "at"], name="application_event_idx")]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.action}"


class Notice(models.Model):
    """A message in a person's notifications in the portal (e-mail and SMS come with the notifications app)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="notices")
    message_ar = models.CharField(max_length=300)
    message_en = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    message = BilingualText()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notice_user_idx")]

    def __str__(self) -> str:
        return self.message_en


class RatingScore(models.IntegerChoices):
    """The three faces of the UAE customer-happiness rating."""

    UNHAPPY = 1, _("Unhappy")
    NEUTRAL = 2, _("Neutral")
    HAPPY = 3, _("Happy")


class Rating(models.Model):
    """The applicant's rating of a completed application: one per application, kept per service and entity."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="rating")
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="ratings")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="ratings")
    score = models.PositiveSmallIntegerField(_("rating"), choices=RatingScore.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        indexes = [models.Index(fields=["entity", "service", "created_at"], name="rating_entity_service_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=3),
                                              name="rating_score_range")]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.score}"


def _documents_storage():
    from django.core.files.storage import storages

    return storages["documents"]


def _document_path(instance: ApplicationDocument, filename: str) -> str:
    # Named by the random reference only: the person's file name never becomes a path on disk.
    return f"applications/{instance.uploaded_at:%Y/%m}/{instance.ref}"


class DocumentKind(models.TextChoices):
    ANSWER = "answer", _("Answer to a question")
    ADDITIONAL = "additional", _("Added document")
    RESULT = "result", _("Result")


class ApplicationDocument(models.Model):
    """A file given with an application (an answer or an added document) or issued as its result.

    Stored through the private ``documents`` storage (never under MEDIA_URL) and
    served only through views that check who asks. ``content_type`` is what the
    bytes are, found by ``core.files.sniff_content_type``.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    ref = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    # The question it answers (``passport``, ``vehicles[0].photo``); empty for added documents and results.
    field_path = models.CharField(max_length=200, blank=True)
    file = models.FileField(storage=_documents_storage, upload_to=_document_path, max_length=200)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["application", "kind"], name="application_document_idx")]

    def __str__(self) -> str:
        return self.name
