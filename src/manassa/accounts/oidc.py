"""Identity providers (UAE PASS and any OpenID Connect provider) configured from the environment.

``config/settings/base.py`` calls :func:`socialaccount_providers_from_env` while
settings load, so this module imports nothing from allauth or the app registry.
See docs/identity.md for the variables.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# UAE PASS publishes no discovery document; these values come from its
# integration guide (docs.uaepass.ae, "Web Integration" → "Endpoints").
UAEPASS_BASE_URLS = {
    "staging": "https://stg-id.uaepass.ae",
    "production": "https://id.uaepass.ae",
}
UAEPASS_PATHS = {
    "authorize_url": "/idshub/authorize",
    "token_url": "/idshub/token",
    "userinfo_url": "/idshub/userinfo",
    "logout_url": "/idshub/logout",
}
UAEPASS_SCOPE = "urn:uae:digitalid:profile:general"
UAEPASS_ACR_LOW = "urn:safelayer:tws:policies:authentication:level:low"

GENERIC_PROVIDER = "openid_connect"
# The generic provider keeps allauth's views and URLs; this subclass only
# fixes the callback address and the language after login (see its docstring).
GENERIC_PROVIDER_CLASS = "manassa.accounts.openid_connect.ManassaOpenIDConnectProvider"
_GENERIC_SUFFIXES = ("NAME", "SERVER_URL", "CLIENT_ID", "CLIENT_SECRET", "SCOPES", "PKCE")
# An id appears in URLs (/accounts/oidc/<id>/login/) and must not shadow a provider class id,
# because allauth looks providers up by either.
_PROVIDER_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_RESERVED_IDS = {"uaepass", GENERIC_PROVIDER}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _value(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name) or "").strip()


def _required(environ: Mapping[str, str], name: str, why: str) -> str:
    value = _value(environ, name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set {why}.")
    return value


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = _value(environ, name).lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (got {environ[name]!r}).")


def _scopes(environ: Mapping[str, str], name: str) -> list[str] | None:
    value = _value(environ, name)
    if not value:
        return None
    # Either separator: "openid profile email" and "openid,profile,email" both occur in IdP guides.
    return [scope for scope in re.split(r"[\s,]+", value) if scope]


def _base_url(environ: Mapping[str, str], name: str) -> str:
    """An http(s) URL without query or trailing slash; plain http only on loopback.

    allauth skips the signature check of an ID token fetched from the token
    endpoint because TLS already authenticates the server, so a remote
    provider over plain http would make the ID token forgeable in transit.
    """
    value = _value(environ, name)
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"{name} must be an http(s) URL without query string (got {value!r}).")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ImproperlyConfigured(f"{name} must use https unless the host is this machine (got {value!r}).")
    return value.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _env_key(provider_id: str) -> str:
    return provider_id.upper().replace("-", "_")


def generic_apps_from_env(environ: Mapping[str, str]) -> list[dict]:
    """``MANASSA_OIDC_PROVIDERS=corp,other`` → allauth ``openid_connect`` APPS entries."""
    ids = [item.strip() for item in _value(environ, "MANASSA_OIDC_PROVIDERS").split(",") if item.strip()]
    apps = []
    seen_keys: dict[str, str] = {}
    for provider_id in ids:
        if not _PROVIDER_ID.fullmatch(provider_id):
            raise ImproperlyConfigured(
                f"MANASSA_OIDC_PROVIDERS: {provider_id!r} is not a valid id "
                "(lower-case letters, digits, '-' and '_', at most 40 characters)."
            )
        if provider_id in _RESERVED_IDS:
            raise ImproperlyConfigured(f"MANASSA_OIDC_PROVIDERS: the id {provider_id!r} is reserved; choose another.")
        key = _env_key(provider_id)
        if key in seen_keys:
            raise ImproperlyConfigured(
                f"MANASSA_OIDC_PROVIDERS: {seen_keys[key]!r} and {provider_id!r} would share "
                f"the variables MANASSA_OIDC_{key}_*; list each provider once."
            )
        seen_keys[key] = provider_id
        prefix = f"MANASSA_OIDC_{key}_"
        why = f"because {provider_id!r} is listed in MANASSA_OIDC_PROVIDERS"
        name = _required(environ, prefix + "NAME", why)
        _required(environ, prefix + "SERVER_URL", why)
        server_url = _base_url(environ, prefix + "SERVER_URL")
        client_id = _required(environ, prefix + "CLIENT_ID", why)
        secret = _required(environ, prefix + "CLIENT_SECRET", why)
        app_settings: dict = {
            "server_url": server_url,
            # RFC 7636: a provider without PKCE ignores the extra parameters, so on by default.
            "oauth_pkce_enabled": _flag(environ, prefix + "PKCE", True),
        }
        scopes = _scopes(environ, prefix + "SCOPES")
        if scopes is not None:
            if "openid" not in scopes:
                raise ImproperlyConfigured(
                    f"{prefix}SCOPES must include 'openid' (got {environ[prefix + 'SCOPES']!r})."
                )
            app_settings["scope"] = scopes
        apps.append({
            "provider_id": provider_id,
            "name": name,
            "client_id": client_id,
            "secret": secret,
            "settings": app_settings,
        })

    # A provider configured but not listed is almost always a typo in the list.
    listed = set(seen_keys)
    for variable in environ:
        if not variable.startswith("MANASSA_OIDC_") or variable == "MANASSA_OIDC_PROVIDERS":
            continue
        if not _value(environ, variable):
            continue
        for suffix in _GENERIC_SUFFIXES:
            key = variable.removeprefix("MANASSA_OIDC_").removesuffix("_" + suffix)
            if variable.endswith("_" + suffix) and key and key not in listed:
                raise ImproperlyConfigured(
                    f"{variable} is set but no provider with that id is listed in MANASSA_OIDC_PROVIDERS."
                )
    return apps


def uaepass_app_from_env(environ: Mapping[str, str]) -> dict | None:
    """The UAE PASS app when ``UAEPASS_CLIENT_ID`` is set, else None."""
    client_id = _value(environ, "UAEPASS_CLIENT_ID")
    if not client_id:
        stray = sorted(name for name in environ if name.startswith("UAEPASS_") and _value(environ, name))
        if stray:
            raise ImproperlyConfigured(f"{stray[0]} is set but UAEPASS_CLIENT_ID is not; set both or neither.")
        return None
    why = "when UAEPASS_CLIENT_ID is set"
    secret = _required(environ, "UAEPASS_CLIENT_SECRET", why)
    environment = _value(environ, "UAEPASS_ENVIRONMENT").lower()
    if environment and environment not in UAEPASS_BASE_URLS:
        raise ImproperlyConfigured(
            f"UAEPASS_ENVIRONMENT must be 'staging' or 'production' (got {environ['UAEPASS_ENVIRONMENT']!r})."
        )
    if _value(environ, "UAEPASS_BASE_URL"):
        base_url = _base_url(environ, "UAEPASS_BASE_URL")
    elif environment:
        base_url = UAEPASS_BASE_URLS[environment]
    else:
        raise ImproperlyConfigured(
            "UAEPASS_ENVIRONMENT must be set to 'staging' or 'production' when UAEPASS_CLIENT_ID is set."
        )
    scopes = _scopes(environ, "UAEPASS_SCOPES") or [UAEPASS_SCOPE]
    if UAEPASS_SCOPE not in scopes:
        raise ImproperlyConfigured(f"UAEPASS_SCOPES must include {UAEPASS_SCOPE!r}.")
    app_settings = {
        "base_url": base_url,
        **{key: base_url + path for key, path in UAEPASS_PATHS.items()},
        "scope": scopes,
        "auth_params": {"acr_values": _value(environ, "UAEPASS_ACR_VALUES") or UAEPASS_ACR_LOW},
    }
    return {"name": "UAE PASS", "client_id": client_id, "secret": secret, "settings": app_settings}


def socialaccount_providers_from_env(environ: Mapping[str, str]) -> dict:
    """allauth's ``SOCIALACCOUNT_PROVIDERS`` from environment variables; raises ImproperlyConfigured.

    The ``openid_connect`` entry is always present so allauth registers the
    same provider class whether or not any generic provider is configured
    (its registry reads ``provider_class`` once, at start-up).
    """
    providers: dict = {
        GENERIC_PROVIDER: {"provider_class": GENERIC_PROVIDER_CLASS, "APPS": generic_apps_from_env(environ)},
    }
    uaepass = uaepass_app_from_env(environ)
    if uaepass is not None:
        providers["uaepass"] = {"APPS": [uaepass]}
    return providers
