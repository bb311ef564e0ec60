"""The entities' case handling and the Digital Office's triage (``/<lang>/backoffice/cases/``)."""

app_name = "cases_admin"

urlpatterns: list = []
