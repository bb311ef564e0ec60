"""Open311 GeoReport v2 (``/open311/v2/``), outside the language prefix: JSON and XML."""

app_name = "open311"

urlpatterns: list = []
