from django.urls import path

from manassa.applications import views_backoffice as views

# Mounted at /<lang>/backoffice/queue/. "overview/" comes before the references it would otherwise match.
app_name = "workqueue"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("overview/", views.overview, name="overview"),
    path("<str:reference>/", views.application_detail, name="application"),
    path("<str:reference>/claim/", views.claim, name="claim"),
    path("<str:reference>/assign/", views.assign, name="assign"),
    path("<str:reference>/note/", views.note, name="note"),
    path("<str:reference>/act/", views.transition, name="transition"),
    path("<str:reference>/documents/<slug:ref>/", views.document, name="document"),
    path("<str:reference>/results/", views.result_add, name="result_add"),
]
