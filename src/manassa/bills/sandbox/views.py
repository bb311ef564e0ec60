"""The sandbox billers' API under ``/sandbox-billers/<provider>/api/``: another company's system, served here.

Every call is signed (``sandbox.signing``); the platform's adapter is its only
client. Served only when ``MANASSA_SANDBOX_BILLERS`` (default: demo mode) is on.
"""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from manassa.bills.providers import sandbox_billers_secret
from manassa.bills.sandbox import biller, signing
from manassa.bills.sandbox.models import SandboxBill, SandboxBillerAccount


def _enabled() -> None:
    if not getattr(settings, "MANASSA_SANDBOX_BILLERS", getattr(settings, "MANASSA_DEMO_MODE", False)):
        raise Http404()


def _authorised(request: HttpRequest) -> bool:
    return signing.verify(sandbox_billers_secret(), request.method, request.path, request.body,
                          request.headers.get(signing.HEADER, ""))


def _behave(account: SandboxBillerAccount | None) -> JsonResponse | None:
    """The demo accounts that stand for a biller in trouble."""
    if account is None:
        return None
    if account.behaviour == "unavailable":
        response = JsonResponse({"error": "service_unavailable"}, status=503)
        response["Retry-After"] = "60"
        return response
    if account.behaviour == "slow":
        time.sleep(float(getattr(settings, "MANASSA_SANDBOX_BILLERS_SLOW_SECONDS", 15)))
    return None


@require_GET
def bills_api(request: HttpRequest, provider: str, account: str) -> JsonResponse:
    _enabled()
    if not _authorised(request):
        return JsonResponse({"error": "bad_signature"}, status=401)
    trouble = _behave(SandboxBillerAccount.objects.filter(provider=provider, number=account).first())
    if trouble is not None:
        return trouble
    try:
        row, bills = biller.account_bills(provider=provider, number=account)
    except biller.Refused as exc:
        return JsonResponse({"error": exc.code}, status=exc.status)
    return JsonResponse({"account": row.number, "bills": bills})


@csrf_exempt
@require_POST
def payment_api(request: HttpRequest, provider: str, reference: str) -> JsonResponse:
    _enabled()
    if not _authorised(request):
        return JsonResponse({"error": "bad_signature"}, status=401)
    bill = SandboxBill.objects.select_related("account").filter(account__provider=provider,
                                                                reference=reference).first()
    trouble = _behave(bill.account if bill else None)
    if trouble is not None:
        return trouble
    try:
        values = json.loads(request.body or b"{}")
        amount = int(values["amount"])
        payment_reference, key = str(values["payment_reference"]), str(values["idempotency_key"])
    except (ValueError, TypeError, KeyError):
        return JsonResponse({"error": "invalid"}, status=400)
    try:
        payment, created = biller.bill_pay(provider=provider, reference=reference, amount=amount,
                                           payment_reference=payment_reference, idempotency_key=key)
    except biller.Refused as exc:
        return JsonResponse({"error": exc.code}, status=exc.status)
    return JsonResponse({"bill": reference, "status": "paid", "confirmation": payment.confirmation},
                        status=201 if created else 200)
