"""Settings of the notifications app, read when used (so tests and worker processes may set them by environment).

Each has a Django setting of the same name, which wins, and an environment variable as fallback:

``MANASSA_SMS_GATEWAY_URL``       the HTTP SMS gateway's send endpoint; unset: SMS go to the file backend
``MANASSA_SMS_GATEWAY_TOKEN``     bearer token sent to the gateway
``MANASSA_SMS_BACKEND``           ``http`` | ``file`` | ``console`` (default: ``http`` when a URL is set, else ``file``)
``MANASSA_SMS_FILE_PATH``         where the file backend appends its JSON lines (default ``VAR_DIR/sms-outbox``)
``MANASSA_SMS_SENDER``            the sender name given to the gateway (default ``Manassa``)
``MANASSA_SMS_TIMEOUT``           seconds to wait for the gateway (default 10)
``MANASSA_NOTIFY_MAX_ATTEMPTS``   attempts before a delivery is ``dead`` (default ``core.retry.DEFAULT_MAX_ATTEMPTS``)
``MANASSA_NOTIFY_LEASE_SECONDS``  how long an attempt may take before another worker may take it over (default 300)
``MANASSA_NOTIFY_RECOVER_GRACE``  seconds a due delivery may wait for its task before the recovery re-enqueues it (60)
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from manassa.core.retry import DEFAULT_MAX_ATTEMPTS


def _get(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value)


def sms_gateway_url() -> str:
    return _get("MANASSA_SMS_GATEWAY_URL").strip()


def sms_gateway_token() -> str:
    return _get("MANASSA_SMS_GATEWAY_TOKEN").strip()


def sms_backend() -> str:
    return _get("MANASSA_SMS_BACKEND").strip().lower() or ("http" if sms_gateway_url() else "file")


def sms_file_path() -> Path:
    value = _get("MANASSA_SMS_FILE_PATH")
    return Path(value) if value else Path(getattr(settings, "VAR_DIR", "var")) / "sms-outbox"


def sms_sender() -> str:
    return _get("MANASSA_SMS_SENDER", "Manassa")


def sms_timeout() -> float:
    return float(_get("MANASSA_SMS_TIMEOUT", "10"))


def max_attempts() -> int:
    return int(_get("MANASSA_NOTIFY_MAX_ATTEMPTS", str(DEFAULT_MAX_ATTEMPTS)))


def lease_seconds() -> float:
    return float(_get("MANASSA_NOTIFY_LEASE_SECONDS", "300"))


def recover_grace_seconds() -> float:
    return float(_get("MANASSA_NOTIFY_RECOVER_GRACE", "60"))


def site_url() -> str:
    return getattr(settings, "MANASSA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
