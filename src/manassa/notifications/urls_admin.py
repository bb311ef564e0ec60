"""The entity admin's notification templates (``/<lang>/backoffice/entities/<code>/notifications/``)."""

app_name = "notifications_admin"

urlpatterns: list = []
