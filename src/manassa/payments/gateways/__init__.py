"""The gateways this deployment uses: ``MANASSA_PAYMENT_GATEWAYS = {code: {"class": dotted path, **options}}``.

An optional ``"label": {"ar", "en"}`` names the gateway for staff (the payments filter); the other options go to
the adapter's constructor.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.utils.module_loading import import_string

from manassa.core.i18n import pick
from manassa.payments.gateways.base import Gateway


def sandbox_secret() -> str:
    """The sandbox's signing key: from the settings, or derived from SECRET_KEY (never the key itself)."""
    configured = getattr(settings, "MANASSA_SANDBOX_GATEWAY_SECRET", "")
    if configured:
        return configured
    return hmac.new(settings.SECRET_KEY.encode(), b"manassa-sandbox-gateway", hashlib.sha256).hexdigest()


def _configured() -> dict[str, dict]:
    return getattr(settings, "MANASSA_PAYMENT_GATEWAYS", None) or {
        "sandbox": {"class": "manassa.payments.gateways.sandbox.SandboxGateway",
                    "label": {"ar": "بوابة الدفع التجريبية", "en": "Sandbox payment gateway"}},
    }


def gateway_label(code: str) -> str:
    """What staff read for a gateway: its configured ``label`` ({"ar", "en"}), or its code if it has none."""
    return pick((_configured().get(code) or {}).get("label") or {}) or code


def gateway_codes() -> list[str]:
    return list(_configured())


def gateway_get(code: str) -> Gateway:
    options = dict(_configured().get(code) or {})
    if not options:
        raise KeyError(code)
    cls = import_string(options.pop("class"))
    options.pop("label", None)  # for people, not the adapter
    gateway = cls(**options)
    gateway.code = code
    return gateway
