"""Whole-page cache for what anonymous visitors see.

Public catalog pages are identical for every visitor who is not signed in,
so the rendered HTML is kept per address, language and catalog version. A
signed-in person (their menu and name are on the page), a visitor with
messages waiting, or the cookie-notice state all change the page, and are part
of the decision or of the key. Only pages without forms that carry a CSRF
token may use it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


def anonymous_page_cache(*, seconds: int, version: Callable[[], int]):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            cacheable = (request.method == "GET" and not request.user.is_authenticated
                         and not len(get_messages(request)))
            if not cacheable:
                return view(request, *args, **kwargs)
            notice = "0" if request.COOKIES.get("manassa_cookies") == "ok" else "1"
            key = (f"page:{translation.get_language()}:{version()}:{notice}:"
                   f"{view.__module__}.{view.__name__}:{request.get_full_path()}")
            content = cache.get(key)
            if content is not None:
                response = HttpResponse(content, content_type="text/html; charset=utf-8")
            else:
                response = view(request, *args, **kwargs)
                if response.status_code == 200 and not response.streaming and not response.cookies:
                    cache.set(key, response.content, seconds)
            patch_vary_headers(response, ["Cookie"])
            return response

        return wrapped

    return decorator
