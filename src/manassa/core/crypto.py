"""Secrets the platform must read back (TOTP seeds, webhook signing secrets), encrypted at rest.

One Fernet box per purpose, its key derived from ``SECRET_KEY`` (or a setting of
its own) with a label, so a database dump alone reveals none of them and one
purpose's key never opens another's. Changing the key material makes the stored
values unreadable.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet

PREFIX = "f1:"


def secret_box(label: str, material: str) -> Fernet:
    key = hashlib.sha256(label.encode() + b":" + material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(box: Fernet, text: str) -> str:
    return PREFIX + box.encrypt(text.encode()).decode()


def decrypt(box: Fernet, stored: str) -> str:
    """The text of a value ``encrypt`` stored; ``ValueError`` for anything else."""
    if not stored.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    return box.decrypt(stored[len(PREFIX):].encode()).decode()
