from django.urls import path

from manassa.payments.sandbox import views

app_name = "sandbox_gateway"

urlpatterns = [
    path("pay/<str:reference>/", views.hosted_page, name="pay"),
    path("pay/<str:reference>/challenge/", views.challenge_page, name="challenge"),
    path("api/charges/<str:reference>/", views.charge_status_api, name="status"),
    path("api/settlements/<str:day>/", views.settlement_report_api, name="settlements"),
    path("api/switches/", views.switches_api, name="switches"),
]
