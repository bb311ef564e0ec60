"""Reporting and following a case (``/<lang>/feedback/``): complaint, suggestion, compliment, enquiry."""

from django.urls import path

from manassa.complaints import views_public as views

app_name = "complaints"

urlpatterns = [
    path("", views.start, name="start"),
    path("new/", views.report, name="report"),
    path("track/", views.track, name="track"),
    path("statistics/", views.statistics, name="statistics"),
    path("t/<str:token>/", views.track_link, name="track_link"),
    path("mine/", views.my_cases, name="mine"),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path("cases/<str:reference>/received/", views.submitted, name="submitted"),
    path("cases/<str:reference>/act/<slug:action>/", views.case_act, name="act"),
    path("cases/<str:reference>/rate/", views.case_rate_view, name="rate"),
    path("cases/<str:reference>/files/<slug:ref>/", views.attachment, name="attachment"),
]
