from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "manassa.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from manassa.core import events
        from manassa.notifications.services import on_event

        events.subscribe("application.", on_event)
        events.subscribe("document.", on_event)
        events.subscribe("case.", on_event)
