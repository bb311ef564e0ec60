from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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


@require_GET
def cookies_accept(request):
    # A link, not a form: the page then carries no per-visitor token and can be cached.
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
