"""The service catalog: sectors, life events and the services every entity provides.

A ``Service`` row is always the published state. Changes proposed by an
entity's service owner live in ``ServiceRevision`` until the Digital Office
publishes them (see services.py); retired services stay reachable by URL with a
notice and are left out of search.
"""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from manassa.core.i18n import BilingualText, pick

SECTOR_CODE = RegexValidator(r"^[a-z0-9-]{2,40}$", _("Use 2–40 lowercase letters, digits or hyphens."))
SERVICE_CODE = RegexValidator(r"^[A-Z0-9-]{2,40}$", _("Use 2–40 capital letters, digits or hyphens."))


class _BrowseCategory(models.Model):
    """A bilingual, ordered way of grouping services for browsing."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[SECTOR_CODE])
    name_ar = models.CharField(_("name (Arabic)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    name = BilingualText()

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Sector(_BrowseCategory):
    """A field of government work used to browse services (health, housing…)."""

    class Meta(_BrowseCategory.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class LifeEvent(_BrowseCategory):
    """A moment in a person's life that needs several services ("having a baby")."""

    class Meta(_BrowseCategory.Meta):
        verbose_name = _("life event")
        verbose_name_plural = _("life events")


class Audience(models.TextChoices):
    CITIZEN = "citizen", _("Citizens")
    RESIDENT = "resident", _("Residents")
    BUSINESS = "business", _("Businesses")
    VISITOR = "visitor", _("Visitors")


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    MOBILE = "mobile", _("Mobile app")
    CENTER = "center", _("Service centre")
    PHONE = "phone", _("Phone")


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class Service(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[SERVICE_CODE])
    slug = models.SlugField(_("address in the portal"), max_length=60, unique=True)
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="services",
                               verbose_name=_("entity"))
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="services", verbose_name=_("sector"))
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ar = models.TextField(_("description (Arabic)"))
    description_en = models.TextField(_("description (English)"), blank=True)
    keywords_ar = models.JSONField(_("keywords (Arabic)"), default=list, blank=True)
    keywords_en = models.JSONField(_("keywords (English)"), default=list, blank=True)
    audience = models.JSONField(_("audience"), default=list, blank=True)
    # Integer fils (1 AED = 100 fils); None when the service is free or the fee varies.
    fee_amount = models.PositiveBigIntegerField(_("fee (fils)"), null=True, blank=True)
    fee_currency = models.CharField(_("currency"), max_length=3, default="AED")
    fee_note_ar = models.TextField(_("fee note (Arabic)"), blank=True)
    fee_note_en = models.TextField(_("fee note (English)"), blank=True)
    sla_days = models.PositiveSmallIntegerField(_("working days to complete"), validators=[MinValueValidator(0)])
    requirements = models.JSONField(_("requirements"), default=list, blank=True)
    life_events = models.ManyToManyField(LifeEvent, blank=True, related_name="services",
                                         verbose_name=_("life events"))
    channels = models.JSONField(_("channels"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ServiceStatus.choices,
                              default=ServiceStatus.ACTIVE, db_index=True)
    # How often the service is used: orders "most used" lists; updated from usage, not edited.
    popularity = models.PositiveIntegerField(_("popularity"), default=0, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    name = BilingualText()
    description = BilingualText()
    fee_note = BilingualText()

    class Meta:
        ordering = ["code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [
            models.Index(fields=["sector", "status"], name="service_sector_status_idx"),
            models.Index(fields=["entity", "status"], name="service_entity_status_idx"),
            models.Index(fields=["status", "-popularity"], name="service_popular_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=["active", "retired"]), name="service_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_free(self) -> bool:
        return self.fee_amount is None and not (self.fee_note_ar or self.fee_note_en)

    @property
    def localized_requirements(self) -> list[str]:
        return [pick(item) for item in self.requirements or []]

    @property
    def localized_keywords(self) -> list[str]:
        from manassa.core.i18n import active_language

        return list(getattr(self, f"keywords_{active_language()}", None) or [])


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for publication")
    PUBLISHED = "published", _("Published")
    RETURNED = "returned", _("Returned with comments")


class ServiceRevision(models.Model):
    """A change to a service (or a new service) proposed by its entity, reviewed by the Digital Office.

    ``data`` holds the proposed values of the service's fields (``name_ar``,
    ``fee_amount`` in fils, ``sector`` and ``life_events`` as codes…), exactly
    what publishing writes onto the ``Service`` row.
    """

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="service_revisions")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions")
    code = models.CharField(_("code"), max_length=40, validators=[SERVICE_CODE])
    data = models.JSONField(_("proposed service"))
    status = models.CharField(_("status"), max_length=10, choices=RevisionStatus.choices,
                              default=RevisionStatus.DRAFT, db_index=True)
    comment = models.TextField(_("review comment"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("service revision")
        verbose_name_plural = _("service revisions")
        indexes = [models.Index(fields=["entity", "status"], name="revision_entity_status_idx")]
        constraints = [
            # At most one open (draft or submitted) revision per service code.
            models.UniqueConstraint(fields=["code"], condition=models.Q(status__in=["draft", "submitted"]),
                                    name="revision_one_open_per_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.status})"


class Synonym(models.Model):
    """Words people use for the same thing, in one language; edited by the Digital Office.

    ``terms`` is a group (``["رخصة سواقة", "رخصة قيادة"]``): a query using any
    of them also finds the others. Groups are matched on whole words or
    phrases before stemming (see search/analysis.py).
    """

    language = models.CharField(_("language"), max_length=2, choices=[("ar", _("Arabic")), ("en", _("English"))])
    terms = models.JSONField(_("terms"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language", "id"]
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")

    def __str__(self) -> str:
        return " = ".join(self.terms or [])


class CatalogState(models.Model):
    """One row counting catalog changes.

    Every write to services, sectors, life events, entities' names or synonyms
    bumps ``version`` in its transaction (``catalog_version_bump``), so the
    search index of each process knows when to refresh without being told.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveBigIntegerField(default=0)
    synonyms_version = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="catalog_state_singleton")]

    def __str__(self) -> str:
        return f"catalog version {self.version}"
