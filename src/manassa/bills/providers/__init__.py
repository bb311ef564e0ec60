"""The bill providers this deployment uses, one per biller of an entity.

``MANASSA_BILL_PROVIDERS = {code: {"class": dotted path, "entity": entity code,
"label": {"ar", "en"}, "account_length": [min, max], **options}}``; the options
(everything but ``class``) are given to the adapter.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from manassa.bills.providers.base import BillProvider
from manassa.core.i18n import pick

DEFAULT_ACCOUNT_LENGTH = (6, 12)


@dataclass(frozen=True)
class ProviderConfig:
    code: str
    entity_code: str
    label_values: dict
    account_min: int
    account_max: int

    @property
    def label(self) -> str:
        return pick(self.label_values) or self.code


def _configured() -> dict[str, dict]:
    return getattr(settings, "MANASSA_BILL_PROVIDERS", None) or {}


def _config(code: str, options: dict) -> ProviderConfig:
    low, high = options.get("account_length") or DEFAULT_ACCOUNT_LENGTH
    return ProviderConfig(code=code, entity_code=str(options["entity"]), label_values=dict(options.get("label") or {}),
                          account_min=int(low), account_max=int(high))


def provider_configs() -> list[ProviderConfig]:
    return [_config(code, options) for code, options in _configured().items()]


def provider_config(code: str) -> ProviderConfig:
    options = _configured().get(code)
    if not options:
        raise KeyError(code)
    return _config(code, options)


def provider_get(code: str) -> BillProvider:
    options = dict(_configured().get(code) or {})
    if not options:
        raise KeyError(code)
    cls = import_string(options.pop("class"))
    provider = cls(**options)
    provider.code = code
    return provider


def sandbox_billers_secret() -> str:
    """The sandbox billers' signing key: from the settings, or derived from SECRET_KEY (never the key itself)."""
    configured = getattr(settings, "MANASSA_SANDBOX_BILLERS_SECRET", "")
    if configured:
        return configured
    return hmac.new(settings.SECRET_KEY.encode(), b"manassa-sandbox-billers", hashlib.sha256).hexdigest()
