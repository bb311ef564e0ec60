"""The resident's notifications and preferences (``/<lang>/notifications/``)."""

app_name = "notifications"

urlpatterns: list = []
