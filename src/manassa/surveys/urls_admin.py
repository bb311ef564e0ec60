"""Surveys of an entity or of the Digital Office: build, publish, results, CSV (``/<lang>/backoffice/surveys/``)."""

from django.urls import path

from manassa.surveys import views_admin as views

app_name = "surveys_admin"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_new, name="new"),
    path("<slug:code>/", views.survey_detail, name="detail"),
    path("<slug:code>/edit/", views.survey_edit, name="edit"),
    path("<slug:code>/preview/", views.survey_preview, name="preview"),
    path("<slug:code>/publish/", views.survey_publish_view, name="publish"),
    path("<slug:code>/close/", views.survey_close_view, name="close"),
    path("<slug:code>/results/", views.survey_results_view, name="results"),
    path("<slug:code>/results/questions/<int:number>/", views.survey_text_answers, name="text_answers"),
    path("<slug:code>/results.csv", views.survey_export, name="export"),
]
