"""Money is an integer count of the currency's minor unit (fils for AED); formatted only at the edge."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.translation import gettext as _

MINOR_UNITS = {"AED": 100, "USD": 100, "SAR": 100, "EUR": 100}


def currency_label(code: str) -> str:
    labels = {"AED": _("AED"), "USD": _("USD"), "SAR": _("SAR"), "EUR": _("EUR")}
    return labels.get(code, code)


def format_money(amount: int, currency: str = "AED") -> str:
    """``15000, "AED"`` → ``"150.00 AED"`` (``"150.00 درهم"`` in Arabic); a negative amount (a refund in
    the ledger) → ``"−25.00 AED"``."""
    if int(amount) < 0:
        return "−" + format_money(-int(amount), currency)
    unit = MINOR_UNITS.get(currency, 100)
    whole, minor = divmod(int(amount), unit)
    digits = len(str(unit)) - 1
    text = number_format(whole, decimal_pos=0, use_l10n=True, force_grouping=True)
    if digits:
        text = f"{text}.{minor:0{digits}d}"
    return f"{text} {currency_label(currency)}"


_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٫", "0123456789.")


def money_parse(text: str, currency: str = "AED", *, positive: bool = False) -> int:
    """An amount as a person types it (``"150"``, ``"1,150.50"``, Arabic digits) → minor units (fils).

    Raises ``ValueError`` for anything else: not a number, negative (or zero when ``positive``), more
    decimals than the currency has.
    """
    unit = MINOR_UNITS.get(currency, 100)
    cleaned = (text or "").strip().translate(_ARABIC_DIGITS).replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value < 0 or (positive and value == 0) or value * unit != int(value * unit):
        raise ValueError(text)
    return int(value * unit)


def money_plain(amount: int | None, currency: str = "AED") -> str:
    """Minor units → a plain signed decimal for a form field or a CSV cell.

    ``-2550`` → ``"-25.50"``; ``None`` → ``""``.
    """
    if amount is None:
        return ""
    unit = MINOR_UNITS.get(currency, 100)
    whole, minor = divmod(abs(int(amount)), unit)
    digits = len(str(unit)) - 1
    sign = "-" if int(amount) < 0 else ""
    return f"{sign}{whole}.{minor:0{digits}d}" if digits else f"{sign}{whole}"

