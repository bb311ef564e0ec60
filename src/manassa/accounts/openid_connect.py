"""What UAE PASS and the generic OpenID Connect provider share on top of allauth.

Portal URLs carry the language (``/ar/…``, ``/en/…``), so allauth would send a
different ``redirect_uri`` per language and every one of them would have to be
registered at the identity provider. The callback is therefore always built in
the default language, and the person is sent back to the language they
started in after signing in.
"""

from __future__ import annotations

from allauth.socialaccount.providers.base.constants import AuthProcess
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import translation


def callback_url(request, url_name: str, *, kwargs: dict | None = None, protocol: str | None = None) -> str:
    """The absolute callback URL in the default language: one redirect URI to register."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse(url_name, kwargs=kwargs)
    return build_absolute_uri(request, path, protocol)


class ReturnToLanguageMixin:
    """Sign-in from ``/en/`` ends on ``/en/``, although the callback is in the default language."""

    def get_redirect_from_request_kwargs(self, request):
        kwargs = super().get_redirect_from_request_kwargs(request)
        if "next_url" not in kwargs and kwargs.get("process") == AuthProcess.LOGIN:
            kwargs["next_url"] = resolve_url(settings.LOGIN_REDIRECT_URL)
        return kwargs


class ManassaOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    def get_callback_url(self, request, app):
        return callback_url(request, "openid_connect_callback", kwargs={"provider_id": self.provider_id},
                            protocol=self.redirect_uri_protocol)


class ManassaOpenIDConnectProvider(ReturnToLanguageMixin, OpenIDConnectProvider):
    """allauth's provider, registered through ``provider_class`` in SOCIALACCOUNT_PROVIDERS.

    Only the start of the flow uses this adapter; allauth's callback view
    rebuilds the same URL from the (default-language) callback path it is
    served on, so both requests to the provider carry the same redirect URI.
    """

    # allauth imports "<package>.urls" for a provider's URL patterns: keep allauth's.
    package = "allauth.socialaccount.providers.openid_connect"

    def get_oauth2_adapter(self, request):
        return ManassaOpenIDConnectAdapter(request, self.app.provider_id)
