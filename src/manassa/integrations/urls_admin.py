"""The entity admin's integrations: API keys rotation, webhooks and their delivery log
(``/<lang>/backoffice/entities/<code>/integrations/``)."""

app_name = "integrations"

urlpatterns: list = []
