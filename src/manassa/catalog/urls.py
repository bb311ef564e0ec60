from django.urls import path

from manassa.catalog import views

app_name = "catalog"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("services/", views.browse, name="browse"),
    path("services/<slug:slug>/", views.service_detail, name="service"),
    path("services/<slug:slug>/start/", views.service_start, name="service_start"),
    path("sectors/<slug:code>/", views.sector_detail, name="sector"),
    path("life-events/<slug:code>/", views.life_event_detail, name="life_event"),
    path("entities/<str:code>/", views.entity_detail, name="entity"),
]
