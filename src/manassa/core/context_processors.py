from django.conf import settings
from django.urls import translate_url
from django.utils import translation

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
        "language_links": _language_links(request),
        "cookie_notice": request.COOKIES.get("manassa_cookies") != "ok",
        "demo_mode": settings.MANASSA_DEMO_MODE,
    }


def _language_links(request) -> list[dict]:
    """The same page in every other language (the URL prefix carries the language)."""
    current = translation.get_language()
    path = request.get_full_path()
    links = []
    for code, _name in settings.LANGUAGES:
        if code == current:
            continue
        url = translate_url(path, code)
        if url == path and path.startswith(f"/{current}/"):
            # A page that does not resolve (a 404): the same address in the other language.
            url = f"/{code}/" + path[len(current) + 2:]
        links.append({"code": code, "name": translation.get_language_info(code)["name_local"], "url": url})
    return links
