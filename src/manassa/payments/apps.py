from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "manassa.payments"
    label = "payments"
    verbose_name = _("Payments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from manassa.core import events
        from manassa.core.metrics import queue_register
        from manassa.payments.models import CallbackInbox
        from manassa.payments.receipts import on_payment_succeeded
        from manassa.payments.subscribers import on_application_event

        events.subscribe("application.", on_application_event)
        events.subscribe("payment.succeeded", on_payment_succeeded, deferred=True)
        queue_register("payment_callbacks", CallbackInbox, "received_at")
