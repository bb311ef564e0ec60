"""The resident's requests, under ``/<lang>/requests/``: drafts by their number (always scoped to the
applicant), submitted requests by their reference number."""

from django.urls import path

from manassa.applications import views_customer as views

app_name = "requests"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("drafts/<int:pk>/", views.draft_resume, name="draft"),
    path("drafts/<int:pk>/check/", views.draft_check, name="draft_check"),
    path("drafts/<int:pk>/documents/<slug:ref>/", views.draft_document, name="draft_document"),
    path("drafts/<int:pk>/<slug:page_key>/", views.draft_page, name="draft_page"),
    path("<str:reference>/", views.request_detail, name="detail"),
    path("<str:reference>/submitted/", views.submitted, name="submitted"),
    path("<str:reference>/answers/<slug:page_key>/", views.request_answers_page, name="answers_page"),
    path("<str:reference>/actions/<slug:action>/", views.request_action, name="action"),
    path("<str:reference>/notices/read/", views.notices_read, name="notices_read"),
    path("<str:reference>/rate/", views.request_rate, name="rate"),
    path("<str:reference>/documents/", views.request_document_add, name="document_add"),
    path("<str:reference>/documents/<slug:ref>/", views.request_document, name="document"),
]
