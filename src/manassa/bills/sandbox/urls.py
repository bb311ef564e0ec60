from django.urls import path

from manassa.bills.sandbox import views

app_name = "sandbox_billers"

urlpatterns = [
    path("<slug:provider>/api/accounts/<str:account>/bills/", views.bills_api, name="bills"),
    path("<slug:provider>/api/bills/<str:reference>/payments/", views.payment_api, name="payments"),
]
