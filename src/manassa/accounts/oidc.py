"""OpenID Connect identity providers configured from the environment."""

from __future__ import annotations

from collections.abc import Mapping


def socialaccount_providers_from_env(environ: Mapping[str, str]) -> dict:
    return {}
