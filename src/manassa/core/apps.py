from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "manassa.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from manassa.core.metrics import queue_register
        from manassa.core.models import EventOutbox

        queue_register("event_outbox", EventOutbox, "occurred_at")
