from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from manassa.accounts.models import User
from manassa.accounts.permissions import Perm, has_platform_perm
from manassa.core.errors import Forbidden, NotAuthenticated


def user_has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def require_platform_perm(user, perm: Perm) -> None:
    """403 for a signed-in person without the platform role; 401 when not signed in."""
    if not user.is_authenticated:
        raise NotAuthenticated()
    if not has_platform_perm(user, perm):
        raise Forbidden()


def email_registered(*, email: str) -> bool:
    """Whether any account already uses this address, as its login or as a secondary address."""
    if not email:
        return False
    return (User.objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists())


def emirates_id_taken(*, emirates_id: str, exclude_user_id: int | None = None) -> bool:
    return User.objects.filter(emirates_id=emirates_id).exclude(pk=exclude_user_id).exists()
