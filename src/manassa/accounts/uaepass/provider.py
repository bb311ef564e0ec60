from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.socialaccount.providers.base import ProviderAccount, ProviderException
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider
from django.utils.translation import gettext_lazy as _

from manassa.accounts.identity import profile_from_claims, uaepass_uid
from manassa.accounts.oidc import UAEPASS_SCOPE
from manassa.accounts.openid_connect import ReturnToLanguageMixin
from manassa.accounts.uaepass.views import UaePassOAuth2Adapter


class UaePassAccount(ProviderAccount):
    def to_str(self) -> str:
        profile = profile_from_claims(self.account.extra_data or {})
        return profile.name_en or profile.name_ar or profile.email or super().to_str()


class UaePassProvider(ReturnToLanguageMixin, OAuth2Provider):
    id = "uaepass"
    # The label of the sign-in button on /accounts/login/.
    name = _("UAE PASS")
    account_class = UaePassAccount
    oauth2_adapter_class = UaePassOAuth2Adapter

    def get_default_scope(self) -> list[str]:
        return [UAEPASS_SCOPE]

    def extract_uid(self, data) -> str:
        uid = uaepass_uid(data if isinstance(data, dict) else {})
        if not uid:
            # Without a stable id there is nothing safe to link the account to.
            raise ProviderException("UAE PASS returned neither uuid nor sub")
        return uid

    def extract_common_fields(self, data) -> dict:
        profile = profile_from_claims(data)
        return {"email": profile.email, "name": profile.name_en or profile.name_ar}

    def extract_email_addresses(self, data) -> list:
        email = profile_from_claims(data).email
        return [EmailAddress(email=email, verified=False, primary=True)] if email else []


provider_classes = [UaePassProvider]
