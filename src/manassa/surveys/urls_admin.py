"""Surveys of an entity or of the Digital Office: build, publish, results, CSV (``/<lang>/backoffice/surveys/``)."""

app_name = "surveys_admin"

urlpatterns: list = []
