"""People for tests: verified accounts, with TOTP for staff."""

import pyotp
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP

from manassa.accounts.models import User

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "Correct-Horse-2026"


def make_user(email: str, *, totp: bool = False, **fields) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if totp:
        TOTP.activate(user, TOTP_SECRET)
    return user


def totp_now() -> str:
    return pyotp.TOTP(TOTP_SECRET).now()
