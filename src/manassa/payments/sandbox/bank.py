"""The sandbox gateway's behaviour: a pretend bank the platform pays through in demos and tests.

Test cards (any expiry in the future, any CVV):

=====================  ===========================================
4000 0000 0000 0002    success
4000 0000 0000 0010    declined
4000 0000 0000 0028    insufficient funds
4000 0000 0000 3220    3-D Secure challenge (code 123456 succeeds)
4000 0000 0000 0119    timeout: the bank settles it later, the resident
                       sees "processing" and no callback is sent
=====================  ===========================================

Callbacks are signed (``X-Sandbox-Signature: t=<unix time>,v1=<HMAC-SHA256 of
"<t>.<body>">``) and POSTed by a task, so they can be delayed, sent twice or
dropped (``SandboxSwitch``, or per payment on the hosted page).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import date, datetime, timedelta
from datetime import time as day_time

from django.db import transaction
from django.utils import timezone

from manassa.payments.sandbox.models import SandboxCharge, SandboxRefund, SandboxSwitch

CARDS = {
    "4000000000000002": ("succeeded", ""),
    "4000000000000010": ("failed", "declined"),
    "4000000000000028": ("failed", "insufficient_funds"),
    "4000000000003220": ("challenge", ""),
    "4000000000000119": ("timeout", ""),
}
CHALLENGE_CODE = "123456"
CALLBACK_MODES = ("normal", "delay", "duplicate", "drop")


class SandboxError(Exception):
    pass


def sign(secret: str, body: bytes, *, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = 3600) -> bool:
    try:
        parts = dict(item.split("=", 1) for item in (header or "").split(","))
        at = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - at) > tolerance:
        return False
    expected = sign(secret, body, at=at).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def switch() -> SandboxSwitch:
    return SandboxSwitch.objects.order_by("id").first() or SandboxSwitch.objects.create()


def switch_set(*, callback_mode: str, callback_delay: int = 30) -> SandboxSwitch:
    if callback_mode not in CALLBACK_MODES:
        raise SandboxError("unknown callback mode")
    row = switch()
    row.callback_mode, row.callback_delay = callback_mode, max(0, int(callback_delay))
    row.save()
    return row


@transaction.atomic
def charge_create(*, merchant_reference: str, idempotency_key: str, amount: int, currency: str, description: str,
                  return_url: str, callback_url: str) -> SandboxCharge:
    existing = SandboxCharge.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.amount != amount or existing.merchant_reference != merchant_reference:
            raise SandboxError("idempotency key reused with different parameters")
        return existing
    mode = switch()
    return SandboxCharge.objects.create(
        reference=f"sbx_{secrets.token_hex(10)}", idempotency_key=idempotency_key,
        merchant_reference=merchant_reference, amount=amount, currency=currency, description=description[:200],
        return_url=return_url, callback_url=callback_url, callback_mode=mode.callback_mode,
        callback_delay=mode.callback_delay)


def event_id(charge: SandboxCharge) -> str:
    return f"evt_{charge.reference}_{charge.status}"


def charge_payload(charge: SandboxCharge) -> dict:
    return {"id": event_id(charge), "charge": charge.reference, "merchant_reference": charge.merchant_reference,
            "status": charge.status, "amount": charge.amount, "currency": charge.currency,
            "failure_code": charge.failure_code}


def _settle(charge: SandboxCharge, status: str, failure_code: str = "") -> None:
    charge.status, charge.failure_code, charge.settled_at = status, failure_code, timezone.now()
    charge.save(update_fields=["status", "failure_code", "settled_at"])
    _callbacks_enqueue(charge)


def _callbacks_enqueue(charge: SandboxCharge) -> None:
    from manassa.payments.sandbox.tasks import sandbox_callback_send

    if charge.callback_mode == "drop":
        return
    payload = charge_payload(charge)
    sender = sandbox_callback_send
    if charge.callback_mode == "delay":
        sender = sandbox_callback_send.using(run_after=timezone.now() + timedelta(seconds=charge.callback_delay))
    times = 2 if charge.callback_mode == "duplicate" else 1
    for _ in range(times):
        sender.enqueue(url=charge.callback_url, payload=payload)


@transaction.atomic
def charge_pay(*, reference: str, card_number: str, callback_mode: str = "") -> SandboxCharge:
    """What the hosted page does when the card is submitted; the charge's status says what happened."""
    charge = SandboxCharge.objects.select_for_update().get(reference=reference)
    if charge.status != "pending" or charge.challenge:
        return charge  # paid (or refused) already: a second submit charges nothing
    if callback_mode in CALLBACK_MODES:
        charge.callback_mode = callback_mode
        charge.save(update_fields=["callback_mode"])
    outcome, failure_code = CARDS.get("".join(ch for ch in card_number if ch.isdigit()), ("failed", "invalid_card"))
    if outcome == "challenge":
        charge.challenge = True
        charge.save(update_fields=["challenge"])
    elif outcome == "timeout":
        # The bank took the money but nobody heard back: only a status query will tell.
        charge.status, charge.settled_at = "succeeded", timezone.now()
        charge.failure_code = "timeout"
        charge.save(update_fields=["status", "settled_at", "failure_code"])
    else:
        _settle(charge, outcome, failure_code)
    return charge


