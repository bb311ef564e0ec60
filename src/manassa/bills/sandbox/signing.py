"""Signatures of the sandbox billers' API: ``X-Sandbox-Signature: t=<unix>,v1=<HMAC-SHA256>``.

The MAC covers ``"<t>.<METHOD> <path>\\n<body>"``, so neither the address nor
the body of a signed request can be changed, and an old one is refused after
``tolerance`` seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Sandbox-Signature"


def _message(method: str, path: str, body: bytes) -> bytes:
    return f"{method.upper()} {path}\n".encode() + (body or b"")


def sign(secret: str, method: str, path: str, body: bytes = b"", *, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + _message(method, path, body), hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def verify(secret: str, method: str, path: str, body: bytes, header: str, *, tolerance: int = 300) -> bool:
    try:
        parts = dict(item.split("=", 1) for item in (header or "").split(","))
        at = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - at) > tolerance:
        return False
    expected = sign(secret, method, path, body, at=at).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
