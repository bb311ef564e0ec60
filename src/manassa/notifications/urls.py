"""The resident's notifications (``/<lang>/notifications/``)."""

from django.urls import path

from manassa.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("read/", views.notice_read, name="read"),
]
