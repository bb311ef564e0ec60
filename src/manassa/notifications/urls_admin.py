"""The entity admin's notification templates (``/<lang>/backoffice/entities/<code>/notifications/``)."""

from django.urls import path

from manassa.notifications import views_admin as views

app_name = "notifications_admin"

urlpatterns = [
    path("", views.template_list, name="templates"),
    path("deliveries/", views.delivery_log, name="deliveries"),
    path("<str:event>/<slug:channel>/", views.template_edit, name="template"),
    path("<str:event>/<slug:channel>/revert/", views.template_revert_view, name="revert"),
]
