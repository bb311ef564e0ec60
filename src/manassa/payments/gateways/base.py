"""The one interface every payment gateway adapter implements.

A payment goes: ``session_create`` (the platform asks for a hosted payment
page) → the resident is redirected there and pays → the gateway sends the
resident back to ``return_url`` and, separately, POSTs a signed notification
to ``callback_url`` (``callback_parse`` checks the signature and reads it) →
``status_query`` tells the truth at any time (the return and the scheduled
settlement rely on it, never on the browser) → ``refund``.

Adapters raise ``GatewayError`` for anything that went wrong talking to the
gateway (the caller retries later) and ``CallbackInvalid`` for a notification
that must not be believed. A production adapter is one more subclass listed
in ``MANASSA_PAYMENT_GATEWAYS``; nothing else changes.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import date, datetime


class GatewayError(Exception):
    """The gateway could not be reached or refused the request; try again later."""


class CallbackInvalid(Exception):
    """A callback whose signature or content cannot be trusted."""


@dataclass(frozen=True)
class SessionRequest:
    merchant_reference: str  # the platform's payment reference
    idempotency_key: str  # the same key twice gives the same session
    amount: int  # fils
    currency: str
    description: str
    return_url: str
    callback_url: str


@dataclass(frozen=True)
class Session:
    gateway_reference: str
    redirect_url: str


# What a gateway says about a payment: "pending", "succeeded" or "failed".
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"


@dataclass(frozen=True)
class ChargeStatus:
    gateway_reference: str
    merchant_reference: str
    status: str
    amount: int
    currency: str
    # The gateway's id of this outcome: the same outcome seen twice (callback, status query) has the same id.
    event_id: str
    failure_code: str = ""


@dataclass(frozen=True)
class RefundResult:
    gateway_refund_id: str
    amount: int


@dataclass(frozen=True)
class SettlementLine:
    """One movement of money as the gateway settled it (its daily settlement report)."""

    gateway_reference: str  # the gateway's reference of the charge (also for its refunds)
    merchant_reference: str  # the platform's payment reference
    kind: str  # "charge" or "refund"
    amount: int  # fils, signed: a charge is positive, a refund negative (as in the ledger)
    currency: str
    # The same id the gateway gives in callbacks and status queries (and the ledger keeps as "<gateway>:<id>").
    event_id: str
    settled_at: datetime


class Gateway(abc.ABC):
    code: str = ""

    def __init__(self, **options) -> None:
        self.options = options

    @abc.abstractmethod
    def session_create(self, request: SessionRequest) -> Session: ...

    @abc.abstractmethod
    def callback_parse(self, *, body: bytes, headers: dict[str, str]) -> ChargeStatus: ...

    @abc.abstractmethod
    def status_query(self, *, gateway_reference: str) -> ChargeStatus: ...

    @abc.abstractmethod
    def refund(self, *, gateway_reference: str, amount: int, idempotency_key: str) -> RefundResult: ...

    def settlement_report(self, day: date) -> list[SettlementLine]:
        """What the gateway settled on ``day`` (the platform's local day), for reconciliation.

        Not abstract so that an adapter written before reconciliation still loads; reconciliation records
        such a gateway as "no report".
        """
        raise GatewayError("this gateway gives no settlement report")
