"""Where gateways post their notifications: outside the language prefix, no session, no CSRF."""

from django.urls import path

from manassa.payments import views

app_name = "payments_gateway"

urlpatterns = [
    path("callback/<str:gateway>/", views.payment_callback, name="callback"),
]
