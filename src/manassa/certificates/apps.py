from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "manassa.certificates"
    label = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from manassa.certificates.subscribers import on_application_state_changed
        from manassa.core import events

        events.subscribe("application.state_changed", on_application_state_changed)
