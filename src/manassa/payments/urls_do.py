"""Payments in the Digital Office (``/<lang>/digital-office/payments/``): reconciliation of every entity."""

from django.urls import path

from manassa.payments import views_backoffice as views

app_name = "payments_do"

urlpatterns = [
    path("reconciliation/", views.do_reconciliation, name="reconciliation"),
    path("reconciliation/export.csv", views.do_reconciliation_csv, name="reconciliation_csv"),
    path("reconciliation/<str:day>/<str:gateway>/", views.do_report, name="report"),
]
