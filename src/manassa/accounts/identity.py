"""What an identity provider says about a person, turned into Manassa's user fields.

UAE PASS answers its userinfo endpoint with its own attribute names
(``uuid``, ``idn``, ``fullnameAR``, ``userType``…); a generic OpenID Connect
provider sends the standard claims (``sub``, ``name``, ``email``) and, when it
brokers UAE PASS, sometimes the UAE PASS attributes as well. Both are read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from manassa.accounts.models import UserType
from manassa.accounts.validators import normalize_emirates_id, normalize_uae_mobile

_ARABIC_LETTERS = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")
_NAME_MAX = 150


@dataclass(frozen=True)
class IdentityProfile:
    """User fields taken from the provider; empty or None means "the provider did not say"."""

    name_ar: str = ""
    name_en: str = ""
    email: str = ""
    emirates_id: str | None = None
    mobile: str = ""
    user_type: str = ""


def identity_claims(extra_data) -> dict:
    """The claims stored on a SocialAccount: the userinfo answer over the ID token's claims."""
    if not isinstance(extra_data, dict):
        return {}
    if "userinfo" in extra_data or "id_token" in extra_data:
        # allauth's openid_connect provider keeps both documents side by side.
        merged = dict(extra_data.get("id_token") or {})
        merged.update(extra_data.get("userinfo") or {})
        return merged
    return dict(extra_data)


def uaepass_uid(claims: dict) -> str:
    """UAE PASS's stable person id: ``uuid``; ``sub`` only when ``uuid`` is missing.

    ``sub`` is ``UAEPASS/<uuid>`` in the published samples, so an account
    linked through ``sub`` would not match the same person's ``uuid`` later;
    the fallback exists for clients that are not given ``uuid``.
    """
    for claim in ("uuid", "sub"):
        value = str(claims.get(claim) or "").strip()
        if value:
            return value
    return ""


def _text(value) -> str:
    # A broker may send the Emirates ID as a JSON number; lists, objects and booleans are not text.
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value).strip()


def _uaepass_name(full: str, first: str, last: str) -> str:
    # UAE PASS pads full names with commas between name parts: "Ram,,,,ABC,,".
    parts = [part.strip() for part in _text(full).split(",") if part.strip()]
    if not parts:
        parts = [part for part in (_text(first), _text(last)) if part]
    return " ".join(" ".join(parts).split())[:_NAME_MAX]


def profile_from_claims(claims: dict) -> IdentityProfile:
    """Map provider claims to user fields; an invalid Emirates ID or mobile number is left out."""
    name_ar = _uaepass_name(claims.get("fullnameAR"), claims.get("firstnameAR"), claims.get("lastnameAR"))
    name_en = _uaepass_name(claims.get("fullnameEN"), claims.get("firstnameEN"), claims.get("lastnameEN"))
    standard_name = " ".join(_text(claims.get("name")).split()) or " ".join(
        part for part in (_text(claims.get("given_name")), _text(claims.get("family_name"))) if part
    )
    if standard_name:
        # The standard "name" claim carries no language: the script tells which column it fills.
        if _ARABIC_LETTERS.search(standard_name):
            name_ar = name_ar or standard_name[:_NAME_MAX]
        else:
            name_en = name_en or standard_name[:_NAME_MAX]

    emirates_id = None
    if _text(claims.get("idn")):
        try:
            emirates_id = normalize_emirates_id(_text(claims["idn"]))
        except ValidationError:
            emirates_id = None

    mobile = ""
    if _text(claims.get("mobile")):
        try:
            mobile = normalize_uae_mobile(_text(claims["mobile"]))
        except ValidationError:
            mobile = ""

    user_type = _text(claims.get("userType")).upper()
    if user_type not in {UserType.SOP1, UserType.SOP2, UserType.SOP3}:
        user_type = ""

    return IdentityProfile(
        name_ar=name_ar,
        name_en=name_en,
        email=_text(claims.get("email")).lower(),
        emirates_id=emirates_id,
        mobile=mobile,
        user_type=user_type,
    )