@transaction.atomic
def charge_challenge(*, reference: str, code: str) -> SandboxCharge:
    charge = SandboxCharge.objects.select_for_update().get(reference=reference)
    if charge.status != "pending" or not charge.challenge:
        return charge
    charge.challenge = False
    if code.strip() == CHALLENGE_CODE:
        _settle(charge, "succeeded")
    else:
        _settle(charge, "failed", "authentication_failed")
    return charge


def charge_status(*, reference: str) -> dict:
    charge = SandboxCharge.objects.filter(reference=reference).first()
    if charge is None:
        raise SandboxError("no such charge")
    payload = charge_payload(charge)
    if charge.status == "succeeded" and charge.failure_code == "timeout":
        payload["failure_code"] = ""
    return payload


@transaction.atomic
def charge_refund(*, reference: str, amount: int, idempotency_key: str) -> SandboxRefund:
    charge = SandboxCharge.objects.select_for_update().get(reference=reference)
    existing = SandboxRefund.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    if charge.status != "succeeded":
        raise SandboxError("only a successful charge can be refunded")
    refunded = sum(charge.refunds.values_list("amount", flat=True))
    if amount <= 0 or refunded + amount > charge.amount:
        raise SandboxError("refund exceeds the charge")
    return SandboxRefund.objects.create(charge=charge, reference=f"sbr_{secrets.token_hex(10)}",
                                        idempotency_key=idempotency_key, amount=amount)


def totals() -> dict[str, int]:
    """What the sandbox holds: charged, refunded, net — to reconcile the platform's ledger against."""
    charged = sum(SandboxCharge.objects.filter(status="succeeded").values_list("amount", flat=True))
    refunded = sum(SandboxRefund.objects.values_list("amount", flat=True))
    return {"charged": charged, "refunded": refunded, "net": charged - refunded}


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The start and end of ``day`` in the bank's (and the platform's) local time zone."""
    start = timezone.make_aware(datetime.combine(day, day_time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), day_time.min))


def settlement_report(*, day: date) -> list[dict]:
    """The day's settlement file: every charge that succeeded and every refund paid out on ``day``.

    Amounts are signed (a refund negative); a refund carries its charge's references.
    """
    start, end = day_bounds(day)
    lines = []
    charges = SandboxCharge.objects.filter(status="succeeded", settled_at__gte=start, settled_at__lt=end)
    for charge in charges.order_by("settled_at", "id"):
        lines.append({"id": event_id(charge), "kind": "charge", "charge": charge.reference,
                      "merchant_reference": charge.merchant_reference, "amount": charge.amount,
                      "currency": charge.currency, "settled_at": charge.settled_at.isoformat()})
    refunds = SandboxRefund.objects.filter(created_at__gte=start, created_at__lt=end).select_related("charge")
    for refund in refunds.order_by("created_at", "id"):
        lines.append({"id": refund.reference, "kind": "refund", "charge": refund.charge.reference,
                      "merchant_reference": refund.charge.merchant_reference, "amount": -refund.amount,
                      "currency": refund.charge.currency, "settled_at": refund.created_at.isoformat()})
    return lines


def callback_body(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
