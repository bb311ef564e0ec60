"""The entities' case handling and the Digital Office's triage (``/<lang>/backoffice/cases/``)."""

from django.urls import path

from manassa.complaints import views_admin as views

app_name = "cases_admin"

# "triage/" comes before the references it would otherwise match.
urlpatterns = [
    path("", views.case_list_view, name="list"),
    path("triage/", views.triage, name="triage"),
    path("<str:reference>/", views.case_detail, name="case"),
    path("<str:reference>/act/", views.case_act, name="act"),
    path("<str:reference>/assign/", views.case_assign_view, name="assign"),
    path("<str:reference>/note/", views.case_note, name="note"),
    path("<str:reference>/transfer/", views.case_transfer_view, name="transfer"),
    path("<str:reference>/merge/", views.case_merge_view, name="merge"),
    path("<str:reference>/files/<slug:ref>/", views.attachment, name="attachment"),
]
