"""The gateways this deployment uses: ``MANASSA_PAYMENT_GATEWAYS = {code: {"class": dotted path, **options}}``."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.utils.module_loading import import_string

from manassa.payments.gateways.base import Gateway


def sandbox_secret() -> str:
    """The sandbox's signing key: from the settings, or derived from SECRET_KEY (never the key itself)."""
    configured = getattr(settings, "MANASSA_SANDBOX_GATEWAY_SECRET", "")
    if configured:
        return configured
    return hmac.new(settings.SECRET_KEY.encode(), b"manassa-sandbox-gateway", hashlib.sha256).hexdigest()


def _configured() -> dict[str, dict]:
    return getattr(settings, "MANASSA_PAYMENT_GATEWAYS", None) or {
        "sandbox": {"class": "manassa.payments.gateways.sandbox.SandboxGateway"},
    }


def gateway_codes() -> list[str]:
    return list(_configured())


def gateway_get(code: str) -> Gateway:
    options = dict(_configured().get(code) or {})
    if not options:
        raise KeyError(code)
    cls = import_string(options.pop("class"))
    gateway = cls(**options)
    gateway.code = code
    return gateway
