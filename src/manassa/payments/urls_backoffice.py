"""Payments in the entity's back office (``/<lang>/backoffice/entities/<code>/payments/``); the Digital Office's
pages are in ``urls_do``.

The fixed segments ("refunds/", "reconciliation/") come before the payment references they would otherwise
match.
"""

from django.urls import path

from manassa.payments import views_backoffice as views

app_name = "payments_admin"

urlpatterns = [
    path("", views.payment_list, name="list"),
    path("refunds/", views.refund_list, name="refunds"),
    path("refunds/<int:refund_id>/decide/", views.refund_decision, name="refund_decide"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("reconciliation/export.csv", views.reconciliation_csv, name="reconciliation_csv"),
    path("reconciliation/<int:row_id>/", views.reconciliation_row, name="reconciliation_row"),
    path("<str:reference>/", views.payment_detail, name="payment"),
    path("<str:reference>/refund/", views.payment_refund, name="refund_request"),
]
