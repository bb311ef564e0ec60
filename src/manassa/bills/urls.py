"""The resident's bill pages, inside the language prefix (the sandbox billers' API is outside it)."""

from django.urls import path

from manassa.bills import views

app_name = "bills"

urlpatterns = [
    path("", views.bill_start, name="start"),
    path("pay/", views.bill_pay, name="pay"),
]
