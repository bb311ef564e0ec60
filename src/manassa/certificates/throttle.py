"""A limit on verification codes that find nothing, per client address.

Codes carry 100 random bits, so guessing is hopeless anyway; the limit keeps
anyone from trying at volume, and costs an honest reader nothing (a typo or
two). ``MANASSA_VERIFY_MISSES_PER_HOUR`` (default 30) sets it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from manassa.core.middleware import client_ip

WINDOW_SECONDS = 3600


def _limit() -> int:
    return int(getattr(settings, "MANASSA_VERIFY_MISSES_PER_HOUR", 30))


def _key(request) -> str:
    return f"certificates:verify-misses:{client_ip(request) or 'unknown'}"


def blocked(request) -> bool:
    return (cache.get(_key(request)) or 0) >= _limit()


def miss(request) -> None:
    key = _key(request)
    if cache.add(key, 1, WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, WINDOW_SECONDS)
