from django.conf import settings

from manassa.accounts.permissions import Perm, entity_ids_with, has_platform_perm


def portal(request):
    """What the site-wide layout needs: the person's menu and the cookie notice."""
    user = getattr(request, "user", None)
    menu = {}
    if user is not None and user.is_authenticated:
        menu = {
            "backoffice": bool(entity_ids_with(user, Perm.BACKOFFICE)),
            "digital_office": has_platform_perm(user, Perm.DIGITAL_OFFICE),
            "audit": has_platform_perm(user, Perm.AUDIT_VIEW),
        }
    return {
        "staff_menu": menu,
        "cookie_notice": request.COOKIES.get("manassa_cookies") != "ok",
        "demo_mode": settings.MANASSA_DEMO_MODE,
    }
