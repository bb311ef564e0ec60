"""Webhook secrets (encrypted at rest) and the ``Manassa-Signature`` header; docs/webhooks.md is the contract.

The secret is encrypted the way ``accounts.adapters`` encrypts TOTP secrets
(Fernet, key derived from ``SECRET_KEY``) but with its own derivation label,
or with ``MANASSA_WEBHOOK_SECRET_KEY`` when set — changing either makes the
stored secrets unreadable, so every endpoint then needs a new secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet
from django.conf import settings

SECRET_PREFIX = "whsec_"


def secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _box() -> Fernet:
    material = getattr(settings, "MANASSA_WEBHOOK_SECRET_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(b"manassa.webhooks:" + material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def secret_encrypt(secret: str) -> str:
    return "f1:" + _box().encrypt(secret.encode()).decode()


def secret_decrypt(stored: str) -> str:
    if not stored.startswith("f1:"):
        raise ValueError("not an encrypted webhook secret")
    return _box().decrypt(stored[3:].encode()).decode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256, keyed with the secret's UTF-8 bytes, of ``"<timestamp>." + body``."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
