from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UaePassConfig(AppConfig):
    # allauth finds providers by importing "<app>.provider" for every installed app.
    name = "manassa.accounts.uaepass"
    label = "uaepass"
    verbose_name = _("UAE PASS")
