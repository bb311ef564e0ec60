"""The sandbox sending its signed callbacks: real HTTP, as a gateway would, after the commit."""

from __future__ import annotations

import requests
from django.utils import timezone
from django_tasks import task

from manassa.core.retry import backoff_delay
from manassa.payments.gateways import sandbox_secret
from manassa.payments.sandbox import bank

MAX_ATTEMPTS = 6


def callback_post(url: str, body: bytes, signature: str) -> int:
    response = requests.post(url, data=body, timeout=10, headers={
        "Content-Type": "application/json", "X-Sandbox-Signature": signature})
    return response.status_code


@task()
def sandbox_callback_send(*, url: str, payload: dict, attempt: int = 1) -> str:
    body = bank.callback_body(payload)
    try:
        status = callback_post(url, body, bank.sign(sandbox_secret(), body))
    except requests.RequestException:
        status = 0
    if 200 <= status < 300:
        return "sent"
    if attempt < MAX_ATTEMPTS:
        sandbox_callback_send.using(run_after=timezone.now() + backoff_delay(attempt)).enqueue(
            url=url, payload=payload, attempt=attempt + 1)
        return "retrying"
    return "dead"
