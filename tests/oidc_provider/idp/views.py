"""UAE PASS-shaped endpoints on top of django-oauth-toolkit's views."""

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from idp.oauth2_validator import uaepass_userinfo
from oauth2_provider.views import AuthorizationView, TokenView
from oauth2_provider.views.generic import ScopedProtectedResourceView


class UaePassAuthorizationView(AuthorizationView):
    """/idshub/authorize: DOT's view, refusing a request without UAE PASS's authentication level."""

    def get(self, request, *args, **kwargs):
        if request.GET.get("acr_values") != settings.UAEPASS_ACR_VALUES:
            return HttpResponseBadRequest("acr_values must be " + settings.UAEPASS_ACR_VALUES)
        return super().get(request, *args, **kwargs)


class UaePassTokenView(TokenView):
    """/idshub/token: DOT's view, but, like UAE PASS, only for clients authenticating with HTTP Basic."""

    def post(self, request, *args, **kwargs):
        if not request.headers.get("Authorization", "").startswith("Basic "):
            return JsonResponse({"error": "invalid_client", "error_description": "HTTP Basic required"}, status=401)
        return super().post(request, *args, **kwargs)


class UaePassUserInfoView(ScopedProtectedResourceView):
    """/idshub/userinfo: a bearer token with the UAE PASS scope gets UAE PASS attributes.

    DOT's own userinfo endpoint wants the "openid" scope, which UAE PASS clients do not request.
    """

    required_scopes = [settings.UAEPASS_SCOPE]

    def get(self, request, *args, **kwargs):
        return JsonResponse(uaepass_userinfo(request.resource_owner))


def uaepass_logout(request):
    logout(request)
    target = request.GET.get("redirect_uri", "")
    if target.startswith(("http://127.0.0.1", "http://testserver")):
        return HttpResponseRedirect(target)
    return HttpResponse("Signed out.", content_type="text/plain")
