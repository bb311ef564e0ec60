"""Fast, isolated settings for the test suite (SQLite by default, DATABASE_URL for PostgreSQL)."""

import os
import tempfile

os.environ.setdefault("MANASSA_VAR_DIR", tempfile.mkdtemp(prefix="manassa-test-"))

from .base import *  # noqa: E402,F403

SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
DEBUG = False
MANASSA_DEMO_MODE = True
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                  "OPTIONS": {"location": VAR_DIR / "documents", "base_url": None}},  # noqa: F405
}
# Tests that need the real queue run the worker explicitly; everything else
# still goes through the database backend so rollbacks are observable.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# The runner empties tables between transactional tests; the guard's own tests install it.
MANASSA_AUDIT_DB_GUARD = False

# Webhook endpoints may use plain http to these hosts (local receivers); https everywhere else.
MANASSA_WEBHOOK_HTTP_HOSTS = ["localhost", "127.0.0.1"]

# Payment gateways call back the test client.
MANASSA_PAYMENTS_BASE_URL = "http://testserver"
