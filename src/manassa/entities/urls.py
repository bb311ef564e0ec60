from django.urls import path

from manassa.entities import views

app_name = "backoffice"

urlpatterns = [
    path("", views.backoffice_home, name="home"),
    path("entities/<str:code>/", views.entity_detail, name="entity"),
    path("entities/<str:code>/edit/", views.entity_edit, name="entity_edit"),
    path("entities/<str:code>/api-keys/", views.api_keys, name="api_keys"),
    path("entities/<str:code>/api-keys/<str:prefix>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
    path("entities/<str:code>/api-keys/<str:prefix>/rotate/", views.api_key_rotate_view, name="api_key_rotate"),
]

digital_office_urlpatterns = (
    [path("", views.digital_office_home, name="home")],
    "digital_office",
)
