
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import user_email
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthProcess
from django.conf import settings
from django.db import transaction
from django.shortcuts import render
from django.utils import translation

from manassa.accounts.identity import identity_claims, profile_from_claims
from manassa.accounts.permissions import is_government_staff
from manassa.accounts.selectors import email_registered, emirates_id_taken
from manassa.accounts.services import identity_profile_sync, identity_user_created
from manassa.core import crypto
from manassa.core.i18n import active_language


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # A new account starts in the language the person signed up in.
        user.preferred_language = active_language()
        return super().save_user(request, user, form, commit=commit)


def _secret_box():
    return crypto.secret_box("manassa.mfa", settings.SECRET_KEY)


class MFAAdapter(DefaultMFAAdapter):
    # TOTP secrets are encrypted at rest; a database dump alone cannot mint codes.
    def encrypt(self, text: str) -> str:
        return crypto.encrypt(_secret_box(), text)

    def decrypt(self, encrypted_text: str) -> str:
        if encrypted_text.startswith(crypto.PREFIX):
            return crypto.decrypt(_secret_box(), encrypted_text)
        return encrypted_text

    def can_delete_authenticator(self, authenticator) -> bool:
        # Two-factor authentication is mandatory for government staff.
        if is_government_staff(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


def _started_in(sociallogin) -> str:
    """The language of the page the sign-in started from.

    The callback is always served in the default language (one redirect URI
    per provider); the starting language travels in the state's "next" URL.
    """
    next_url = (sociallogin.state or {}).get("next") or ""
    return translation.get_language_from_path(next_url) or active_language()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-in with UAE PASS or an OpenID Connect provider.

    An identity is linked to an account only through the provider's stable id
    (the SocialAccount uid), never through an e-mail address: an address can
    be recycled or unverified at the provider, and linking on it would hand
    the local account to whoever holds the address there.
    """

    def can_authenticate_by_email(self, login, email: str) -> bool:
        return False

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        profile = profile_from_claims(identity_claims(sociallogin.account.extra_data))
        user.name_ar = profile.name_ar
        user.name_en = profile.name_en
        user.mobile = profile.mobile
        user.user_type = profile.user_type
        # The column is unique; an Emirates ID typed into another account's profile must not block sign-up.
        if profile.emirates_id and not emirates_id_taken(emirates_id=profile.emirates_id):
            user.emirates_id = profile.emirates_id
        return user

    def pre_social_login(self, request, sociallogin):
        if (sociallogin.state or {}).get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
            # Connecting an identity to the signed-in account: allauth's own checks apply.
            return
        provider = sociallogin.account.provider
        if sociallogin.is_existing:
            profile = profile_from_claims(identity_claims(sociallogin.account.extra_data))
            identity_profile_sync(user=sociallogin.user, provider=provider, profile=profile)
            return
        email = user_email(sociallogin.user) or next(
            (address.email for address in sociallogin.email_addresses), ""
        )
        if email_registered(email=email):
            # A new identity whose address belongs to an existing account: refuse rather than
            # take that account over; its owner can sign in and connect the identity.
            with translation.override(_started_in(sociallogin)):
                response = render(request, "accounts/identity_email_taken.html",
                                  {"provider": sociallogin.provider, "email": email}, status=409)
            raise ImmediateHttpResponse(response)

    def save_user(self, request, sociallogin, form=None):
        sociallogin.user.preferred_language = _started_in(sociallogin)
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form=form)
            identity_user_created(user=user, provider=sociallogin.account.provider)
        return user
