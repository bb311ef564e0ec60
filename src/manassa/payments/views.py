"""The platform's side of a gateway: the server-to-server callback and the resident's return."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from manassa.payments.gateways.base import CallbackInvalid
from manassa.payments.services import payment_callback_handle, payment_return_handle

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def payment_callback(request: HttpRequest, gateway: str) -> HttpResponse:
    """Always cheap and idempotent: the gateway may send the same notification many times."""
    headers = {name: value for name, value in request.headers.items()}
    try:
        payment_callback_handle(gateway_code=gateway, body=request.body, headers=headers)
    except CallbackInvalid as exc:
        logger.warning("payment callback refused", extra={"gateway": gateway, "reason": str(exc)})
        return HttpResponse(status=400)
    return HttpResponse(status=204)


@login_required
def payment_return(request: HttpRequest, reference: str) -> HttpResponse:
    payment = payment_return_handle(actor=request.user, reference=reference)
    return render(request, "payments/return.html", {"payment": payment, "invoice": payment.invoice})
