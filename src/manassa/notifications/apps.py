from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "manassa.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from manassa.core import events
        from manassa.notifications.services import on_event

        # After the commit, through the outbox: the change does not wait for texts to be rendered.
        for prefix in ("application.", "document.", "case.", "invoice."):
            events.subscribe(prefix, on_event, deferred=True)
