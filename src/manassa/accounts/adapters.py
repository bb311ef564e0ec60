import base64
import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from cryptography.fernet import Fernet
from django.conf import settings

from manassa.accounts.permissions import is_government_staff
from manassa.core.i18n import active_language


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # A new account starts in the language the person signed up in.
        user.preferred_language = active_language()
        return super().save_user(request, user, form, commit=commit)


def _secret_box() -> Fernet:
    key = hashlib.sha256(b"manassa.mfa:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


class MFAAdapter(DefaultMFAAdapter):
    # TOTP secrets are encrypted at rest; a database dump alone cannot mint codes.
    def encrypt(self, text: str) -> str:
        return "f1:" + _secret_box().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if encrypted_text.startswith("f1:"):
            return _secret_box().decrypt(encrypted_text[3:].encode()).decode()
        return encrypted_text

    def can_delete_authenticator(self, authenticator) -> bool:
        # Two-factor authentication is mandatory for government staff.
        if is_government_staff(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    pass
