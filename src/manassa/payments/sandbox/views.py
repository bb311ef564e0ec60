"""The sandbox gateway's own pages under ``/sandbox-gateway/``: its hosted payment page and its API.

These stand for another company's website: they use no platform account and
know the platform only by the return and callback URLs given with the charge.
"""

from __future__ import annotations

import json
from datetime import date

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from manassa.payments.gateways import sandbox_secret
from manassa.payments.sandbox import bank
from manassa.payments.sandbox.models import SandboxCharge


def _enabled() -> None:
    if not getattr(settings, "MANASSA_SANDBOX_GATEWAY", getattr(settings, "MANASSA_DEMO_MODE", False)):
        raise Http404()


def _charge(reference: str) -> SandboxCharge:
    charge = SandboxCharge.objects.filter(reference=reference).first()
    if charge is None:
        raise Http404()
    return charge


@require_http_methods(["GET", "POST"])
def hosted_page(request: HttpRequest, reference: str) -> HttpResponse:
    _enabled()
    charge = _charge(reference)
    if request.method == "POST" and charge.status == "pending":
        charge = bank.charge_pay(reference=reference, card_number=request.POST.get("card_number", ""),
                                 callback_mode=request.POST.get("callback_mode", ""))
    if charge.challenge:
        return HttpResponseRedirect(f"/sandbox-gateway/pay/{reference}/challenge/")
    if request.method == "POST" or charge.status != "pending":
        return HttpResponseRedirect(charge.return_url)
    return render(request, "sandbox_gateway/pay.html", {"charge": charge, "cards": bank.CARDS,
                                                        "modes": bank.CALLBACK_MODES})


@require_http_methods(["GET", "POST"])
def challenge_page(request: HttpRequest, reference: str) -> HttpResponse:
    _enabled()
    charge = _charge(reference)
    if request.method == "POST":
        bank.charge_challenge(reference=reference, code=request.POST.get("code", ""))
        return HttpResponseRedirect(charge.return_url)
    if not charge.challenge:
        return HttpResponseRedirect(charge.return_url)
    return render(request, "sandbox_gateway/challenge.html", {"charge": charge})


def _authorised(request: HttpRequest) -> bool:
    body = f"{request.method} {request.path}".encode()
    return bank.verify(sandbox_secret(), body, request.headers.get("X-Sandbox-Signature", ""))


def charge_status_api(request: HttpRequest, reference: str) -> JsonResponse:
    """The status query, signed like the callbacks (over ``"<METHOD> <path>"``)."""
    _enabled()
    if not _authorised(request):
        return JsonResponse({"error": "bad signature"}, status=401)
    try:
        return JsonResponse(bank.charge_status(reference=reference))
    except bank.SandboxError:
        return JsonResponse({"error": "not found"}, status=404)


@require_http_methods(["GET"])
def settlement_report_api(request: HttpRequest, day: str) -> JsonResponse:
    """The day's settlement report (``YYYY-MM-DD``), signed like the status query."""
    _enabled()
    if not _authorised(request):
        return JsonResponse({"error": "bad signature"}, status=401)
    try:
        settled_on = date.fromisoformat(day)
    except ValueError:
        return JsonResponse({"error": "invalid day"}, status=400)
    return JsonResponse({"day": settled_on.isoformat(), "lines": bank.settlement_report(day=settled_on)})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def switches_api(request: HttpRequest) -> JsonResponse:
    """Read or set how callbacks are sent (normal, delay, duplicate, drop); signed like the status query."""
    _enabled()
    if not _authorised(request):
        return JsonResponse({"error": "bad signature"}, status=401)
    if request.method == "POST":
        try:
            values = json.loads(request.body or b"{}")
            row = bank.switch_set(callback_mode=str(values.get("callback_mode", "normal")),
                                  callback_delay=int(values.get("callback_delay", 30)))
        except (ValueError, TypeError, bank.SandboxError):
            return JsonResponse({"error": "invalid"}, status=400)
    else:
        row = bank.switch()
    return JsonResponse({"callback_mode": row.callback_mode, "callback_delay": row.callback_delay})
