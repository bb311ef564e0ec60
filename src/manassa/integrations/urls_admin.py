"""The entity admin's integrations: webhooks and their delivery log
(``/<lang>/backoffice/entities/<code>/integrations/``). API keys stay on the entity's API keys page."""

from django.urls import path

from manassa.integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.webhooks, name="webhooks"),
    path("endpoints/<int:endpoint_id>/", views.endpoint_edit, name="endpoint"),
    path("endpoints/<int:endpoint_id>/ping/", views.endpoint_ping, name="endpoint_ping"),
    path("endpoints/<int:endpoint_id>/secret/", views.endpoint_secret, name="endpoint_secret"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:delivery_id>/", views.delivery_detail, name="delivery"),
    path("deliveries/<int:delivery_id>/retry/", views.delivery_retry, name="delivery_retry"),
]
