"""Answering a survey (``/<lang>/surveys/<code>/``)."""

from django.urls import path

from manassa.surveys import views

app_name = "surveys"

urlpatterns = [
    path("mine/", views.my_invitations, name="mine"),
    path("<slug:code>/", views.survey_answer, name="answer"),
    path("<slug:code>/thanks/", views.survey_thanks, name="thanks"),
]
