from __future__ import annotations

from allauth.mfa.models import Authenticator

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
