"""Formats of UAE identifiers: Emirates ID and mobile numbers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_NON_DIGITS = re.compile(r"[\s\-\u2010-\u2015]")
_ARABIC_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_emirates_id(value: str) -> str:
    """``784-YYYY-NNNNNNN-C`` from any spacing or digits; raises ValidationError."""
    digits = _NON_DIGITS.sub("", (value or "").translate(_ARABIC_INDIC))
    if not re.fullmatch(r"784\d{12}", digits):
        raise ValidationError(
            _("Enter the Emirates ID as 784-YYYY-NNNNNNN-C (15 digits starting with 784)."),
            code="emirates_id_format",
        )
    if not luhn_valid(digits):
        raise ValidationError(
            _("This Emirates ID number is not valid: check the digits."), code="emirates_id_checksum"
        )
    return f"{digits[:3]}-{digits[3:7]}-{digits[7:14]}-{digits[14]}"


def validate_emirates_id(value: str) -> None:
    normalize_emirates_id(value)


_MOBILE_PREFIXES = ("50", "52", "54", "55", "56", "58")


def normalize_uae_mobile(value: str) -> str:
    """``+9715XXXXXXXX`` from +971 5X…, 00971 5X…, 05X… or 5X…; raises ValidationError."""
    raw = re.sub(r"[\s\-().]", "", (value or "").translate(_ARABIC_INDIC))
    for prefix in ("+971", "00971", "971", "0"):
        if raw.startswith(prefix):
            raw = raw[len(prefix):]
            break
    if not (re.fullmatch(r"\d{9}", raw) and raw[:2] in _MOBILE_PREFIXES):
        raise ValidationError(
            _("Enter a UAE mobile number, for example 050 123 4567 or +971 50 123 4567."),
            code="mobile_format",
        )
    return f"+971{raw}"


def validate_uae_mobile(value: str) -> None:
    normalize_uae_mobile(value)
