"""The UAE PASS authorization-code flow: endpoints from settings, because UAE PASS has no discovery document."""

from __future__ import annotations

from functools import wraps

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2Adapter, OAuth2CallbackView, OAuth2LoginView
from django.http import Http404

from manassa.accounts.openid_connect import callback_url


class UaePassOAuth2Adapter(OAuth2Adapter):
    provider_id = "uaepass"
    # UAE PASS authenticates the client at its token endpoint with HTTP Basic.
    basic_auth = True

    def _endpoint(self, key: str) -> str:
        return self.get_provider().app.settings[key]

    @property
    def authorize_url(self) -> str:
        return self._endpoint("authorize_url")

    @property
    def access_token_url(self) -> str:
        return self._endpoint("token_url")

    @property
    def profile_url(self) -> str:
        return self._endpoint("userinfo_url")

    def get_callback_url(self, request, app):
        return callback_url(request, "uaepass_callback", protocol=self.redirect_uri_protocol)

    def complete_login(self, request, app, token, **kwargs):
        with get_adapter().get_requests_session() as session:
            response = session.get(self.profile_url, headers={"Authorization": f"Bearer {token.token}"})
            response.raise_for_status()
            claims = response.json()
        return self.get_provider().sociallogin_from_response(request, claims)


def _not_found_unless_configured(view):
    # The URLs exist whether or not UAEPASS_CLIENT_ID is set; without it they are a 404, not a 500.
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SocialApp.DoesNotExist as exc:
            raise Http404 from exc

    return wrapper


oauth2_login = _not_found_unless_configured(OAuth2LoginView.adapter_view(UaePassOAuth2Adapter))
oauth2_callback = _not_found_unless_configured(OAuth2CallbackView.adapter_view(UaePassOAuth2Adapter))
