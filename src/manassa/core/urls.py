from django.urls import path

from manassa.core import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("cookies/accept/", views.cookies_accept, name="cookies_accept"),
]
