from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from manassa.core.i18n import BilingualText


class Sector(models.Model):
    """A field of government work used to browse services (health, housing…)."""

    code = models.CharField(
        _("code"), max_length=40, unique=True,
        validators=[RegexValidator(r"^[a-z0-9-]{2,40}$", _("Use 2–40 lowercase letters, digits or hyphens."))],
    )
    name_ar = models.CharField(_("name (Arabic)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    name = BilingualText()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name
