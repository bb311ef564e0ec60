"""Webhook secrets (encrypted at rest) and the ``Manassa-Signature`` header; docs/webhooks.md is the contract.

The secret is encrypted with ``core.crypto`` like the TOTP secrets, under its own label,
or with ``MANASSA_WEBHOOK_SECRET_KEY`` when set — changing either makes the
stored secrets unreadable, so every endpoint then needs a new secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

from manassa.core import crypto

SECRET_PREFIX = "whsec_"


def secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _box():
    return crypto.secret_box("manassa.webhooks",
                             getattr(settings, "MANASSA_WEBHOOK_SECRET_KEY", "") or settings.SECRET_KEY)


def secret_encrypt(secret: str) -> str:
    return crypto.encrypt(_box(), secret)


def secret_decrypt(stored: str) -> str:
    return crypto.decrypt(_box(), stored)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256, keyed with the secret's UTF-8 bytes, of ``"<timestamp>." + body``."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
