from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from manassa.catalog.selectors import (
    life_events_with_counts,
    sectors_with_counts,
    services_most_used,
    services_recommended_for,
)
from manassa.core import metrics as prom
from manassa.entities.selectors import entities_public


def home(request):
    return render(request, "core/home.html", {
        "sectors": sectors_with_counts(),
        "life_events": life_events_with_counts(),
        "most_used": services_most_used(limit=8),
        "recommended": services_recommended_for(user=request.user, limit=6),
        "entity_count": entities_public().count(),
    })


def _safe_next(request, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return fallback


@require_POST
def set_language(request):
    """Switch language and stay on the same page.

    Django's own view translates the ``next`` URL in the request's active
    language, which comes from the browser's Accept-Language; a page under
    /ar/ then fails to resolve for an English browser and the switch goes
    nowhere. The page's own prefix is the language to resolve it in.
    """
    language = request.POST.get("language", "")
    target = _safe_next(request, fallback="/")
    if language not in dict(settings.LANGUAGES):
        return redirect(target)
    with translation.override(translation.get_language_from_path(target) or settings.LANGUAGE_CODE):
        target = translate_url(target, language)
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE, secure=request.is_secure(),
    )
    return response


@require_POST
def cookies_accept(request):
    response = redirect(_safe_next(request))
    response.set_cookie("manassa_cookies", "ok", max_age=365 * 24 * 3600, samesite="Lax",
                        secure=request.is_secure(), httponly=True)
    return response


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready", reported, not raised
        return JsonResponse({"status": "unavailable", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
def metrics(request):
    token = getattr(settings, "MANASSA_METRICS_TOKEN", "")
    if token and request.headers.get("Authorization") != f"Bearer {token}":
        return HttpResponse(status=401)
    body, content_type = prom.render()
    return HttpResponse(body, content_type=content_type)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)
