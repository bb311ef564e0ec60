"""The one interface every bill provider (an entity's billing system) implements.

A resident pays a bill in two conversations with the biller: ``bills_lookup``
(what does this account owe?) before the invoice is raised, and
``payment_post`` (this bill was paid) after the payment succeeded. The
platform never trusts the browser for an amount: it asks the provider again
when the resident picks a bill.

Adapters raise ``ProviderUnavailable`` when the biller cannot be reached or
answers "try later" (the caller tells the resident, or retries the posting),
``AccountNotFound`` for an account the biller does not know, and
``ProviderError`` for any other refusal that trying again will not change. A
production adapter is one more subclass listed in ``MANASSA_BILL_PROVIDERS``;
nothing else changes.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import date


class ProviderError(Exception):
    """The biller refused the request; trying again will not help."""

    def __init__(self, message: str = "", *, code: str = "provider_error") -> None:
        self.code = code
        super().__init__(message or code)


class AccountNotFound(ProviderError):
    def __init__(self, message: str = "") -> None:
        super().__init__(message, code="account_not_found")


class ProviderUnavailable(Exception):
    """The biller could not be reached, timed out or answered "try later"."""


@dataclass(frozen=True)
class Bill:
    reference: str  # the biller's bill number
    account: str
    period: str  # e.g. "2026-10"
    due_date: date | None
    amount: int  # fils
    currency: str
    description: dict[str, str] = field(default_factory=dict)  # {"ar", "en"}


@dataclass(frozen=True)
class PostingConfirmation:
    bill_reference: str
    confirmation: str  # the biller's receipt number for the posting


class BillProvider(abc.ABC):
    code: str = ""

    def __init__(self, **options) -> None:
        self.options = options

    @abc.abstractmethod
    def bills_lookup(self, account: str) -> list[Bill]:
        """The account's outstanding bills, oldest first."""

    @abc.abstractmethod
    def payment_post(self, *, bill_reference: str, amount: int, payment_reference: str,
                     idempotency_key: str) -> PostingConfirmation:
        """Tell the biller the bill was paid; the same ``idempotency_key`` twice records one payment."""
