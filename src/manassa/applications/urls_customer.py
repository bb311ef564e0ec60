from django.urls import path  # noqa: F401 (filled by the resident pages)

app_name = "requests"

urlpatterns: list = []
