from django.urls import path  # noqa: F401 (filled by the back-office pages)

app_name = "workqueue"

urlpatterns: list = []
