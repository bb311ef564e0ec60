"""Government entities and the people who work for them: the back office's tenant boundary."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from manassa.core.i18n import BilingualText

ENTITY_CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9-]{2,32}$", _("Use 2–32 capital letters, digits or hyphens.")
)


class EntityKind(models.TextChoices):
    LOCAL = "local", _("Local government")
    FEDERAL = "federal", _("Federal government")
    PRIVATE = "private", _("Private-sector provider")


class Entity(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True, validators=[ENTITY_CODE_VALIDATOR])
    kind = models.CharField(_("kind"), max_length=16, choices=EntityKind.choices, db_index=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent entity"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    logo = models.FileField(_("logo"), upload_to="entities/logos/", blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    address_ar = models.CharField(_("address (Arabic)"), max_length=300, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The working week and holidays its deadlines are counted in (worktime.WorkingCalendar.code);
    # empty: the federal calendar for federal entities, the emirate's for the others.
    working_calendar = models.CharField(_("working calendar"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    name = BilingualText()
    address = BilingualText()

    class Meta:
        ordering = ["code"]
        verbose_name = _("entity")
        verbose_name_plural = _("entities")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def calendar_code(self) -> str:
        from manassa.worktime.defaults import FEDERAL, SHARJAH

        return self.working_calendar or (FEDERAL if self.kind == EntityKind.FEDERAL else SHARJAH)


class EntityRole(models.TextChoices):
    OFFICER = "officer", _("Officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Entity administrator")


class Membership(models.Model):
    """A person's role in one entity. A person may belong to several entities."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=EntityRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "entity"], name="membership_one_role_per_entity")]
        indexes = [models.Index(fields=["entity", "role"], name="membership_entity_role_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.entity_id}:{self.role}"


class ApiKeyRole(models.TextChoices):
    """The workflow role an entity's system acts in when it takes an action through its key."""

    OFFICER = "officer", _("Officer")
    SUPERVISOR = "supervisor", _("Supervisor")


class ApiKeyScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and act (transitions, result documents)")


class EntityApiKey(models.Model):
    """A credential for one entity's own systems. Only a hash of the secret is stored.

    A key is live until it is revoked (at once) or, once rotated, until ``expires_at``: the grace
    period in which the system switches to its successor (``rotated_from`` points back to it).
    """

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    role = models.CharField(_("acts as"), max_length=16, choices=ApiKeyRole.choices, default=ApiKeyRole.OFFICER)
    scope = models.CharField(_("access"), max_length=8, choices=ApiKeyScope.choices, default=ApiKeyScope.READ)
    rotated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.entity_id}:{self.prefix}"

    def is_live(self, now) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def can_write(self) -> bool:
        return self.scope == ApiKeyScope.WRITE
