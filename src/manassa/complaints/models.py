"""Cases: complaints, suggestions, compliments and enquiries about an entity, a service or a request.

A case is routed to an entity (and a team) by its category; what cannot be
routed waits for the Digital Office's triage. Deadlines are counted in the
entity's working calendar; the SLA sweep escalates a missed deadline to the
entity's supervisors, then to the Digital Office.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from manassa.core.i18n import BilingualText


class CaseKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLIMENT = "compliment", _("Compliment")
    ENQUIRY = "enquiry", _("Enquiry")


class CaseState(models.TextChoices):
    NEW = "new", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_INFO = "awaiting_info", _("Waiting for your information")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")


# States in which the entity owes the next step (and a deadline runs).
OPEN_STATES = (CaseState.NEW, CaseState.ACKNOWLEDGED, CaseState.IN_PROGRESS, CaseState.REOPENED)
# States that are not finished for the person: everything but resolved and closed.
ACTIVE_STATES = (*OPEN_STATES, CaseState.AWAITING_INFO)


class Category(models.Model):
    """What a case is about, per entity; choosing it routes the case to the entity and its team.

    ``code`` is global: it is the Open311 ``service_code``. ``attributes`` are
    Open311 attribute definitions (variable, code, datatype, required,
    datatype_description, order, description {ar, en}, values [{key, name {ar, en}}]).
    """

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="case_categories",
                               verbose_name=_("entity"))
    code = models.CharField(_("code"), max_length=40, unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ar = models.TextField(_("description (Arabic)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    # The kinds of case this category accepts (CaseKind values).
    kinds = models.JSONField(_("kinds"), default=list)
    # Working hours to resolve, per kind ({"complaint": 40}); a missing kind uses the platform default.
    sla_hours = models.JSONField(_("deadline in working hours, per kind"), default=dict, blank=True)
    team = models.CharField(_("team"), max_length=100, blank=True,
                            help_text=_("The team of the entity that handles these cases."))
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    attributes = models.JSONField(_("extra questions (Open311 attributes)"), default=list, blank=True)
    # Listed by Open311 (service list and public request list): location-based reports such as potholes.
    is_public = models.BooleanField(_("public reports (Open311)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    name = BilingualText()
    description = BilingualText()

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["entity__code", "position", "code"]

    def __str__(self) -> str:
        return self.code


class CaseSequence(models.Model):
    """The last case number of a year; its row is locked to give the next one."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Case(models.Model):
    reference = models.CharField(_("reference number"), max_length=32, unique=True)
    # SHA-256 of the tracking token (shown once, e-mailed): anonymous reporters follow their case with it.
    tracking_token_hash = models.CharField(max_length=64, unique=True)
    # Open311 token (not a secret: it only leads to the public service_request_id).
    open311_token = models.CharField(max_length=32, unique=True, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=CaseKind.choices)
    entity = models.ForeignKey("entities.Entity", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="cases", verbose_name=_("entity"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
                                 verbose_name=_("category"))
    team = models.CharField(_("team"), max_length=100, blank=True)
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="cases", verbose_name=_("service"))
    application = models.ForeignKey("applications.Application", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="cases", verbose_name=_("request"))
    description = models.TextField(_("description"), max_length=5000)
    attributes = models.JSONField(_("answers to extra questions"), default=dict, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    long = models.FloatField(_("longitude"), null=True, blank=True)
    media_url = models.URLField(_("media address"), max_length=500, blank=True)
    contact_name = models.CharField(_("name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=32, blank=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="cases", verbose_name=_("reported by"))
    # "portal" or "open311:<client prefix>".
    channel = models.CharField(max_length=40, default="portal")
    state = models.CharField(_("status"), max_length=16, choices=CaseState.choices, default=CaseState.NEW)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_cases", verbose_name=_("assigned to"))
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Deadlines in working time: acknowledgement, and resolution (cleared while waiting for the person).
    ack_due_at = models.DateTimeField(_("acknowledgement due"), null=True, blank=True)
    due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    # Working time left on the resolution deadline while the case waits for the reporter.
    sla_remaining_seconds = models.PositiveIntegerField(null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    sla_breached_at = models.DateTimeField(_("deadline missed"), null=True, blank=True)
    # 0: none; 1: the entity's supervisors; 2: the Digital Office.
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalate_again_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    reopen_until = models.DateTimeField(_("can be reopened until"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="duplicates", verbose_name=_("merged into"))

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["entity", "state", "due_at", "id"], name="case_queue_idx"),
            models.Index(fields=["entity", "assignee", "due_at"], name="case_assignee_idx"),
            models.Index(fields=["category", "state"], name="case_category_idx"),
            models.Index(fields=["reporter", "-created_at"], name="case_reporter_idx"),
            models.Index(fields=["created_at"], name="case_created_idx"),
            models.Index(fields=["due_at"], condition=models.Q(closed_at__isnull=True, resolved_at__isnull=True),
                         name="case_open_due_idx"),
            models.Index(fields=["created_at"], condition=models.Q(entity__isnull=True), name="case_triage_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(lat__isnull=True) | models.Q(lat__gte=-90, lat__lte=90),
                                   name="case_lat_range"),
            models.CheckConstraint(condition=models.Q(long__isnull=True) | models.Q(long__gte=-180, long__lte=180),
                                   name="case_long_range"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in ACTIVE_STATES


class CaseEvent(models.Model):
    """One step of a case's history; internal notes and escalations are never shown to the reporter."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    by_reporter = models.BooleanField(default=False)
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    comment = models.TextField(blank=True)
    internal = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.action}"


def _documents_storage():
    from django.core.files.storage import storages

    return storages["documents"]


def _attachment_path(instance: CaseAttachment, filename: str) -> str:
    # Named by the random reference only: the person's file name never becomes a path on disk.
    return f"cases/{instance.uploaded_at:%Y/%m}/{instance.ref}"


class CaseAttachment(models.Model):
    """A photo or PDF given with a case; its type is what the bytes are (``core.files``)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    ref = models.CharField(max_length=32, unique=True)
    file = models.FileField(storage=_documents_storage, upload_to=_attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    by_reporter = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class CaseRating(models.Model):
    """The reporter's rating of the resolution: three faces and a comment, once per case."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="rating")
    entity = models.ForeignKey("entities.Entity", null=True, on_delete=models.SET_NULL, related_name="case_ratings")
    score = models.PositiveSmallIntegerField(_("rating"), choices=[(1, _("Unhappy")), (2, _("Neutral")),
                                                                   (3, _("Happy"))])
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=3),
                                              name="case_rating_score_range")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.score}"


class Open311Client(models.Model):
    """A civic application allowed to POST service requests through Open311 (its ``api_key``).

    Separate from entity API keys: a civic app reports on behalf of the public
    to every entity and must never act inside an entity's back office.
    Only a hash of the secret is stored.
    """

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"
