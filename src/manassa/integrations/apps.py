from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "manassa.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from manassa.core import events
        from manassa.integrations.services import webhook_event_fanout

        # Every kind: the subscriber keeps the ones endpoints may subscribe to (models.EVENT_KINDS).
        events.subscribe("", webhook_event_fanout, deferred=True)
