"""Settings of the test identity provider: django-oauth-toolkit with OpenID Connect, SQLite in IDP_DATA_DIR."""

import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DATA_DIR = Path(os.environ.get("IDP_DATA_DIR") or tempfile.mkdtemp(prefix="manassa-idp-"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _signing_key() -> str:
    """The ID-token signing key, made on first start and shared by the seed command and the server."""
    path = DATA_DIR / "oidc-signing-key.pem"
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ))
    return path.read_text()


def pkce_required(client_id: str) -> bool:
    # UAE PASS does not document PKCE, so its client is exempt; every other client must use it.
    return client_id not in os.environ.get("IDP_PKCE_OPTIONAL_CLIENTS", "").split(",")


SECRET_KEY = "test-identity-provider-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "idp",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "idp.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "idp.sqlite3",
                         "OPTIONS": {"timeout": 20}}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/login/"
# Browsers keep cookies per host, not per port: Manassa's live server on the same
# 127.0.0.1 must not read or overwrite the provider's session.
SESSION_COOKIE_NAME = "idp_sessionid"
CSRF_COOKIE_NAME = "idp_csrftoken"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}

UAEPASS_SCOPE = "urn:uae:digitalid:profile:general"
UAEPASS_ACR_VALUES = "urn:safelayer:tws:policies:authentication:level:low"

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _signing_key(),
    "OAUTH2_VALIDATOR_CLASS": "idp.oauth2_validator.ClaimsValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Profile",
        "email": "E-mail address",
        UAEPASS_SCOPE: "UAE PASS general profile",
    },
    "PKCE_REQUIRED": pkce_required,
    # Browser tests' live server runs on localhost with a random port.
    "ALLOW_LOCALHOST_LOOPBACK": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 300,
}
