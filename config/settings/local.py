"""Development on one machine: `make run`. SQLite under var/, mail to var/outbox/."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("MANASSA_DEMO_MODE", "1")

from .base import *  # noqa: E402,F403

if not SECRET_KEY:  # noqa: F405
    # A development key kept beside the database so sessions survive restarts;
    # never used when DEBUG is off (production.py refuses to start without one).
    _key_file = VAR_DIR / "secret_key"  # noqa: F405
    _key_file.parent.mkdir(parents=True, exist_ok=True)
    if not _key_file.exists():
        from django.core.management.utils import get_random_secret_key

        _key_file.write_text(get_random_secret_key())
    SECRET_KEY = _key_file.read_text().strip()

INTERNAL_IPS = ["127.0.0.1"]

# Webhook endpoints may use plain http to these hosts (local receivers); https everywhere else.
MANASSA_WEBHOOK_HTTP_HOSTS = ["localhost", "127.0.0.1"]
