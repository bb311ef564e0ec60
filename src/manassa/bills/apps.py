from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillsConfig(AppConfig):
    name = "manassa.bills"
    label = "bills"
    verbose_name = _("Bills")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from manassa.bills.subscribers import on_payment_succeeded
        from manassa.core import events

        events.subscribe("payment.succeeded", on_payment_succeeded, deferred=True)
