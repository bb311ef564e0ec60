from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manassa.accounts.validators import validate_emirates_id, validate_uae_mobile
from manassa.core.i18n import BilingualText


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class Language(models.TextChoices):
    ARABIC = "ar", _("Arabic")
    ENGLISH = "en", _("English")


class UserType(models.TextChoices):
    """Assurance level reported by UAE PASS (``userType``)."""

    NONE = "", _("Not verified")
    SOP1 = "SOP1", _("Basic (SOP1)")
    SOP2 = "SOP2", _("Verified (SOP2)")
    SOP3 = "SOP3", _("Verified in person (SOP3)")


class User(AbstractBaseUser, PermissionsMixin):
    """A person: customer, entity staff or Digital Office staff, told apart by roles.

    ``is_staff`` is Django's flag for the technical admin site only; government
    roles live in ``PlatformRole`` and ``entities.Membership``.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    name_ar = models.CharField(_("full name (Arabic)"), max_length=150, blank=True)
    name_en = models.CharField(_("full name (English)"), max_length=150, blank=True)
    emirates_id = models.CharField(
        _("Emirates ID"), max_length=18, unique=True, null=True, blank=True,
        validators=[validate_emirates_id],
    )
    mobile = models.CharField(_("mobile number"), max_length=16, blank=True, validators=[validate_uae_mobile])
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ARABIC
    )
    user_type = models.CharField(_("identity assurance"), max_length=4, choices=UserType.choices,
                                 default=UserType.NONE, blank=True)
    interests = models.ManyToManyField("catalog.Sector", verbose_name=_("interests"), blank=True,
                                       related_name="interested_users")
    life_events = models.ManyToManyField("catalog.LifeEvent", verbose_name=_("life events"), blank=True,
                                         related_name="interested_users")
    notify_email = models.BooleanField(_("e-mail notifications"), default=True)
    notify_sms = models.BooleanField(_("SMS notifications"), default=True)
    notify_in_app = models.BooleanField(_("notifications in the portal"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    name = BilingualText()

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.get_full_name()


class PlatformRoleName(models.TextChoices):
    DO_ADMIN = "do_admin", _("Digital Office administrator")
    DO_ANALYST = "do_analyst", _("Digital Office analyst")
    AUDITOR = "auditor", _("Auditor")


class PlatformRole(models.Model):
    """A role that spans every entity (Digital Office, audit)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="platform_roles")
    role = models.CharField(_("role"), max_length=16, choices=PlatformRoleName.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("platform role")
        verbose_name_plural = _("platform roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="platform_role_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"
