from django.contrib.auth import views as auth_views
from django.urls import include, path
from idp import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    # Standard OpenID Connect with discovery: issuer <base>/o.
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    # UAE PASS's fixed paths (no discovery there).
    path("idshub/authorize", views.UaePassAuthorizationView.as_view(), name="uaepass-authorize"),
    path("idshub/token", views.UaePassTokenView.as_view(), name="uaepass-token"),
    path("idshub/userinfo", views.UaePassUserInfoView.as_view(), name="uaepass-userinfo"),
    path("idshub/logout", views.uaepass_logout, name="uaepass-logout"),
]
