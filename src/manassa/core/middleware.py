import time
import uuid

from django.conf import settings

from manassa.core import context, metrics


def client_ip(request) -> str | None:
    """The client address, trusting X-Forwarded-For only behind a known number of proxies."""
    proxies = getattr(settings, "MANASSA_TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if incoming and len(incoming) <= 64 and incoming.isascii() else uuid.uuid4().hex
        # Not reset afterwards: Django logs errors after the middleware returns, and
        # those lines should still carry the request id. The next request replaces it.
        context.set_current(context.RequestContext(request_id=request_id, ip=client_ip(request)))
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # Route names, never raw paths: raw paths would make one series per URL.
        route = match.view_name if match and match.view_name else "unmatched"
        metrics.HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)
        metrics.HTTP_REQUESTS.labels(request.method, route, f"{response.status_code // 100}xx").inc()
        return response


class ApplicationErrorMiddleware:
    """Business errors that escape a page view: sign-in for 401, the error page otherwise.

    NotFound and Forbidden are also Django's Http404 and PermissionDenied, and are
    left to Django's handlers so they get the same pages as every other 404/403.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.contrib.auth.views import redirect_to_login
        from django.core.exceptions import PermissionDenied
        from django.http import Http404
        from django.shortcuts import render

        from manassa.core.errors import ApplicationError, NotAuthenticated

        if isinstance(exception, NotAuthenticated):
            return redirect_to_login(request.get_full_path())
        if isinstance(exception, (Http404, PermissionDenied)):
            return None  # Django's own 403/404 handlers render those pages
        if isinstance(exception, ApplicationError):
            return render(request, "error.html", {"error": exception}, status=exception.status)
        return None
