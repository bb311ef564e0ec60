"""The resident's payment pages, inside the language prefix (``urls_callback`` is outside it)."""

from django.urls import path

from manassa.payments import views

app_name = "payments"

urlpatterns = [
    path("return/<str:reference>/", views.payment_return, name="return"),
]
