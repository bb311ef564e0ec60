"""Reads of the bills app: the billers a resident can pay, and what an account owes (asked of the biller)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from manassa.bills.providers import ProviderConfig, provider_config, provider_configs, provider_get
from manassa.bills.providers.base import AccountNotFound, Bill, ProviderError, ProviderUnavailable
from manassa.core.errors import ApplicationError, InvalidInput
from manassa.entities.models import Entity

logger = logging.getLogger(__name__)

# Arabic-Indic and Eastern Arabic-Indic digits, as typed on an Arabic keyboard, read as 0-9.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


class BillProviderUnavailable(ApplicationError):
    code = "bill_provider_unavailable"
    status = 503
    default_message = gettext_lazy("The billing system cannot be reached right now. Nothing was charged. "
                                   "Try again in a few minutes.")


def providers_available() -> list[ProviderConfig]:
    """The configured billers whose entity exists and is active, in the order of the settings."""
    configs = provider_configs()
    active = set(Entity.objects.filter(code__in=[c.entity_code for c in configs], is_active=True)
                 .values_list("code", flat=True))
    return [config for config in configs if config.entity_code in active]


def provider_checked(code: str) -> ProviderConfig:
    """The biller the resident chose, refused like a form field when it is not one of ``providers_available``."""
    for config in providers_available():
        if config.code == code:
            return config
    raise InvalidInput(fields={"provider": [_("Choose who the bill is from.")]})


def account_checked(config: ProviderConfig, typed: str) -> str:
    """The account number as the biller knows it: digits only, of the biller's length; spaces and dashes dropped."""
    account = "".join((typed or "").translate(_DIGITS).split()).replace("-", "")
    if not account:
        message = _("Enter the account number.")
    elif not account.isascii() or not account.isdigit():
        message = _("The account number is made of digits only.")
    elif not config.account_min <= len(account) <= config.account_max:
        if config.account_min == config.account_max:
            message = ngettext("The account number has %(count)s digit.", "The account number has %(count)s digits.",
                               config.account_min) % {"count": config.account_min}
        else:
            message = _("The account number has %(low)s to %(high)s digits.") % {
                "low": config.account_min, "high": config.account_max}
    else:
        return account
    raise InvalidInput(fields={"account": [message]})


def bills_outstanding(*, provider_code: str, account: str) -> tuple[ProviderConfig, str, list[Bill]]:
    """Ask the biller what the account owes; bad input and an unreachable biller raise ``ApplicationError``s."""
    config = provider_checked(provider_code)
    account = account_checked(config, account)
    try:
        bills = provider_get(config.code).bills_lookup(account)
    except AccountNotFound:
        raise InvalidInput(fields={"account": [
            _("%(biller)s has no account with this number. Check the number on your bill.") % {
                "biller": config.label}]}) from None
    except (ProviderUnavailable, ProviderError) as exc:
        logger.warning("bill lookup failed", extra={"provider": config.code, "error": str(exc)})
        raise BillProviderUnavailable() from None
    return config, account, bills


def provider_label(code: str) -> str:
    try:
        return provider_config(code).label
    except KeyError:
        return code
