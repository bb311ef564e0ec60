"""Money is an integer count of the currency's minor unit (fils for AED); formatted only at the edge."""

from __future__ import annotations

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
