"""The resident's payment pages, inside the language prefix (``urls_callback`` is outside it)."""

from django.urls import path

from manassa.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.my_payments, name="mine"),
    path("invoices/<str:number>/", views.invoice_detail, name="invoice"),
    path("return/<str:reference>/", views.payment_return, name="return"),
]
