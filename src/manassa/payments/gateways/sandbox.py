"""The adapter for the sandbox gateway (``manassa.payments.sandbox``), written as for any other gateway.

The sandbox is served by the platform itself, so the adapter calls its bank
in-process for sessions, status queries, refunds and the daily settlement
report (the same report its signed API serves at
``/sandbox-gateway/api/settlements/<day>/``); the callbacks come back over
HTTP, signed, like a real gateway's.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from django.urls import reverse

from manassa.payments.gateways import sandbox_secret
from manassa.payments.gateways.base import (
    CallbackInvalid,
    ChargeStatus,
    Gateway,
    GatewayError,
    RefundResult,
    Session,
    SessionRequest,
    SettlementLine,
)
from manassa.payments.sandbox import bank


def _status(payload: dict) -> ChargeStatus:
    try:
        return ChargeStatus(gateway_reference=str(payload["charge"]),
                            merchant_reference=str(payload["merchant_reference"]), status=str(payload["status"]),
                            amount=int(payload["amount"]), currency=str(payload["currency"]),
                            event_id=str(payload["id"]), failure_code=str(payload.get("failure_code") or ""))
    except (KeyError, TypeError, ValueError):
        raise CallbackInvalid("malformed payload") from None


class SandboxGateway(Gateway):
    code = "sandbox"

    def _secret(self) -> str:
        return self.options.get("secret") or sandbox_secret()

    def session_create(self, request: SessionRequest) -> Session:
        try:
            charge = bank.charge_create(
                merchant_reference=request.merchant_reference, idempotency_key=request.idempotency_key,
                amount=request.amount, currency=request.currency, description=request.description,
                return_url=request.return_url, callback_url=request.callback_url)
        except bank.SandboxError as exc:
            raise GatewayError(str(exc)) from exc
        return Session(gateway_reference=charge.reference,
                       redirect_url=reverse("sandbox_gateway:pay", args=[charge.reference]))

    def callback_parse(self, *, body: bytes, headers: dict[str, str]) -> ChargeStatus:
        if not bank.verify(self._secret(), body, headers.get("X-Sandbox-Signature", "")):
            raise CallbackInvalid("bad signature")
        try:
            payload = json.loads(body)
        except ValueError:
            raise CallbackInvalid("not JSON") from None
        if not isinstance(payload, dict):
            raise CallbackInvalid("not an object")
        return _status(payload)

    def status_query(self, *, gateway_reference: str) -> ChargeStatus:
        try:
            return _status(bank.charge_status(reference=gateway_reference))
        except bank.SandboxError as exc:
            raise GatewayError(str(exc)) from exc

    def refund(self, *, gateway_reference: str, amount: int, idempotency_key: str) -> RefundResult:
        try:
            refund = bank.charge_refund(reference=gateway_reference, amount=amount, idempotency_key=idempotency_key)
        except bank.SandboxError as exc:
            raise GatewayError(str(exc)) from exc
        return RefundResult(gateway_refund_id=refund.reference, amount=refund.amount)

    def settlement_report(self, day: date) -> list[SettlementLine]:
        try:
            return [SettlementLine(gateway_reference=str(line["charge"]),
                                   merchant_reference=str(line["merchant_reference"]), kind=str(line["kind"]),
                                   amount=int(line["amount"]), currency=str(line["currency"]),
                                   event_id=str(line["id"]),
                                   settled_at=datetime.fromisoformat(str(line["settled_at"])))
                    for line in bank.settlement_report(day=day)]
        except (KeyError, TypeError, ValueError) as exc:
            raise GatewayError("malformed settlement report") from exc
