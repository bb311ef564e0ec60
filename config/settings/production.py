"""Production: every secret and address from the environment; refuses unsafe defaults."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment")
if DEBUG:  # noqa: F405
    raise ImproperlyConfigured("DEBUG must be off in production")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")  # noqa: F405
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):  # noqa: F405
    # S3-compatible object storage through django-storages (install it beside Manassa).
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}  # noqa: F405
    # Documents stay private: no public URL, served by the platform after its access checks.
    STORAGES["documents"] = {"BACKEND": "storages.backends.s3.S3Storage",  # noqa: F405
                             "OPTIONS": {"location": "documents", "default_acl": "private", "querystring_auth": True}}
