from django.urls import path

from manassa.catalog import backoffice_views as views

# Mounted under backoffice/entities/<code>/services/
backoffice_urlpatterns = (
    [
        path("", views.service_list, name="list"),
        path("new/", views.service_new, name="new"),
        path("<str:service_code>/edit/", views.service_edit, name="edit"),
        path("changes/<int:revision_id>/", views.revision_detail, name="revision"),
        path("changes/<int:revision_id>/submit/", views.revision_submit, name="submit"),
    ],
    "backoffice_catalog",
)

# Mounted under digital-office/catalog/
review_urlpatterns = (
    [
        path("", views.review_queue, name="queue"),
        path("changes/<int:revision_id>/", views.review_detail, name="review"),
        path("synonyms/", views.synonym_list, name="synonyms"),
        path("synonyms/<int:synonym_id>/", views.synonym_edit, name="synonym"),
    ],
    "digital_office_catalog",
)
